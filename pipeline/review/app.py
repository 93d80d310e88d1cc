"""The review web application: FastAPI pages and a small JSON API over ``outputs/``.

``create_app(settings, token=None)`` builds it; ``verbali review`` serves it with uvicorn.
With a token, every request must carry it (``Authorization: Bearer``, or the cookie set by
opening ``/?token=...`` once). All text shown to people is Italian.
"""

from __future__ import annotations

import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import ClientDisconnect

from pipeline.audio import DECODED_AUDIO
from pipeline.config import Settings
from pipeline.errors import VerbaliError
from pipeline.review import approval, documents, view
from pipeline.review.corrections import undone_ids, validate
from pipeline.review.freeze import read_approval
from pipeline.review.jobs import Processor
from pipeline.review.media import review_audio
from pipeline.review.records import CorrectionError, StaleVersion, append_correction, read_corrections
from pipeline.review.uploads import UploadError, Uploads, WrongOffset, split_upload_path

HERE = Path(__file__).parent
TOKEN_COOKIE = "verbali_token"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1"]
JSON_TYPE = "application/json"


@dataclass
class ReviewContext:
    settings: Settings
    token: str | None
    uploads: Uploads
    processor: Processor | None

    @property
    def outputs(self) -> Path:
        return self.settings.outputs_dir


def create_app(settings: Settings, token: str | None = None, *, processor: Processor | None = None) -> FastAPI:
    """The application; ``processor`` runs uploaded recordings (made on startup when None)."""
    context = ReviewContext(settings, token, Uploads(settings.recordings_dir), processor)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if context.processor is None:
            context.processor = Processor(settings)
        yield
        context.processor.stop()

    app = FastAPI(title="verbali – revisione", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.review = context
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["headings"] = view.HEADING_TITLES
    templates.env.filters["clock"] = clock
    templates.env.filters["operation"] = lambda op: view.OPERATION_LABELS.get(op, op)
    _add_token_check(app, token)
    _add_same_site_check(app)
    if token is None:  # served on loopback only: refuse other host names (DNS rebinding)
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=LOOPBACK_HOSTS)
    _add_error_handlers(app)
    _add_pages(app, context, templates)
    _add_corrections_api(app, context)
    _add_uploads_api(app, context)
    return app


def clock(seconds: float | None) -> str:
    seconds = int(seconds or 0)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


# --------------------------------------------------------------------------- access


def _add_token_check(app: FastAPI, token: str | None) -> None:
    if token is None:
        return

    @app.middleware("http")
    async def check_token(request: Request, call_next):
        given = request.query_params.get("token")
        if given is not None and secrets.compare_digest(given, token) and request.method == "GET":
            response = RedirectResponse(request.url.remove_query_params("token"), status_code=303)
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
            return response
        header = request.headers.get("authorization", "")
        offered = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
        offered = offered or request.cookies.get(TOKEN_COOKIE)
        if offered is None or not secrets.compare_digest(offered, token):
            message = "accesso negato: serve il codice di accesso (apri l'indirizzo con ?token=...)"
            return JSONResponse({"errore": message}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return await call_next(request)


def _add_same_site_check(app: FastAPI) -> None:
    """Changes come from this app's own pages: a request another site's page makes is refused."""

    @app.middleware("http")
    async def same_site(request: Request, call_next):
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin")
            if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
                return JSONResponse({"errore": "richiesta da un altro sito: rifiutata"}, status_code=403)
            if request.method == "POST" and not request.headers.get("content-type", "").startswith(JSON_TYPE):
                return JSONResponse({"errore": f"le richieste POST devono essere {JSON_TYPE}"}, status_code=415)
        return await call_next(request)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        return JSONResponse({"errore": error.detail}, status_code=error.status_code)

    @app.exception_handler(StaleVersion)
    async def stale(request: Request, error: StaleVersion):
        return JSONResponse({"errore": str(error), "versione": error.current}, status_code=409)

    @app.exception_handler(CorrectionError)
    async def malformed(request: Request, error: CorrectionError):
        return JSONResponse({"errore": str(error)}, status_code=422)

    @app.exception_handler(UploadError)
    async def upload_refused(request: Request, error: UploadError):
        body: dict[str, Any] = {"errore": str(error)}
        if isinstance(error, WrongOffset):
            body["ricevuti"] = error.received
        return JSONResponse(body, status_code=error.status)

    @app.exception_handler(VerbaliError)
    async def refused(request: Request, error: VerbaliError):
        return JSONResponse({"errore": str(error)}, status_code=409)


def session_folder(context: ReviewContext, session_id: str) -> Path:
    """The session's output folder; 404 for anything that is not a session id in outputs/."""
    if not view.valid_session_id(session_id):
        raise HTTPException(404, "sessione sconosciuta")
    folder = context.outputs / session_id
    if not documents.has_artifacts(folder) and not (folder / "session.json").is_file():
        raise HTTPException(404, "sessione sconosciuta")
    return folder


def _ready_folder(context: ReviewContext, session_id: str) -> Path:
    folder = session_folder(context, session_id)
    if not documents.has_artifacts(folder):
        raise HTTPException(409, "la sessione è ancora in lavorazione")
    return folder


# --------------------------------------------------------------------------- pages


def sessions_list(context: ReviewContext) -> list[view.SessionSummary]:
    running = context.processor.running() if context.processor else {}
    failed = {
        j.session_id or j.folder.name: j.error
        for j in (context.processor.jobs.values() if context.processor else [])
        if j.state == "errore"
    }
    failed = {**_failed_runs(context.outputs), **failed}
    found = [p for p in sorted(context.outputs.glob("*/session.json"))]
    summaries = [view.summarise(p.parent, running.get(p.parent.name), failed.get(p.parent.name)) for p in found]
    known = {s.session_id for s in summaries}
    for key, job in running.items():
        if key not in known:
            summaries.append(view.SessionSummary(key, "running", job["cartella"], progress=job))
    for key, error in failed.items():
        if key not in known and key not in running:
            summaries.append(view.SessionSummary(key, "failed", key, detail=error))
    return sorted(summaries, key=lambda s: (s.date, s.session_id), reverse=True)


def _failed_runs(outputs: Path) -> dict[str, str]:
    """Sessions whose last run failed (``verbali status``), from the state database if there is one."""
    from pipeline.storage.state import State

    database = outputs / documents.STATE_FILE
    if not database.exists():
        return {}
    with State(database) as state:
        return {row.session_id: row.detail or "" for row in state.sessions() if row.status == "failed"}


def _add_pages(app: FastAPI, context: ReviewContext, templates: Jinja2Templates) -> None:
    @app.get("/", response_class=HTMLResponse)
    def home(request: Request):
        sessions = sessions_list(context)
        return templates.TemplateResponse(request, "sessions.html", {"sessions": sessions})

    @app.get("/api/sessions")
    def api_sessions():
        return [
            {**s.__dict__, "stato": s.state_label}
            for s in sessions_list(context)
        ]  # fmt: skip

    @app.get("/sessione/{session_id}", response_class=HTMLResponse)
    def session_page(request: Request, session_id: str):
        folder = _ready_folder(context, session_id)
        return templates.TemplateResponse(request, "session.html", _session_context(context, folder))

    @app.get("/sessione/{session_id}/trascrizione", response_class=HTMLResponse)
    def transcript_fragment(request: Request, session_id: str):
        folder = _ready_folder(context, session_id)
        return templates.TemplateResponse(request, "_review.html", _session_context(context, folder))

    @app.get("/sessione/{session_id}/anteprima", response_class=HTMLResponse)
    def preview(session_id: str):
        from pipeline.documents import RenderOptions, render_documents

        folder = _ready_folder(context, session_id)
        minutes = documents.build_reviewed_minutes(documents.load_artifacts(folder), context.settings)
        options = RenderOptions(templates_dir=context.settings.render_options().templates_dir, formats=("html",))
        page = render_documents("verbale", minutes.to_dict(), options)["verbale.html"]
        return HTMLResponse(page.decode("utf-8"))

    @app.get("/sessione/{session_id}/audio")
    def audio(session_id: str):
        folder = _ready_folder(context, session_id)
        return FileResponse(review_audio(folder), media_type="audio/mpeg")

    @app.get("/sessione/{session_id}/audio.16k.wav")
    def decoded_audio(session_id: str):
        path = _ready_folder(context, session_id) / DECODED_AUDIO
        if not path.is_file():
            raise HTTPException(404, "audio non trovato")
        return FileResponse(path, media_type="audio/wav")

    @app.get("/sessione/{session_id}/file/{name}")
    def document(session_id: str, name: str):
        folder = _ready_folder(context, session_id)
        allowed = {p.name for p in folder.glob("verbale*.*")} | {p.name for p in folder.glob("transcript.*")}
        if name not in allowed or name.startswith("."):
            raise HTTPException(404, "documento non trovato")
        return FileResponse(folder / name, filename=name)


def _session_context(context: ReviewContext, folder: Path) -> dict[str, Any]:
    artifacts = documents.load_artifacts(folder)
    reviewed = artifacts.reviewed()
    records = read_corrections(folder)
    undone = undone_ids(records)
    items = view.items_of(reviewed)
    return {
        "session": artifacts.session,
        "session_id": folder.name,
        "version": len(records),
        "items": items,
        "tables": reviewed.tables.tables,
        "speakers": view.speakers_of(reviewed),
        "doubtful": [i for i in items if i.doubtful],
        "unmatched": reviewed.unmatched,
        "last_corrections": [r for r in records if r.op != "undo" and r.id not in undone][-5:],
        "approval": read_approval(folder),
        "documents": sorted(p.name for p in folder.glob("verbale*.*") if p.suffix in (".md", ".html", ".docx", ".pdf")),
        "libreoffice": approval.soffice() is not None,
    }


# --------------------------------------------------------------------------- corrections


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise CorrectionError("il corpo della richiesta non è JSON valido") from None
    if not isinstance(body, dict):
        raise CorrectionError("il corpo della richiesta deve essere un oggetto JSON")
    return body


def _base_and_author(body: dict[str, Any]) -> tuple[int, str]:
    base, author = body.get("base"), body.get("by") or "anonimo"
    if not isinstance(base, int) or isinstance(base, bool) or base < 0:
        raise CorrectionError("manca base: la versione su cui si basa la correzione")
    if not isinstance(author, str) or len(author) > 100:
        raise CorrectionError("by deve essere un nome breve")
    return base, author


def _editable(context: ReviewContext, session_id: str) -> Path:
    folder = _ready_folder(context, session_id)
    if read_approval(folder):
        raise HTTPException(409, "la sessione è approvata: riaprila per modificarla")
    return folder


def _add_corrections_api(app: FastAPI, context: ReviewContext) -> None:
    @app.get("/api/sessions/{session_id}/corrections")
    def list_corrections(session_id: str):
        folder = _ready_folder(context, session_id)
        records = read_corrections(folder)
        return {"versione": len(records), "correzioni": [r.to_dict() for r in records]}

    @app.post("/api/sessions/{session_id}/corrections", status_code=201)
    async def save_correction(session_id: str, request: Request):
        folder = _editable(context, session_id)
        body = await _json_body(request)
        base, author = _base_and_author(body)
        op = body.get("op")
        if not isinstance(op, str) or op == "undo":
            raise CorrectionError("op mancante o non ammessa")
        args = validate(op, {k: v for k, v in body.items() if k not in ("base", "by", "op")})
        record = append_correction(folder, base, author, op, args)
        return {"versione": record.id, "correzione": record.to_dict()}

    @app.post("/api/sessions/{session_id}/undo", status_code=201)
    async def undo(session_id: str, request: Request):
        folder = _editable(context, session_id)
        base, author = _base_and_author(await _json_body(request))
        records = read_corrections(folder)
        undone = undone_ids(records)
        active = [r for r in records if r.op != "undo" and r.id not in undone]
        if not active:
            raise HTTPException(409, "nessuna correzione da annullare")
        record = append_correction(folder, base, author, "undo", {"ids": [active[-1].id]})
        return {"versione": record.id, "correzione": record.to_dict()}

    @app.post("/api/sessions/{session_id}/regenerate")
    def regenerate(session_id: str):
        folder = _ready_folder(context, session_id)
        written = documents.regenerate(folder, context.settings)
        return {"scritti": [p.name for p in written]}

    @app.post("/api/sessions/{session_id}/approve")
    async def approve(session_id: str, request: Request):
        folder = _editable(context, session_id)
        body = await _json_body(request)
        author = body.get("by") or "anonimo"
        done = approval.approve(folder, context.settings, str(author), pseudonymised=bool(body.get("pseudonimizzato")))
        return {"approvazione": done.__dict__}

    @app.post("/api/sessions/{session_id}/reopen")
    def reopen(session_id: str):
        approval.reopen(_ready_folder(context, session_id))
        return {"riaperta": True}


# --------------------------------------------------------------------------- uploads


def _add_uploads_api(app: FastAPI, context: ReviewContext) -> None:
    @app.post("/api/uploads", status_code=201)
    async def start_upload(request: Request):
        body = await _json_body(request)
        folder, received = context.uploads.start(body.get("files"))
        return {"cartella": folder, "ricevuti": received}

    @app.get("/api/uploads/{folder}")
    def upload_status(folder: str):
        return {"cartella": folder, "ricevuti": context.uploads.received(folder)}

    @app.put("/api/uploads/{folder}/file")
    async def upload_file(folder: str, path: str, request: Request, offset: int = 0):
        _, inner = split_upload_path(f"{folder}/{path}")
        length = request.headers.get("content-length")
        if length is not None and not length.isdigit():
            raise HTTPException(400, "Content-Length non valido")
        try:
            received = await context.uploads.receive(folder, inner, offset, request.stream())
        except ClientDisconnect:
            return Response(status_code=499)
        return {"file": inner, "ricevuti": received}

    @app.post("/api/uploads/{folder}/finish", status_code=201)
    def finish_upload(folder: str):
        target = context.uploads.finish(folder)
        job = context.processor.submit(target) if context.processor else None
        return {"cartella": target.name, "elaborazione": job.to_dict() if job else None}

"""Rendering a document's records through templates.

Markdown and HTML come from the Jinja2 templates, DOCX from a Word template (docxtpl), taking an
office's own template from ``RenderOptions.templates_dir`` where there is one and the packaged one
otherwise; ODT and PDF come from the DOCX through LibreOffice when ``soffice`` is installed.
Templates run with ``StrictUndefined``: a field that does not exist is an error naming the template,
the line and the field (``TemplateError``).
"""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import subprocess
import tempfile
import traceback
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from pipeline.documents import italian
from pipeline.documents.records import Minutes
from pipeline.documents.summary import SummaryOptions
from pipeline.errors import UsageError, VerbaliError
from pipeline.locations import PACKAGED_TEMPLATES
from pipeline.storage.files import write_bytes

logger = logging.getLogger("verbali")

FORMATS = ("md", "html", "docx", "json", "odt", "pdf")
CONVERTED_FORMATS = ("odt", "pdf")  # made from the DOCX by LibreOffice


SOFFICE_TIMEOUT = 180  # seconds; a first start of LibreOffice builds its profile


class TemplateError(VerbaliError):
    """A template that cannot be used: one line naming the template, the line and the problem."""


@dataclass(frozen=True)
class RenderOptions:
    templates_dir: Path | None = None  # an office's templates; a name not found there comes from the package
    formats: tuple[str, ...] = ("md", "html", "docx")  # any of FORMATS
    summary: SummaryOptions = field(default_factory=SummaryOptions)

    def __post_init__(self) -> None:
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown:
            raise UsageError(f"unknown document format {unknown[0]!r} (known: {', '.join(FORMATS)})")


def render_minutes(
    minutes: Minutes,
    folder: Path,
    options: RenderOptions = RenderOptions(),
    *,
    publish: Callable[[Path, bytes], Path] | None = None,
) -> list[Path]:
    """Write ``verbale.<format>`` for each of ``options.formats``; returns the paths written.

    ``publish`` writes one document (default: an atomic write); the runner may pass its
    edit-safe publisher, which keeps a file an editor changed and writes ``*.bozza.*`` beside it.
    """
    documents = render_documents("verbale", minutes.to_dict(), options)
    write = publish or write_bytes
    return [write(Path(folder) / name, data) for name, data in documents.items()]


def render_documents(stem: str, context: dict[str, Any], options: RenderOptions) -> dict[str, bytes]:
    """``{"<stem>.<format>": content}`` for each format asked for, rendered from ``<stem>.*`` templates."""
    documents: dict[str, bytes] = {}
    for fmt in options.formats:
        if fmt in ("md", "html"):
            documents[f"{stem}.{fmt}"] = render_text(f"{stem}.{fmt}.j2", context, options.templates_dir).encode()
        elif fmt == "json":
            documents[f"{stem}.json"] = (_json(context) + "\n").encode()
    if "docx" in options.formats or set(CONVERTED_FORMATS) & set(options.formats):
        docx = render_docx(f"{stem}.docx", context, options.templates_dir)
        if "docx" in options.formats:
            documents[f"{stem}.docx"] = docx
        documents.update(convert_with_libreoffice(stem, docx, [f for f in options.formats if f in CONVERTED_FORMATS]))
    return documents


def _json(context: dict[str, Any]) -> str:
    return json.dumps(context, ensure_ascii=False, indent=2)


def template_path(name: str, templates_dir: Path | None) -> Path:
    """The office's template of that name if there is one, else the packaged one."""
    if templates_dir is not None:
        if not Path(templates_dir).is_dir():
            raise TemplateError(f"{templates_dir}: templates folder not found")
        custom = Path(templates_dir) / name
        if custom.is_file():
            return custom
    return PACKAGED_TEMPLATES / name


def environment(templates_dir: Path | None, *, html: bool) -> jinja2.Environment:
    """Jinja2 with the office's folder first, then the packaged templates; unknown fields are errors."""
    folders = [str(PACKAGED_TEMPLATES)]
    if templates_dir is not None:
        template_path("", templates_dir)  # checks that the folder exists
        folders.insert(0, str(templates_dir))
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        undefined=jinja2.StrictUndefined,
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_text(name: str, context: dict[str, Any], templates_dir: Path | None) -> str:
    """A Markdown or HTML document from its Jinja2 template."""
    path = template_path(name, templates_dir)
    env = environment(templates_dir, html=name.endswith(".html.j2"))
    try:
        template = env.get_template(name)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(f"{_shown(error.filename or path)}, line {error.lineno}: {error.message}") from error
    try:
        return template.render(context)
    except Exception as error:  # whatever an office's template does wrong, say where
        filename, line = _template_frame(error, env)
        where = f", line {line}" if line else ""
        raise TemplateError(f"{_shown(filename or path)}{where}: {_problem(error)}") from error


def _template_frame(error: BaseException, env: jinja2.Environment) -> tuple[str | None, int | None]:
    """The innermost template (an imported macro file included) and line the error happened in."""
    folders = {Path(folder).resolve() for folder in getattr(env.loader, "searchpath", [])}
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename).resolve().parent in folders]
    return (frames[-1].filename, frames[-1].lineno) if frames else (None, None)


def _template_line(error: BaseException, filename: str) -> int | None:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
    return frames[-1].lineno if frames else None


def _problem(error: BaseException) -> str:
    message = str(error) if isinstance(error, jinja2.TemplateError) else f"{type(error).__name__}: {error}"
    attribute = re.match(r"^'[^']*' has no attribute '([^']+)'$", message)
    return f"'{attribute.group(1)}' is undefined" if attribute else message


def _shown(path: object) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(Path(str(path)).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def render_docx(name: str, context: dict[str, Any], templates_dir: Path | None) -> bytes:
    """A Word document from a docxtpl template: the office's letterhead and styles, our fields."""
    from docx.opc.exceptions import PackageNotFoundError
    from docxtpl import DocxTemplate

    path = template_path(name, templates_dir)
    try:
        template = DocxTemplate(str(path))
        env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
        template.render(context, jinja_env=env, autoescape=True)
    except jinja2.TemplateError as error:
        raise TemplateError(f"{_shown(path)}{_docx_place(error, path)}: {_problem(error)}") from error
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise TemplateError(f"{_shown(path)}: not a Word (.docx) file ({error})") from error
    buffer = io.BytesIO()
    template.save(buffer)
    return stable_zip(buffer.getvalue())


def _docx_place(error: jinja2.TemplateError, path: Path) -> str:
    """Where in the Word template: the text of the paragraph with the faulty field."""
    context = [line.strip() for line in getattr(error, "docx_context", None) or [] if line.strip()]
    if not context:
        line = _template_line(error, "<template>")
        context = [_docx_paragraph(path, line)] if line else []
    tagged = [line for line in context if "{" in line or "}" in line]
    return f", near «{italian.shortened(tagged[0], 16)}»" if tagged else ""


def _docx_paragraph(path: Path, line: int) -> str:
    """The text of the body paragraph docxtpl put on ``line`` of the XML it renders."""
    from docxtpl import DocxTemplate

    template = DocxTemplate(str(path))
    template.render_init()
    xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", template.patch_xml(template.get_xml()))
    lines = xml.splitlines()
    return re.sub(r"<[^>]+>", "", lines[line - 1]) if 0 < line <= len(lines) else ""


def stable_zip(data: bytes) -> bytes:
    """The same document gives the same bytes: zip entries get a fixed date."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return buffer.getvalue()


def convert_with_libreoffice(stem: str, docx: bytes, formats: Iterable[str]) -> dict[str, bytes]:
    """ODT and PDF from the DOCX when LibreOffice is installed; without it, a note and nothing."""
    formats = list(formats)
    if not formats:
        return {}
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        logger.warning("%s: %s not written: LibreOffice (soffice) is not installed", stem, ", ".join(formats))
        return {}
    converted = {}
    with tempfile.TemporaryDirectory(prefix="verbali-soffice-") as work:
        source = Path(work) / f"{stem}.docx"
        source.write_bytes(docx)
        for fmt in formats:
            output = _soffice_convert(soffice, source, fmt, Path(work))
            if output is not None:
                converted[f"{stem}.{fmt}"] = output.read_bytes()
    return converted


def _soffice_convert(soffice: str, source: Path, fmt: str, work: Path) -> Path | None:
    profile = (work / "profile").as_uri()  # a private profile: runs in parallel do not collide
    command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt]
    try:
        subprocess.run(
            [*command, "--outdir", str(work / fmt), str(source)],
            check=True,
            capture_output=True,
            timeout=SOFFICE_TIMEOUT,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        logger.warning("%s: LibreOffice could not convert it to %s (%s)", source.stem, fmt, error)
        return None
    output = work / fmt / f"{source.stem}.{fmt}"
    return output if output.is_file() else None

"""Approving a session: its documents made once more with the corrections, then frozen.

``approval.json`` records who approved, when, at which corrections version, and the
sha256 of every document it froze; the publisher never writes a frozen document again
(a later run writes ``*.bozza.*`` beside it when its inputs change). Approval also
writes the publishable set: ``verbale.pdf`` as PDF/A-2b through LibreOffice where it is
installed, and on request ``verbale.pseudonimizzato.*``, in which people's names are
replaced by their role or organisation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Settings
from pipeline.errors import VerbaliError
from pipeline.review.freeze import APPROVAL_FILE, read_approval
from pipeline.review.records import read_corrections
from pipeline.storage.files import write_bytes, write_json

PDFA_FILTER = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'  # PDF/A-2b
SOFFICE_TIMEOUT = 180
NO_LIBREOFFICE = "LibreOffice non è installato su questo computer: il PDF/A non è stato prodotto."
PSEUDONYMISED_STEM = "verbale.pseudonimizzato"


class AlreadyApproved(VerbaliError):
    pass


@dataclass(frozen=True)
class Approval:
    by: str
    at: str
    version: int
    files: dict[str, str]
    pdfa: str | None
    notes: list[str]


def approve(folder: Path, settings: Settings, author: str, *, pseudonymised: bool = False) -> Approval:
    from pipeline.review.documents import regenerate

    if read_approval(folder) is not None:
        raise AlreadyApproved("la sessione è già approvata")
    # a document an editor changed by hand was kept (its draft went beside it): theirs is approved
    written = [p.with_name(p.name.replace(".bozza.", ".")) for p in regenerate(folder, settings)]
    notes = []
    pdfa = None
    docx = folder / "verbale.docx"
    if docx.exists():
        pdfa = write_pdfa(docx, folder / "verbale.pdf")
        if pdfa is None:
            notes.append(NO_LIBREOFFICE if soffice() is None else "LibreOffice non è riuscito a produrre il PDF/A.")
    if pseudonymised:
        written += write_pseudonymised(folder, settings)
    files = sorted({p.name for p in written} | ({pdfa.name} if pdfa else set()))
    approval = Approval(
        by=author,
        at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        version=len(read_corrections(folder)),
        files={name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in files},
        pdfa=pdfa.name if pdfa else None,
        notes=notes,
    )
    write_json(folder / APPROVAL_FILE, approval.__dict__)
    return approval


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def write_pdfa(docx: Path, target: Path) -> Path | None:
    """The DOCX as PDF/A-2b, or None where LibreOffice is missing or fails."""
    program = soffice()
    if program is None:
        return None
    with tempfile.TemporaryDirectory(prefix="verbali-pdfa-") as work:
        profile = (Path(work) / "profile").as_uri()
        command = [program, f"-env:UserInstallation={profile}", "--headless", "--convert-to", PDFA_FILTER]
        try:
            subprocess.run(
                [*command, "--outdir", work, str(docx)], check=True, capture_output=True, timeout=SOFFICE_TIMEOUT
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
            return None
        output = Path(work) / f"{docx.stem}.pdf"
        return write_bytes(target, output.read_bytes()) if output.is_file() else None


def write_pseudonymised(folder: Path, settings: Settings) -> list[Path]:
    from pipeline.documents import render_documents
    from pipeline.review.documents import build_reviewed_minutes, load_artifacts
    from pipeline.review.pseudonyms import pseudonymise, replacements

    artifacts = load_artifacts(folder)
    reviewed = artifacts.reviewed()
    minutes = build_reviewed_minutes(artifacts, settings, reviewed)
    names = replacements(artifacts.session, reviewed.tables, reviewed.transcript)
    organisations = [
        *reviewed.tables.organisations,
        *(t.spokesperson.organisation or "" for t in reviewed.tables.tables),
    ]
    context = pseudonymise(minutes.to_dict(), names, organisations)
    documents = render_documents("verbale", context, settings.render_options())
    return [
        write_bytes(folder / name.replace("verbale.", f"{PSEUDONYMISED_STEM}.", 1), data)
        for name, data in documents.items()
    ]


def reopen(folder: Path) -> None:
    """Undo an approval: the frozen documents become drafts again (the record is kept aside)."""
    path = folder / APPROVAL_FILE
    if path.exists():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        path.rename(folder / f"approval.{stamp}.revoked.json")

"""The documents: the verbale of each session and the synthesis of each process, for editors to review.

``minutes`` builds the verbale's content from the artifacts, ``synthesis`` the documento istruttorio
di sintesi from a process's sessions, ``summary`` condenses what a table said, ``italian`` words
dates and numbers; ``records`` holds the records the templates see (Italian field names), and
``rendering`` writes them through the packaged or an office's ``templates/`` (Markdown, HTML, Word,
and ODT/PDF through LibreOffice).
"""

from pipeline.documents.minutes import NO_TABLES, build_minutes
from pipeline.documents.records import Minutes
from pipeline.documents.rendering import (
    FORMATS,
    PACKAGED_TEMPLATES,
    RenderOptions,
    TemplateError,
    render_documents,
    render_minutes,
    stable_zip,
)

__all__ = [
    "FORMATS",
    "NO_TABLES",
    "PACKAGED_TEMPLATES",
    "Minutes",
    "RenderOptions",
    "TemplateError",
    "build_minutes",
    "render_documents",
    "render_minutes",
    "stable_zip",
]

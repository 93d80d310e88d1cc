"""verbali: Zoom recordings of Italian co-programming sessions -> transcripts, minutes, synthesis.

The public API, imported on first use so that ``import pipeline.<module>`` stays light:
``run_batch`` (the one entry point: command line, web app, workers) with ``Settings``,
``BatchHooks``/``NullHooks``, ``BatchReport`` and ``Engines``; ``find_tables`` and
``build_minutes`` for single stages.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BatchHooks": "pipeline.batch",
    "BatchReport": "pipeline.batch",
    "ExitCode": "pipeline.batch",
    "NullHooks": "pipeline.batch",
    "run_batch": "pipeline.batch",
    "Engines": "pipeline.runner",
    "SessionResult": "pipeline.runner",
    "Settings": "pipeline.config",
    "VerbaliError": "pipeline.errors",
    "find_tables": "pipeline.tables",
    "build_minutes": "pipeline.documents",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)

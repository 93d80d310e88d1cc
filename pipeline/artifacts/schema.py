"""The artifacts' schema version, and what every artifact shares when it is read or written."""

from __future__ import annotations

from typing import Any

from pipeline.errors import VerbaliError

SCHEMA_VERSION = 1


class SchemaMismatch(VerbaliError):
    """An artifact written by another version of verbali, whose fields may mean something else."""


def check_schema(data: dict[str, Any], artifact: str) -> None:
    """Refuse an artifact of another schema version with a clear message (the runner then redoes it)."""
    version = data.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        age = "a newer" if version > SCHEMA_VERSION else "an older"
        raise SchemaMismatch(
            f"{artifact} was written by {age} verbali (schema {version}; this one reads {SCHEMA_VERSION}): "
            "run again with --force to redo it"
        )


def rounded(value: float) -> float:
    """Times and scores to the millisecond in the JSON files: steadier diffs, smaller files."""
    return round(float(value), 3)

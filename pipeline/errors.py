"""The errors verbali reports to people: one line each, naming what to do.

The CLI turns any ``VerbaliError`` into a one-line message and a non-zero exit;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class VerbaliError(Exception):
    """Base class: ``str(error)`` is the one line shown to the user."""

    exit_code = 1


class UsageError(VerbaliError):
    exit_code = 2


class RecordingError(VerbaliError):
    """A recording (file or folder) cannot be used."""

    def __init__(self, path: object, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class NotConverted(RecordingError):
    """A Zoom folder that holds only ``double_click_to_convert_*.zoom``."""


class AudioError(RecordingError):
    """ffmpeg could not decode a file (truncated, corrupt, empty, no audio stream)."""


class ModelUnavailable(VerbaliError):
    """A model is missing or corrupt; the message names the command that fixes it. It stops the batch."""

    exit_code = 4


class RunInProgress(VerbaliError):
    """Another run holds the outputs folder's lock."""

    exit_code = 3


class ToolMissing(VerbaliError):
    """An external program (ffmpeg, pip) is not installed."""

"""``audio.json``: the decoded 16 kHz mono form of a session's recording."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AudioInfo:
    """The decoded 16 kHz mono form of a session's recording."""

    path: str  # the 16 kHz mono 16-bit WAV written by the audio stage
    source: str  # the file it was decoded from
    duration: float
    sample_rate: int = 16000

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AudioInfo:
        return cls(**data)

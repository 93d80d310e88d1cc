"""Transcribe: speech to words with times, with faster-whisper.

``transcribe(samples, transcriber, options, hook, context)`` is the stage. The
engine sits behind the small ``Transcriber`` protocol (``engine``); what the
session knows becomes Whisper's prompt (``context``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from pipeline.artifacts import Diarization, Session, Transcript
from pipeline.config import TranscribeOptions
from pipeline.progress import Hook, null_hook
from pipeline.transcribe.context import (
    NO_PROMPT,
    VOCABULARY_LANGUAGE,
    Prompt,
    SessionContext,
    build_prompt,
    session_context,
)
from pipeline.transcribe.engine import EnginePlan, FasterWhisperTranscriber, Transcriber, plan_engine
from pipeline.transcribe.language import WrongLanguage, check_language
from pipeline.transcribe.tracks import choose_source, probe_sources, transcribe_by_speaker, transcribe_mix

__all__ = [
    "EnginePlan",
    "FasterWhisperTranscriber",
    "Prompt",
    "SessionContext",
    "Transcriber",
    "WrongLanguage",
    "build_prompt",
    "check_language",
    "choose_source",
    "plan_engine",
    "probe_sources",
    "prompt_for",
    "session_context",
    "transcribe",
    "transcribe_by_speaker",
    "transcribe_mix",
    "transcribe_session",
]


def prompt_for(transcriber: Transcriber, options: TranscribeOptions, context: SessionContext | None) -> Prompt:
    # Measured to help on Italian sessions; on an English meeting's tracks the names as
    # hotwords made Whisper drop words (docs/benchmarks.md): other languages get no prompt.
    if context is None or options.language != VOCABULARY_LANGUAGE:
        return NO_PROMPT
    return build_prompt(context, options.context, options.context_tokens, transcriber.count_tokens)


def transcribe(
    samples: np.ndarray,
    transcriber: Transcriber,
    options: TranscribeOptions,
    hook: Hook = null_hook,
    context: SessionContext | None = None,
    session: Session | None = None,
    diarization: Diarization | None = None,
) -> Transcript:
    """The mix (or each speaker's own track, see ``choose_source``) to words with times."""
    check_language(transcriber, samples, options.language)
    return transcribe_session(samples, transcriber, options, hook, context, session, diarization)


def transcribe_session(
    samples: np.ndarray,
    transcriber: Transcriber,
    options: TranscribeOptions,
    hook: Hook = null_hook,
    context: SessionContext | None = None,
    session: Session | None = None,
    diarization: Diarization | None = None,
) -> Transcript:
    """``transcribe`` without the language check."""
    prompt = prompt_for(transcriber, options, context)
    source, probe = choose_source(options, session, diarization), {}
    if source == "probe":
        assert session is not None and diarization is not None
        probe = probe_sources(samples, session, diarization, transcriber, options, prompt)
        source = "tracks" if probe["tracks"] >= probe["mix"] + options.probe_margin else "mix"
    if source == "tracks":
        assert session is not None and diarization is not None
        result = transcribe_by_speaker(samples, session, diarization, transcriber, options, hook, prompt)
    else:
        result = transcribe_mix(samples, transcriber, options, hook, prompt)
    return replace(result, source=source, source_probe=probe, context=prompt.terms)

"""Transcribe: speech to words with times, with faster-whisper.

``transcribe(samples, transcriber, options, hook, context)`` is the stage. The
engine sits behind the small ``Transcriber`` protocol (``engine``); what the
session knows becomes Whisper's prompt (``context``).
"""

from __future__ import annotations

import numpy as np

from pipeline.artifacts import Transcript
from pipeline.config import TranscribeOptions
from pipeline.progress import Hook, null_hook
from pipeline.transcribe.context import NO_PROMPT, Prompt, SessionContext, build_prompt, session_context
from pipeline.transcribe.engine import EnginePlan, FasterWhisperTranscriber, Transcriber, plan_engine
from pipeline.transcribe.language import WrongLanguage, check_language

__all__ = [
    "EnginePlan",
    "FasterWhisperTranscriber",
    "Prompt",
    "SessionContext",
    "Transcriber",
    "WrongLanguage",
    "build_prompt",
    "check_language",
    "plan_engine",
    "prompt_for",
    "session_context",
    "transcribe",
]


def prompt_for(transcriber: Transcriber, options: TranscribeOptions, context: SessionContext | None) -> Prompt:
    if context is None:
        return NO_PROMPT
    return build_prompt(context, options.context, options.context_tokens, transcriber.count_tokens)


def transcribe(
    samples: np.ndarray,
    transcriber: Transcriber,
    options: TranscribeOptions,
    hook: Hook = null_hook,
    context: SessionContext | None = None,
) -> Transcript:
    check_language(transcriber, samples, options.language)
    return transcriber.transcribe(samples, options, hook, prompt_for(transcriber, options, context))

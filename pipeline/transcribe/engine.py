"""faster-whisper behind the small ``Transcriber`` protocol.

int8 on the CPU; float16 with the batched pipeline on a GPU, chosen by ``plan_engine``
(a pure function, so the CUDA choice is unit-tested on machines without one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from pipeline.artifacts import Segment, Transcript, Word
from pipeline.config import Settings, TranscribeOptions, apply_model_environment
from pipeline.errors import ModelUnavailable
from pipeline.models import resolve
from pipeline.progress import Hook, null_hook
from pipeline.transcribe.context import NO_PROMPT, Prompt

SAMPLE_RATE = 16000
# With less speech than this, language detection is not trusted.
MIN_DETECTION_SECONDS = 3.0
DETECTION_WINDOW = 600  # seconds of the recording searched for speech to detect its language


class Transcriber(Protocol):
    name: str

    def language_probabilities(self, samples: np.ndarray) -> dict[str, float]: ...

    def count_tokens(self, text: str) -> int: ...

    def transcribe(
        self, samples: np.ndarray, options: TranscribeOptions, hook: Hook = null_hook, prompt: Prompt = NO_PROMPT
    ) -> Transcript: ...


@dataclass(frozen=True)
class EnginePlan:
    """How the model is loaded and run on the device found."""

    device: str  # cpu | cuda
    compute_type: str
    batched: bool  # faster-whisper's BatchedInferencePipeline
    batch_size: int


def plan_engine(options: TranscribeOptions, cuda_devices: int) -> EnginePlan:
    device = options.device
    if device == "auto":
        device = "cuda" if cuda_devices > 0 else "cpu"
    compute = options.compute_type
    if compute == "auto":
        compute = "float16" if device == "cuda" else "int8"
    batched = device == "cuda"
    return EnginePlan(device, compute, batched, options.batch_size if batched else 1)


def decode_arguments(plan: EnginePlan, options: TranscribeOptions, prompt: Prompt) -> dict[str, Any]:
    """Keyword arguments of faster-whisper's ``transcribe`` for this plan and prompt."""
    arguments: dict[str, Any] = dict(
        language=options.language, beam_size=options.beam_size, word_timestamps=True, vad_filter=options.vad_filter
    )
    if prompt.hotwords:
        arguments["hotwords"] = prompt.hotwords
    if prompt.initial_prompt:
        arguments["initial_prompt"] = prompt.initial_prompt
    if plan.batched:
        arguments["batch_size"] = plan.batch_size
    return arguments


class FasterWhisperTranscriber:
    def __init__(self, settings: Settings) -> None:
        options = settings.transcribe
        location, from_hub = resolve(settings.models_dir, options.model)
        apply_model_environment(settings, from_hub=from_hub)
        import ctranslate2
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        self.plan = plan_engine(options, ctranslate2.get_cuda_device_count())
        self.name = options.model
        try:
            self.model = WhisperModel(
                location,
                device=self.plan.device,
                compute_type=self.plan.compute_type,
                cpu_threads=options.cpu_threads,
                download_root=str(settings.models_dir / ".hub-cache") if from_hub else None,
            )
        except Exception as error:  # CTranslate2 and the hub raise many kinds
            hint = "check the name and your internet connection" if from_hub else "run `verbali models install`"
            raise ModelUnavailable(f"cannot load Whisper model {options.model!r}: {error}; {hint}") from None
        self.runner = BatchedInferencePipeline(self.model) if self.plan.batched else self.model

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes in a prompt (faster-whisper encodes it after a space)."""
        return len(self.model.hf_tokenizer.encode(" " + text.strip(), add_special_tokens=False).ids)

    def language_probabilities(self, samples: np.ndarray) -> dict[str, float]:
        """Whisper's language probabilities over the speech; {} when there is too little speech."""
        from faster_whisper.vad import get_speech_timestamps

        opening = samples[: DETECTION_WINDOW * SAMPLE_RATE]
        speech = sum(c["end"] - c["start"] for c in get_speech_timestamps(opening)) / SAMPLE_RATE
        if speech < MIN_DETECTION_SECONDS:
            return {}
        _, _, probabilities = self.model.detect_language(opening, vad_filter=True, language_detection_segments=2)
        return dict(probabilities)

    def transcribe(
        self, samples: np.ndarray, options: TranscribeOptions, hook: Hook = null_hook, prompt: Prompt = NO_PROMPT
    ) -> Transcript:
        duration = len(samples) / SAMPLE_RATE
        segments, info = self.runner.transcribe(samples, **decode_arguments(self.plan, options, prompt))
        hook("transcription", total=duration, completed=0)
        collected = []
        for segment in segments:
            collected.append(_segment(segment))
            hook("transcription", total=duration, completed=min(segment.end, duration))
        hook("transcription", total=duration, completed=duration)
        return Transcript(
            language=info.language,
            language_probability=info.language_probability,
            segments=[s for s in collected if s.words],
            duration=duration,
            model=self.name,
        )


def _segment(segment: Any) -> Segment:
    words = [Word(w.start, w.end, w.word, w.probability) for w in (segment.words or [])]
    return Segment(start=segment.start, end=segment.end, text=segment.text.strip(), words=words)

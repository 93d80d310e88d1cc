"""Transcribe: speech to words with times, with faster-whisper.

``transcribe(samples, transcriber, options)`` is the stage; the engine sits behind
the small ``Transcriber`` protocol so another ASR can replace it.
int8 on the CPU; float16 with the batched pipeline on a GPU, chosen automatically.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from pipeline.artifacts import Segment, Transcript, Word
from pipeline.config import Settings, TranscribeOptions, apply_model_environment
from pipeline.errors import ModelUnavailable, VerbaliError
from pipeline.models import resolve
from pipeline.progress import Hook, null_hook

LANGUAGE_NAMES = {"it": "Italian", "en": "English", "fr": "French", "de": "German", "es": "Spanish"}
# With less speech than this, language detection is not trusted.
MIN_DETECTION_SECONDS = 3.0
DETECTION_WINDOW = 600  # seconds of the recording searched for speech to detect its language


class WrongLanguage(VerbaliError):
    pass


class Transcriber(Protocol):
    name: str

    def language_probabilities(self, samples: np.ndarray) -> dict[str, float]: ...

    def transcribe(self, samples: np.ndarray, options: TranscribeOptions, hook: Hook) -> Transcript: ...


@dataclass(frozen=True)
class Device:
    kind: str  # cpu | cuda
    compute_type: str


def choose_device(options: TranscribeOptions) -> Device:
    import ctranslate2

    kind = options.device
    if kind == "auto":
        kind = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    compute = options.compute_type
    if compute == "auto":
        compute = "float16" if kind == "cuda" else "int8"
    return Device(kind, compute)


class FasterWhisperTranscriber:
    def __init__(self, settings: Settings) -> None:
        options = settings.transcribe
        location, from_hub = resolve(settings.models_dir, options.model)
        apply_model_environment(settings, from_hub=from_hub)
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        self.device = choose_device(options)
        self.name = options.model
        try:
            self.model = WhisperModel(
                location,
                device=self.device.kind,
                compute_type=self.device.compute_type,
                cpu_threads=options.cpu_threads,
                download_root=str(settings.models_dir / ".hub-cache") if from_hub else None,
            )
        except Exception as error:  # CTranslate2 and the hub raise many kinds
            hint = "check the name and your internet connection" if from_hub else "run `verbali models install`"
            raise ModelUnavailable(f"cannot load Whisper model {options.model!r}: {error}; {hint}") from None
        self.batched = BatchedInferencePipeline(self.model) if self.device.kind == "cuda" else None

    def language_probabilities(self, samples: np.ndarray) -> dict[str, float]:
        """Whisper's language probabilities over the speech; {} when there is too little speech."""
        from faster_whisper.vad import get_speech_timestamps

        opening = samples[: DETECTION_WINDOW * 16000]  # detection reads the first minute of speech at most
        speech = sum(c["end"] - c["start"] for c in get_speech_timestamps(opening)) / 16000
        if speech < MIN_DETECTION_SECONDS:
            return {}
        _, _, probabilities = self.model.detect_language(opening, vad_filter=True, language_detection_segments=2)
        return dict(probabilities)

    def transcribe(self, samples: np.ndarray, options: TranscribeOptions, hook: Hook) -> Transcript:
        duration = len(samples) / 16000
        common = dict(
            language=options.language, beam_size=options.beam_size, word_timestamps=True, vad_filter=options.vad_filter
        )
        if self.batched is not None:
            segments, info = self.batched.transcribe(samples, batch_size=options.batch_size, **common)
        else:
            segments, info = self.model.transcribe(samples, **common)
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


def _segment(segment) -> Segment:
    words = [Word(w.start, w.end, w.word, w.probability) for w in (segment.words or [])]
    return Segment(start=segment.start, end=segment.end, text=segment.text.strip(), words=words)


def check_language(transcriber: Transcriber, samples: np.ndarray, expected: str | None) -> None:
    """Refuse a recording clearly in another language than the one asked for.

    Far-field meeting audio gives modest probabilities (0.6-0.7 for clear English
    on the AMI fixture), so "clearly" means: another language is the likeliest at
    0.5 or more and the expected one is below 0.05.
    """
    probabilities = transcriber.language_probabilities(samples) if expected else {}
    if not probabilities:
        return
    language = max(probabilities, key=probabilities.__getitem__)
    if language != expected and probabilities[language] >= 0.5 and probabilities.get(expected, 0.0) < 0.05:
        found, wanted = (LANGUAGE_NAMES.get(code, code) for code in (language, expected))
        raise WrongLanguage(
            f"the recording is in {found} (probability {probabilities[language]:.2f}), not {wanted}: "
            f"run again with --language {language} or --language auto"
        )


def transcribe(
    samples: np.ndarray, transcriber: Transcriber, options: TranscribeOptions, hook: Hook = null_hook
) -> Transcript:
    check_language(transcriber, samples, options.language)
    return transcriber.transcribe(samples, options, hook)

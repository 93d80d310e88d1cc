"""pyannote.audio's speaker diarization pipeline over the mixed recording.

The pipeline is loaded exactly as a user would load it (``Pipeline.from_pretrained``
on the model folder or a hub id) and run with its own settings; only the speed
option changes anything: ``fast`` slides the segmentation window by 2.5 s instead
of pyannote's 1 s (``segmentation_step`` 0.25 instead of 0.1), which costs accuracy
(see docs/benchmarks.md).
"""

from __future__ import annotations

import numpy as np

from pipeline.artifacts import Diarization, Turn
from pipeline.config import DiarizeOptions, Settings, apply_model_environment
from pipeline.errors import ModelUnavailable, UsageError
from pipeline.models import resolve
from pipeline.progress import Hook

SAMPLE_RATE = 16000
# Share of the 10 s segmentation window by which it slides, per speed.
SEGMENTATION_STEPS = {"accurate": None, "fast": 0.25}  # None: the pipeline's own (pyannote's 0.1)


class PyannoteDiarizer:
    def __init__(self, settings: Settings) -> None:
        options = settings.diarize
        if options.speed not in SEGMENTATION_STEPS:
            raise UsageError(f"unknown diarization speed {options.speed!r}; choose one of accurate, fast")
        location, from_hub = resolve(settings.models_dir, options.model)
        apply_model_environment(settings, from_hub=from_hub)
        import torch
        from pyannote.audio import Pipeline

        try:
            self.pipeline = Pipeline.from_pretrained(location, token=options.hf_token)
        except Exception as error:  # pyannote and the hub raise many kinds
            raise ModelUnavailable(f"cannot load diarization pipeline {options.model!r}: {error}") from None
        if self.pipeline is None:
            raise ModelUnavailable(f"cannot load diarization pipeline {options.model!r} (gated? pass --hf-token)")
        _set_segmentation_step(self.pipeline, SEGMENTATION_STEPS[options.speed])
        if options.device in ("auto", "cuda") and torch.cuda.is_available():
            self.pipeline.to(torch.device("cuda"))

    @property
    def segmentation_model(self):  # -> pyannote.audio.Model
        """The pipeline's segmentation network, reused for speech detection on tracks."""
        return self.pipeline._segmentation.model

    @property
    def speaker_embedding(self):  # -> pyannote.audio.pipelines.speaker_verification.PretrainedSpeakerEmbedding
        """The pipeline's speaker embedding (CAM++ here), reused for the own-voice check on tracks."""
        return self.pipeline._embedding

    def diarize(self, samples: np.ndarray, options: DiarizeOptions, hook: Hook) -> Diarization:
        import torch

        if not np.any(samples):
            return Diarization([], "pyannote")
        audio = {"waveform": torch.from_numpy(samples).unsqueeze(0), "sample_rate": SAMPLE_RATE}
        output = self.pipeline(audio, hook=_PyannoteProgress(hook), **_speaker_counts(options))
        annotation = getattr(output, "speaker_diarization", output)
        turns = [Turn(s.start, s.end, str(label)) for s, _, label in annotation.itertracks(yield_label=True)]
        return Diarization(sorted(turns), "pyannote")


def _set_segmentation_step(pipeline, step: float | None) -> None:
    """pyannote fixes the step when it builds the pipeline; its ``Inference`` reads it at each call."""
    if step is None:
        return
    inference = pipeline._segmentation
    inference.step = step * inference.duration
    pipeline.segmentation_step = step


def _speaker_counts(options: DiarizeOptions) -> dict[str, int]:
    counts = {
        "num_speakers": options.num_speakers,
        "min_speakers": options.min_speakers,
        "max_speakers": options.max_speakers,
    }
    return {key: value for key, value in counts.items() if value is not None}


class _PyannoteProgress:
    """pyannote reports its internal steps; show them as one "diarization" bar."""

    STEPS = ("segmentation", "embeddings")

    def __init__(self, hook: Hook) -> None:
        self.hook = hook

    def __call__(self, step, artifact=None, file=None, *, total=None, completed=None) -> None:
        if step in self.STEPS and total and completed is not None:
            done = self.STEPS.index(step) + completed / total
            self.hook("diarization", total=len(self.STEPS), completed=done)

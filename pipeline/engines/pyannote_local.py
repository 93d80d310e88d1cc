"""pyannote.audio's SpeakerDiarization, runnable from a local folder with no hub.

``models install pyannote-campplus`` writes a folder that pyannote loads with its own
``Pipeline.from_pretrained(folder)``: ``config.yaml`` names this class, the
segmentation-3.0 checkpoint and a CAM++ checkpoint in pyannote's format.

pyannote.audio 4 loads a PLDA in ``SpeakerDiarization.__init__`` even when the
clustering (here agglomerative) never uses it; ``UnusedPLDA`` fills that slot and
fails loudly if anything does call it.
"""

from __future__ import annotations

from pathlib import Path

import lightning
import torch
from pyannote.audio.core.plda import PLDA
from pyannote.audio.core.task import Problem, Resolution, Specifications
from pyannote.audio.pipelines import SpeakerDiarization

from pipeline.engines.campplus import CamPlusPlus

CONFIG_YAML = """\
# Written by `verbali models install`. Loaded with pyannote.audio's Pipeline.from_pretrained(<this folder>).
pipeline:
  name: pipeline.engines.pyannote_local.LocalSpeakerDiarization
  params:
    segmentation: $model/segmentation
    embedding: $model/embedding
    clustering: AgglomerativeClustering
    embedding_exclude_overlap: false
    segmentation_step: 0.1
    embedding_batch_size: 32
    segmentation_batch_size: 32
params:
  segmentation:
    min_duration_off: 0.0
  clustering:
    method: centroid
    min_cluster_size: 12
    threshold: 0.7
"""


class UnusedPLDA(PLDA):
    def __init__(self) -> None:
        pass

    def __call__(self, embeddings):
        raise RuntimeError("this diarization pipeline has no PLDA: use AgglomerativeClustering")


class LocalSpeakerDiarization(SpeakerDiarization):
    def __init__(self, *, plda: PLDA | str | dict | None = None, **params):
        super().__init__(plda=plda or UnusedPLDA(), **params)


def write_campplus_checkpoint(weights: Path, target: Path) -> None:
    """Turn 3D-Speaker's CAM++ state dict into a pyannote.audio model checkpoint."""
    model = CamPlusPlus()
    state = torch.load(weights, map_location="cpu", weights_only=True)
    model.campplus.load_state_dict(state, strict=True)
    model.specifications = Specifications(problem=Problem.REPRESENTATION, resolution=Resolution.CHUNK, duration=10.0)
    checkpoint = {
        "state_dict": model.state_dict(),
        "hyper_parameters": dict(model.hparams),
        "pytorch-lightning_version": lightning.__version__,
    }
    model.on_save_checkpoint(checkpoint)
    torch.save(checkpoint, target)


def prepare_folder(folder: Path) -> None:
    """Complete an installed ``pyannote-campplus`` folder (called by the installer)."""
    embedding = folder / "embedding"
    write_campplus_checkpoint(embedding / "campplus_cn_en_common.pt", embedding / "pytorch_model.bin")
    (folder / "config.yaml").write_text(CONFIG_YAML, encoding="utf-8")

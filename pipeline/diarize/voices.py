"""Own-voice check on per-participant tracks: does a track's quieter speech sound like its owner?

The level rule (``tracks``) gives speech heard on several tracks to the loudest one. A
participant who talks quietly over a louder voice loses that speech when their track is
above what it would hear of the others (their predicted bleed) but not by
``track_own_voice_db``. Those disputed stretches are settled by voice: each participant
gets a profile, a CAM++ embedding (the diarisation pipeline's own embedding model) of
their confident speech (loud against the others, heard on no other track as speech of
its own); a disputed stretch of a track is kept as its owner's speech where its audio
matches the owner's profile better, by ``track_voice_margin``, than the profile of whoever
is loudest there. A participant with too little confident speech gets no profile, and
the level rule stands. Only the profiles and the disputed stretches are embedded.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pipeline.diarize.speech import HOP, runs

PROFILE_MIN_ABOVE_BLEED_DB = 15.0  # confident speech: this far above the track's predicted bleed
PROFILE_MIN_RUN = 25  # frames (0.5 s): shorter confident runs are left out of a profile
PROFILE_MIN_FRAMES = 150  # 3 s: less than this and the participant gets no profile
PROFILE_MAX_FRAMES = 1000  # 20 s, the longest runs first: enough for a voice, and cheap
DISPUTED_MIN_ABOVE_BLEED_DB = 0.0  # a track no louder than its predicted bleed is bleed
DISPUTED_MIN_FRAMES = 25  # 0.5 s: shorter stretches give unreliable embeddings

Embed = Callable[[np.ndarray], np.ndarray]  # 16 kHz samples -> unit-length voice embedding


class VoiceEmbedder:
    """pyannote's speaker embedding (``PretrainedSpeakerEmbedding``) on one stretch of samples."""

    def __init__(self, embedding) -> None:
        self.embedding = embedding

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        import torch

        waveform = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32)).reshape(1, 1, -1)
        vector = np.asarray(self.embedding(waveform)[0], dtype=np.float64)
        return vector / (np.linalg.norm(vector) + 1e-12)


def keep_own_voices(
    samples: list[np.ndarray], active: np.ndarray, own: np.ndarray, above: np.ndarray, levels: np.ndarray,
    embed: Embed, margin: float,
) -> np.ndarray:  # fmt: skip
    """``own`` with the disputed stretches that sound like their track's owner added."""
    profiles = voice_profiles(samples, own, above, embed)
    loudest = np.where(active, levels, -np.inf).argmax(axis=0)
    kept = own.copy()
    for track, profile in profiles.items():
        disputed = active[track] & ~own[track] & (above[track] >= DISPUTED_MIN_ABOVE_BLEED_DB)
        for start, end in runs(disputed):
            rivals = [profiles[r] for r in np.unique(loudest[start:end]) if r != track and r in profiles]
            if end - start < DISPUTED_MIN_FRAMES or not rivals:
                continue
            voice = embed(samples[track][start * HOP : end * HOP])
            if float(voice @ profile) - max(float(voice @ r) for r in rivals) >= margin:
                kept[track, start:end] = True
    return kept


def voice_profiles(
    samples: list[np.ndarray], own: np.ndarray, above: np.ndarray, embed: Embed
) -> dict[int, np.ndarray]:
    """{track: embedding of its confident speech}, for the tracks with enough of it."""
    alone = own & (own.sum(axis=0) == 1)
    profiles = {}
    for track, track_samples in enumerate(samples):
        confident = alone[track] & (above[track] >= PROFILE_MIN_ABOVE_BLEED_DB)
        longest_first = sorted(
            (r for r in runs(confident) if r[1] - r[0] >= PROFILE_MIN_RUN), key=lambda r: r[0] - r[1]
        )
        chosen, frames = [], 0
        for start, end in longest_first:
            if frames >= PROFILE_MAX_FRAMES:
                break
            chosen.append((start, end))
            frames += end - start
        if frames >= PROFILE_MIN_FRAMES:
            profiles[track] = embed(np.concatenate([track_samples[a * HOP : b * HOP] for a, b in sorted(chosen)]))
    return profiles

#!/usr/bin/env python3
"""Diarisation benchmark: verbali against plain pyannote.audio, same files, same run.

Plain pyannote is what a user would run: ``Pipeline.from_pretrained`` on the model
folder (``models/pyannote-campplus`` with the config.yaml that ``verbali models
install`` writes now) and ``pipeline(path)`` on the mixed recording. verbali goes
through its own stages: ingest, decode, ``diarize.diarize`` with each method.
DER (pyannote.metrics) with no collar and with a ±0.25 s collar, per set and pooled.

Sets:
- ``sample``: pyannote's ``sample.wav`` (30 s, two speakers, from the wheel).
- ``ami``: the AMI ES2004a Zoom folder in tests/data (60 s mix, 4 headset tracks).
- ``plenary``: the synthetic Italian sample plenary in recordings/ (6 tracks;
  reference ``scripts/sample_plenary.rttm``, written by make_sample_plenary.py from
  the timeline it lays the lines on).
- ``remix-a-*`` .. ``remix-d-*``: generated here, in ``--cache``: real single-speaker
  recordings (AMI headset cuts where the AMI reference has one speaker, pyannote
  sample cuts, the Italian read-speech clips) laid on a timeline with pauses and
  overlaps (3 to 6 speakers, seeds 1-4); the mix is their sum; each participant's
  track is their own voice plus the others' as bleed (delayed, low-passed,
  attenuated): ``headsets`` 18-26 dB below, ``room`` (people sharing a room) 3-8 dB
  below, ``reverb`` the room with each voice through a synthetic room response (decaying noise,
  reverberation time 0.3-0.7 s), ``noisy`` headsets with real breathing and handling bursts (from the AMI
  headset of the participant who hardly speaks) on a third of the tracks and in the
  mix, ``gains`` headsets with each track scaled by -12..+6 dB.

The figures a default is chosen on are the pooled ones (all recordings with tracks),
never one recording's.

Run it niced on a shared machine: ``nice -n 10 python scripts/benchmark_diarization.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

os.environ.update({"HF_HUB_OFFLINE": "1", "PYANNOTE_METRICS_ENABLED": "0", "TOKENIZERS_PARALLELISM": "false"})

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SR = 16000
COLLARS = {"DER": 0.0, "DER ±0.25 s": 0.5}  # pyannote.metrics' collar is the full width
AMI = ROOT / "tests" / "data" / "ami-es2004a"
AMI_FOLDER = AMI / "2005-03-01 10.12.30 Remote control design meeting 84512345678"
ITALIAN = ROOT / "tests" / "data" / "italian-clips"
PLENARY = ROOT / "recordings" / "2021-11-22 17.30.00 Coprogrammazione PSdZ - Povertà e inclusione 81234567890"
SYSTEMS = ("plain", "verbali auto", "verbali tracks", "verbali pyannote", "verbali fast")


@dataclass
class BenchSet:
    name: str
    path: Path  # a recording file or a Zoom folder
    mix: Path  # what plain pyannote reads
    reference: object  # pyannote.core.Annotation
    tracks: bool


# --------------------------------------------------------------------------- references


def rttm_annotation(path: Path):
    from pipeline.artifacts import Diarization

    return Diarization.from_rttm(path.read_text()).to_annotation()


def sample_folder() -> Path:
    import pyannote.audio

    return Path(pyannote.audio.__file__).parent / "sample"


# --------------------------------------------------------------------------- generated sets


def load(path: Path) -> np.ndarray:
    command = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-ac", "1", "-ar", str(SR), "-f", "f32le", "-"]
    return np.frombuffer(subprocess.run(command, capture_output=True, check=True).stdout, dtype=np.float32).copy()


def solo_cuts(samples_of: dict[str, np.ndarray], rttm: Path, shortest: float = 1.0) -> dict[str, list[np.ndarray]]:
    """Stretches where the reference has exactly one speaker, cut from that speaker's signal."""
    turns = [
        (float(f[3]), float(f[3]) + float(f[4]), f[7]) for f in (line.split() for line in rttm.read_text().splitlines())
    ]
    cuts: dict[str, list[np.ndarray]] = {}
    for start, end, speaker in turns:
        others = [(s, e) for s, e, who in turns if who != speaker and s < end and e > start]
        pieces = [(start, end)]
        for s, e in others:
            pieces = [p for a, b in pieces for p in ((a, min(b, s)), (max(a, e), b)) if p[1] - p[0] > 0]
        for a, b in pieces:
            if b - a >= shortest and speaker in samples_of:
                cuts.setdefault(speaker, []).append(samples_of[speaker][int(a * SR) : int(b * SR)])
    return cuts


def trimmed(x: np.ndarray, floor_db: float = -40.0) -> np.ndarray:
    frames = np.abs(x) > 10 ** (floor_db / 20) * np.abs(x).max()
    idx = np.flatnonzero(frames)
    return x[max(idx[0] - 480, 0) : idx[-1] + 480] if len(idx) else x


def voices(cache: Path) -> dict[str, list[np.ndarray]]:
    """Real single-speaker material, under invented display names."""
    ami_tracks = {
        _spaced(path.stem[len("audio") :].rstrip("0123456789")).replace(" ", "_"): load(path)
        for path in sorted((AMI_FOLDER / "Audio Record").glob("*.m4a"))
    }
    ami = solo_cuts(ami_tracks, AMI / "reference" / "reference.rttm")
    sample = load(sample_folder() / "sample.wav")
    sample_cuts = solo_cuts({"speaker90": sample, "speaker91": sample}, sample_folder() / "sample.rttm")
    clips = {"Paola Neri": "leopard_test_it", "Gino Riva": "cheetah_test_it", "Rita Sala": "cheetah_test_it_norm"}
    italian = {name: [trimmed(load(ITALIAN / f"{clip}.wav"))] for name, clip in clips.items()}
    return {
        "Anna Ferri": ami["Anna_Ferri"], "Bianca Galli": ami["Bianca_Galli"], "Dario Conte": ami["Dario_Conte"],
        "Luca Bassi": sample_cuts["speaker90"], "Sara Villa": sample_cuts["speaker91"], **italian,
    }  # fmt: skip


def _spaced(camel: str) -> str:
    return "".join(f" {c}" if c.isupper() else c for c in camel).strip()


def timeline(material: dict[str, list[np.ndarray]], seconds: float, rng: np.random.Generator):
    """(start, speaker, samples) placements: turns in random order, pauses and some overlaps."""
    names, placed, now, previous = list(material), [], 0.5, None
    uses = dict.fromkeys(names, 0)
    while now < seconds:
        choices = [n for n in names if n != previous]
        weights = np.array([1.0 / (1 + uses[n]) for n in choices])
        speaker = rng.choice(choices, p=weights / weights.sum())
        clip = material[speaker][uses[speaker] % len(material[speaker])]
        uses[speaker] += 1
        placed.append((now, speaker, clip))
        length = len(clip) / SR
        gap = rng.uniform(-min(1.2, 0.4 * length), -0.2) if rng.random() < 0.25 else rng.uniform(0.2, 1.5)
        now, previous = now + length + gap, speaker
    return placed


def bleed_copy(x: np.ndarray, gain_db: float, delay_ms: float) -> np.ndarray:
    from scipy.signal import butter, lfilter

    b, a = butter(2, 3000 / (SR / 2))
    delayed = np.concatenate([np.zeros(int(SR * delay_ms / 1000), dtype=np.float32), x])[: len(x)]
    return (10 ** (gain_db / 20) * lfilter(b, a, delayed)).astype(np.float32)


def breath_noise() -> list[np.ndarray]:
    """Real non-speech sound from a headset: the bursts (breathing, handling) on the AMI track
    of the participant who hardly speaks, where the reference gives him no speech."""
    from pipeline.diarize.speech import runs

    carlo = load(next((AMI_FOLDER / "Audio Record").glob("audioCarloMoretti*.m4a")))
    turns = [line.split() for line in (AMI / "reference" / "reference.rttm").read_text().splitlines()]
    his = [(float(f[3]) - 0.3, float(f[3]) + float(f[4]) + 0.3) for f in turns if f[7] == "Carlo_Moretti"]
    hop = SR // 50
    level = 10 * np.log10(np.mean(carlo[: len(carlo) // hop * hop].reshape(-1, hop) ** 2, axis=1) + 1e-10)
    loud = np.convolve(level, np.ones(25) / 25, mode="same") > -38
    bursts = []
    for start, end in runs(loud):
        a, b = start / 50 - 0.2, end / 50 + 0.2
        if b - a >= 0.5 and not any(s < b and e > a for s, e in his):
            bursts.append(carlo[int(max(a, 0) * SR) : int(b * SR)])
    return bursts


def room_response(rt60: float, rng: np.random.Generator) -> np.ndarray:
    """A synthetic room impulse response: the direct sound, then exponentially decaying noise
    (60 dB down after ``rt60`` seconds), the whole at unit energy."""
    times = np.arange(int(rt60 * SR)) / SR
    tail = rng.standard_normal(len(times)) * np.exp(-6.9 * times / rt60)
    response = np.concatenate([[1.0], np.zeros(int(0.002 * SR)), tail * 0.1])  # reflections from 2 ms on
    return (response / np.sqrt(np.sum(response**2))).astype(np.float32)


def room_bleed(x: np.ndarray, gain_db: float, delay_ms: float, rt60: float, rng: np.random.Generator) -> np.ndarray:
    """Another participant's voice as a microphone across the room hears it: delayed, through the room."""
    from scipy.signal import fftconvolve

    reverberant = fftconvolve(x, room_response(rt60, rng))[: len(x)]
    delayed = np.concatenate([np.zeros(int(SR * delay_ms / 1000), dtype=np.float32), reverberant])[: len(x)]
    return (10 ** (gain_db / 20) * delayed).astype(np.float32)


# variant: (bleed dB range, bleed delay ms range, breath noise on some headsets, unequal track gains,
# room reverberation time range in seconds or None for a clean low-passed copy)
VARIANTS = {
    "headsets": ((-26, -18), (8, 30), False, False, None),
    "room": ((-8, -3), (2, 12), False, False, None),
    "noisy": ((-26, -18), (8, 30), True, False, None),
    "gains": ((-26, -18), (8, 30), False, True, None),
    "reverb": ((-8, -3), (2, 12), False, False, (0.3, 0.7)),  # last: the variants before draw as they did
}


def build_remix(cache: Path, name: str, speakers: list[str], seed: int, seconds: float) -> dict[str, Path]:
    """One generated recording in several variants of tracks: {variant: Zoom folder}.

    ``headsets``: each track hears the others 18-26 dB down; ``room``: 3-8 dB down (people
    sharing a room), a clean delayed copy; ``reverb``: the room again, each voice heard through a
    synthetic room response (reverberation time 0.3-0.7 s); ``noisy``: headsets, and a third of
    the tracks (at least one) also carry real breathing and handling bursts every 2-6 s, in the mix
    too; ``gains``: headsets, each track (voice, bleed and noise floor) scaled by -12..+6 dB, as
    microphones set differently.
    """
    material = voices(cache)
    rng = np.random.default_rng(seed)
    placed = timeline({s: material[s] for s in speakers}, seconds, rng)
    length = int((max(start + len(clip) / SR for start, _, clip in placed) + 1.0) * SR)
    own = {s: np.zeros(length, dtype=np.float32) for s in speakers}
    for start, speaker, clip in placed:
        clip = clip / (np.sqrt(np.mean(clip**2)) + 1e-9) * 0.08  # about -22 dBFS RMS, as Zoom levels each voice
        own[speaker][int(start * SR) : int(start * SR) + len(clip)] += clip
    rttm = "".join(
        f"SPEAKER {name} 1 {start:.3f} {len(clip) / SR:.3f} <NA> <NA> {speaker.replace(' ', '_')} <NA> <NA>\n"
        for start, speaker, clip in placed
    )
    noise = lambda db: (10 ** (db / 20) * rng.standard_normal(length)).astype(np.float32)  # noqa: E731
    mix = sum(own.values()) + noise(-66)
    bursts = breath_noise()
    folders = {}
    for variant, ((low, high), (delay_low, delay_high), noisy, gains, reverb) in VARIANTS.items():
        folder = cache / f"2026-11-23 10.00.00 {name} {variant} 8120000000{seed}"
        records = folder / "Audio Record"
        records.mkdir(parents=True, exist_ok=True)
        breathing = {s: np.zeros(length, dtype=np.float32) for s in speakers}
        if noisy:
            for speaker in rng.choice(speakers, max(1, len(speakers) // 3), replace=False):
                now = rng.uniform(0.5, 3.0)
                while now < length / SR - 1:
                    burst = bursts[rng.integers(len(bursts))] * 10 ** (rng.uniform(-3, 3) / 20)
                    at = int(now * SR)
                    breathing[speaker][at : at + len(burst)] += burst[: length - at]
                    now += len(burst) / SR + rng.uniform(2.0, 6.0)
        for index, speaker in enumerate(speakers):
            track = own[speaker] + breathing[speaker] + noise(-60)
            for other in speakers:
                if other == speaker:
                    continue
                gain, delay = rng.uniform(low, high), rng.uniform(delay_low, delay_high)
                if reverb is None:
                    track += bleed_copy(own[other], gain, delay)
                else:
                    track += room_bleed(own[other], gain, delay, rng.uniform(*reverb), rng)
            if gains:
                track *= 10 ** (rng.uniform(-12, 6) / 20)
            encode(track, records / f"audio{speaker.replace(' ', '')}{16778240 + index}.m4a")
        encode(mix + sum(breathing.values()), folder / "audio_only.m4a")
        (folder / "reference.rttm").write_text(rttm)
        folders[variant] = folder
    return folders


def encode(samples: np.ndarray, target: Path) -> None:
    command = [
        "ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "f32le", "-ar", str(SR), "-ac", "1", "-i", "-",
        "-c:a", "aac", "-b:a", "32k", str(target),
    ]  # fmt: skip
    subprocess.run(command, input=np.clip(samples, -1, 1).astype(np.float32).tobytes(), check=True)


REMIXES = {
    "remix-a": (["Anna Ferri", "Bianca Galli", "Dario Conte", "Paola Neri"], 1, 60.0),
    "remix-b": (["Luca Bassi", "Sara Villa", "Gino Riva", "Rita Sala", "Dario Conte"], 2, 60.0),
    "remix-c": (["Bianca Galli", "Gino Riva", "Sara Villa"], 3, 60.0),
    "remix-d": (["Anna Ferri", "Dario Conte", "Luca Bassi", "Paola Neri", "Rita Sala", "Bianca Galli"], 4, 90.0),
}


def bench_sets(cache: Path, wanted: set[str] | None) -> list[BenchSet]:
    sets = [
        BenchSet("sample", sample_folder() / "sample.wav", sample_folder() / "sample.wav",
                 rttm_annotation(sample_folder() / "sample.rttm"), False),
        BenchSet("ami", AMI_FOLDER, AMI_FOLDER / "audio_only.m4a",
                 rttm_annotation(AMI / "reference" / "reference.rttm"), True),
        BenchSet("plenary", PLENARY, PLENARY / "audio_only.m4a",
                 rttm_annotation(ROOT / "scripts" / "sample_plenary.rttm"), True),
    ]  # fmt: skip
    for name, (speakers, seed, seconds) in REMIXES.items():
        if wanted and not any(w.startswith(name) for w in wanted):
            continue
        for variant, folder in build_remix(cache, name, speakers, seed, seconds).items():
            mix = folder / "audio_only.m4a"
            sets.append(BenchSet(f"{name}-{variant}", folder, mix, rttm_annotation(folder / "reference.rttm"), True))
    return [s for s in sets if not wanted or s.name in wanted]


# --------------------------------------------------------------------------- systems


def plain_pyannote(models: Path):
    from pyannote.audio import Pipeline

    pipeline = Pipeline.from_pretrained(str(models / "pyannote-campplus"))

    def run(bench: BenchSet):
        output = pipeline(str(bench.mix))
        return getattr(output, "speaker_diarization", output), None

    return run


def verbali(models: Path, method: str, speed: str = "accurate"):
    from pipeline import audio, diarize
    from pipeline.config import DiarizeOptions, Settings
    from pipeline.ingest import discover
    from pipeline.runner import Engines

    settings = Settings(models_dir=models, diarize=DiarizeOptions(method=method, speed=speed))
    engines = Engines(settings)

    def run(bench: BenchSet):
        import tempfile

        session = next(s for s in discover(bench.path) if hasattr(s, "tracks"))
        chosen = diarize.choose_method(session, settings.diarize)
        with tempfile.TemporaryDirectory() as folder:
            samples = audio.load_samples(Path(audio.decode(session.audio_path, Path(folder) / "a.wav").path))
        diarizer = engines.diarizer(chosen, session)
        result = diarize.diarize(samples, session, diarizer, settings.diarize, models=engines)
        return result.to_annotation(), result

    return run


def same_mix_once(run):
    """The generated variants of one recording share its mix: diarise that once (and report
    the seconds that one run took for each of them)."""
    done: dict[str, tuple] = {}

    def cached(bench: BenchSet):
        key = hashlib.sha256(bench.mix.read_bytes()).hexdigest()
        if key not in done:
            started = time.perf_counter()
            done[key] = (*run(bench), time.perf_counter() - started)
        return done[key]

    return cached


def systems(models: Path, wanted: set[str] | None):
    makers = {
        "plain": lambda: same_mix_once(plain_pyannote(models)),
        "verbali auto": lambda: verbali(models, "auto"),
        "verbali tracks": lambda: verbali(models, "tracks"),
        "verbali pyannote": lambda: same_mix_once(verbali(models, "pyannote")),
        "verbali fast": lambda: same_mix_once(verbali(models, "pyannote", "fast")),
    }
    return {name: make for name, make in makers.items() if not wanted or name in wanted}


# --------------------------------------------------------------------------- scoring


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=Path, default=ROOT / "models")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/verbali-diarization-bench"))
    parser.add_argument("--sets", help="comma-separated set names (default: all)")
    parser.add_argument("--systems", help=f"comma-separated, from: {', '.join(SYSTEMS)}")
    parser.add_argument(
        "--results", type=Path, default=Path("diarization-benchmark.jsonl"),
        help="each result is appended here as a JSON line; the table is made from all of them",
    )  # fmt: skip
    parser.add_argument("--table-only", action="store_true", help="print the table of --results and stop")
    args = parser.parse_args()
    if not args.table_only:
        run_benchmark(args)
    records = [json.loads(line) for line in args.results.read_text().splitlines() if line.strip()]
    print_table(records)
    print_choices(records)


def skipped(system: str, bench: BenchSet) -> bool:
    if system == "verbali pyannote":  # with tracks, the same pipeline and config as plain, then renamed
        return bench.tracks
    return system in ("verbali tracks", "verbali auto") and not bench.tracks


def run_benchmark(args: argparse.Namespace) -> None:
    from pyannote.metrics.diarization import DiarizationErrorRate

    wanted_sets = set(args.sets.split(",")) if args.sets else None
    args.cache.mkdir(parents=True, exist_ok=True)
    sets = bench_sets(args.cache, wanted_sets)
    now = dt.datetime.now(dt.UTC)
    machine = f"{now:%Y-%m-%d %H:%M} UTC, {_cpu()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"# {machine}", flush=True)
    for system, make in systems(args.models, set(args.systems.split(",")) if args.systems else None).items():
        run = make()
        for bench in sets:
            if skipped(system, bench):
                continue
            started = time.perf_counter()
            hypothesis, result, *first_run = run(bench)
            seconds = first_run[0] if first_run else time.perf_counter() - started
            components = {
                label: DiarizationErrorRate(collar=collar)(bench.reference, hypothesis, detailed=True)
                for label, collar in COLLARS.items()
            }
            record = {
                "system": system, "set": bench.name, "tracks": bench.tracks, "machine": machine,
                "seconds": round(seconds, 1), "speakers": len(hypothesis.labels()), "bleed": _bleed(result),
                **{label: c["diarization error rate"] for label, c in components.items()},
                "components": {label: {k: float(v) for k, v in c.items()} for label, c in components.items()},
            }  # fmt: skip
            with args.results.open("a") as out:
                out.write(json.dumps(record) + "\n")
            scores = " ".join(f"{record[label]:6.1%}" for label in COLLARS)
            extra = f"{seconds:6.1f}s {record['speakers']} spk {record['bleed'] or ''}"
            print(f"{system:16s} {bench.name:20s} {scores} {extra}", flush=True)


def _bleed(result) -> dict | None:
    if result is None or result.bleed is None:
        return None
    report = result.bleed
    return {"attenuation_db": report.attenuation_db, "bleed_share": report.bleed_share, "choice": report.choice}


def print_table(records: list[dict]) -> None:
    """DER / DER ±0.25 s per set and system (the latest result of each), then pooled over sets."""
    latest = {(r["system"], r["set"]): r for r in records}
    systems_seen = [s for s in SYSTEMS if any(key[0] == s for key in latest)]
    names = list(dict.fromkeys(key[1] for key in latest))
    print("\n| set | " + " | ".join(systems_seen) + " |")
    print("|---|" + "--:|" * len(systems_seen))
    for name in names:
        cells = [_cell(latest.get((system, name))) for system in systems_seen]
        print(f"| {name} | " + " | ".join(cells) + " |")
    for label, keep in (("pooled, all sets", lambda r: True), ("pooled, sets with tracks", lambda r: r["tracks"])):
        cells = []
        for system in systems_seen:
            chosen = [r for (s, _), r in latest.items() if s == system and keep(r)]
            cells.append(_pooled(chosen) if chosen else "–")
        print(f"| {label} | " + " | ".join(cells) + " |")


def print_choices(records: list[dict]) -> None:
    """Per recording with tracks: the bleed measure, auto's choice, auto's time against plain's."""
    latest = {(r["system"], r["set"]): r for r in records}
    print("\n| recording | attenuation | bleed share | auto | auto s | plain s | auto / plain |")
    print("|---|--:|--:|---|--:|--:|--:|")
    for (system, name), record in latest.items():
        plain = latest.get(("plain", name))
        if system != "verbali auto" or not record.get("bleed") or plain is None:
            continue
        bleed = record["bleed"]
        ratio = record["seconds"] / plain["seconds"] if plain["seconds"] else float("nan")
        print(
            f"| {name} | {bleed['attenuation_db']} dB | {bleed['bleed_share']} | {bleed['choice']} "
            f"| {record['seconds']} | {plain['seconds']} | {ratio:.2f} |"
        )


def _cell(record: dict | None) -> str:
    if record is None:
        return "–"
    choice = (record.get("bleed") or {}).get("choice")
    return " / ".join(f"{record[label]:.1%}" for label in COLLARS) + (f" ({choice})" if choice else "")


def _pooled(records: list[dict]) -> str:
    rates = []
    for label in COLLARS:
        parts = [r["components"][label] for r in records]
        errors = sum(p["confusion"] + p["missed detection"] + p["false alarm"] for p in parts)
        rates.append(errors / max(sum(p["total"] for p in parts), 1e-9))
    return " / ".join(f"{rate:.1%}" for rate in rates) + f" ({len(records)} sets)"


def _cpu() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    return next(
        (line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), platform.processor()
    )


if __name__ == "__main__":
    main()

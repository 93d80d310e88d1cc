#!/usr/bin/env python3
"""Build the synthetic sample plenary recording (Zoom local-recording layout).

Reads ``scripts/sample_plenary.yaml``, speaks every line with Debian's Italian
Festival voices or eSpeak NG, places the lines on a timeline and writes, under
``--out`` (default ``recordings/``), a folder laid out as Zoom's desktop client
writes a local recording with "Record a separate audio file for each
participant" on::

    YYYY-MM-DD HH.MM.SS <Topic> <MeetingID>/
        Audio Record/audio<DisplayName><digits>.m4a   (one per participant)
        audio_only.m4a  zoom_0.mp4  chat.txt  recording.conf  playback.m3u

It also writes the hand labels ``scripts/sample_plenary.labels.json`` and the
reference ``scripts/sample_plenary.rttm``.  The build is deterministic: fixed
seeds, bit-exact ffmpeg muxing, so the same tool versions give the same bytes.

Needs: ffmpeg, espeak-ng, festival with festvox-italp16k and festvox-itapc16k
(``apt-get install -y ffmpeg espeak-ng festival festvox-italp16k
festvox-itapc16k``), and the Python packages numpy and PyYAML.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

SR = 16_000
TRACK_BITRATE = "16k"
MIX_BITRATE = "24k"
SPEECH_RMS_DBFS = -20.0
TRACK_NOISE_DBFS = -60.0
MIX_NOISE_DBFS = -68.0
DEFAULT_PAUSE_S = 0.6
SPEAKER_CHANGE_PAUSE_S = 1.0
ESPEAK_BASE_WPM = 175
FESTIVAL_VOICE_DIR = Path("/usr/share/festival/voices/italian")
SCRIPT_DIR = Path(__file__).resolve().parent
DEFAULT_SCRIPT = SCRIPT_DIR / "sample_plenary.yaml"
DEFAULT_OUT = SCRIPT_DIR.parent / "recordings"
APT_HINT = (
    "Install the tools with:\n"
    "  sudo apt-get update && sudo apt-get install -y ffmpeg espeak-ng "
    "festival festvox-italp16k festvox-itapc16k"
)
FFMPEG_EXACT = ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags", "+bitexact"]


@dataclass(frozen=True)
class Speaker:
    """One meeting participant and the voice that speaks for them."""

    name: str
    voice: str
    pitch: float
    speed: float
    role: str
    organisation: str
    track: int
    gain_db: float = 0.0

    @property
    def engine(self) -> str:
        return self.voice.split(":", 1)[0]

    @property
    def voice_name(self) -> str:
        return self.voice.split(":", 1)[1]

    @property
    def file_stem(self) -> str:
        return "audio" + self.name.replace(" ", "") + str(self.track)


@dataclass(frozen=True)
class Placed:
    """An utterance placed on the meeting timeline (seconds)."""

    speaker: str
    text: str
    table: int | None
    heading: str | None
    start: float
    end: float


# --------------------------------------------------------------------- tools


def check_tools(speakers: dict[str, Speaker]) -> None:
    """Exit with an install hint when a needed program or voice is missing."""
    engines = {s.engine for s in speakers.values()}
    needed = ["ffmpeg"]
    needed += ["espeak-ng"] if "espeak-ng" in engines else []
    needed += ["text2wave"] if "festival" in engines else []
    missing = [tool for tool in needed if shutil.which(tool) is None]
    for s in speakers.values():
        if s.engine == "festival" and not (FESTIVAL_VOICE_DIR / s.voice_name).is_dir():
            missing.append(f"festival voice {s.voice_name}")
    if missing:
        sys.exit(f"Missing: {', '.join(sorted(set(missing)))}.\n{APT_HINT}")


def run(cmd: list[str], stdin: bytes | None = None) -> bytes:
    """Run a command, return its stdout, fail loudly with its stderr."""
    proc = subprocess.run(cmd, input=stdin, capture_output=True, check=False)
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace")[-2000:]
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {err}")
    return proc.stdout


# ---------------------------------------------------------------- synthesis


def tts_to_wav(speaker: Speaker, text: str, wav: Path) -> None:
    """Speak ``text`` with the speaker's engine into ``wav``."""
    if speaker.engine == "espeak-ng":
        wpm = str(round(ESPEAK_BASE_WPM * speaker.speed))
        run(["espeak-ng", "-v", speaker.voice_name, "-s", wpm, "-w", str(wav), text])
    elif speaker.engine == "festival":
        txt = wav.with_suffix(".txt")
        txt.write_bytes(text.encode("latin-1", errors="replace"))
        stretch = f"(Parameter.set 'Duration_Stretch {1.0 / speaker.speed:.4f})"
        voice = f"(voice_{speaker.voice_name})"
        run(["text2wave", "-o", str(wav), "-eval", voice, "-eval", stretch, str(txt)])
    else:
        raise ValueError(f"unknown voice engine in {speaker.voice!r}")


def wav_to_array(wav: Path, semitones: float) -> np.ndarray:
    """Decode to mono float32 at SR, shifting pitch by ``semitones``."""
    chain = [f"aresample={SR}"]
    if semitones:
        ratio = 2.0 ** (semitones / 12.0)
        chain += [f"asetrate={SR * ratio:.3f}", f"aresample={SR}", f"atempo={1 / ratio:.6f}"]
    cmd = ["ffmpeg", "-v", "error", "-i", str(wav), "-af", ",".join(chain)]
    raw = run([*cmd, *f"-ac 1 -ar {SR} -f f32le -".split()])
    return np.frombuffer(raw, dtype="<f4").astype(np.float32)


def trim_silence(x: np.ndarray, floor_db: float = -40.0, margin_s: float = 0.03) -> np.ndarray:
    """Cut leading/trailing silence (10 ms frames below peak level + floor_db)."""
    hop = SR // 100
    frames = x[: len(x) // hop * hop].reshape(-1, hop)
    rms = np.sqrt(np.mean(frames**2, axis=1) + 1e-12)
    active = np.flatnonzero(20 * np.log10(rms / rms.max()) > floor_db)
    margin = int(margin_s * SR)
    lo = max(0, active[0] * hop - margin)
    hi = min(len(x), (active[-1] + 1) * hop + margin)
    return x[lo:hi]


def normalise(x: np.ndarray, gain_db: float) -> np.ndarray:
    """Scale so that the active speech sits at SPEECH_RMS_DBFS + gain_db."""
    hop = SR // 100
    frames = x[: len(x) // hop * hop].reshape(-1, hop)
    energy = np.mean(frames**2, axis=1)
    active = energy[energy > energy.max() * 1e-3]
    rms = float(np.sqrt(np.mean(active)))
    return (x * 10 ** ((SPEECH_RMS_DBFS + gain_db) / 20) / rms).astype(np.float32)


def synthesise(speaker: Speaker, text: str, work: Path, index: int) -> np.ndarray:
    """Speak one utterance and return it trimmed and level-normalised."""
    wav = work / f"utt{index:03d}.wav"
    tts_to_wav(speaker, text, wav)
    audio = trim_silence(wav_to_array(wav, speaker.pitch))
    return normalise(audio, speaker.gain_db)


# ------------------------------------------------------------------ timeline


def lay_out(
    script: dict[str, Any], speakers: dict[str, Speaker], work: Path
) -> tuple[list[tuple[dict[str, Any], np.ndarray, int]], int]:
    """Synthesise every line and give it a start sample; return clips and total length."""
    clips: list[tuple[dict[str, Any], np.ndarray, int]] = []
    cursor = float(script["meeting"].get("lead_in_s", 1.5))
    previous = None
    for i, utt in enumerate(script["utterances"]):
        audio = synthesise(speakers[utt["speaker"]], utt["text"], work, i)
        if previous is not None:
            default = DEFAULT_PAUSE_S if previous == utt["speaker"] else SPEAKER_CHANGE_PAUSE_S
            cursor += float(utt.get("pause", default))
        first = round(cursor * SR)
        clips.append((utt, audio, first))
        cursor = (first + len(audio)) / SR
        previous = utt["speaker"]
    return clips, round((cursor + float(script["meeting"].get("tail_s", 2.0))) * SR)


def place_utterances(
    script: dict[str, Any], speakers: dict[str, Speaker], work: Path
) -> tuple[list[Placed], dict[str, np.ndarray], int]:
    """Lay out all lines; return their times and the clean per-speaker tracks."""
    clips, total = lay_out(script, speakers, work)
    tracks = {name: np.zeros(total, dtype=np.float32) for name in speakers}
    placed = []
    for utt, audio, first in clips:
        tracks[utt["speaker"]][first : first + len(audio)] += audio
        start, end = round(first / SR, 3), round((first + len(audio)) / SR, 3)
        placed.append(Placed(utt["speaker"], utt["text"], utt.get("table"), utt.get("heading"), start, end))
    return placed, tracks, total


# ---------------------------------------------------------------- acoustics


def lowpass(x: np.ndarray, cutoff_hz: float) -> np.ndarray:
    """Gentle zero-phase low-pass (2nd-order Butterworth magnitude) via FFT."""
    spectrum = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(len(x), 1 / SR)
    spectrum *= 1 / np.sqrt(1 + (freqs / cutoff_hz) ** 4)
    return np.fft.irfft(spectrum, n=len(x)).astype(np.float32)


def delayed(x: np.ndarray, delay_s: float) -> np.ndarray:
    """Shift a signal later by ``delay_s`` keeping its length."""
    n = round(delay_s * SR)
    return np.concatenate([np.zeros(n, dtype=np.float32), x[: len(x) - n]])


def noise(rng: np.random.Generator, n: int, dbfs: float) -> np.ndarray:
    """Slightly coloured (low-passed white) noise at ``dbfs`` RMS."""
    white = rng.standard_normal(n).astype(np.float32)
    coloured = lowpass(white, 2500.0)
    return (coloured / np.sqrt(np.mean(coloured**2)) * 10 ** (dbfs / 20)).astype(np.float32)


def participant_track(name: str, clean: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Own speech + attenuated, delayed, low-passed bleed of the others + noise floor."""
    bleed = np.zeros_like(clean[name])
    for other in sorted(clean):
        if other == name:
            continue
        gain = 10 ** (rng.uniform(-25.0, -18.0) / 20)
        bleed += gain * delayed(clean[other], rng.uniform(0.012, 0.035))
    bleed = lowpass(bleed, rng.uniform(3000.0, 4500.0))
    return clean[name] + bleed + noise(rng, len(bleed), TRACK_NOISE_DBFS)


def mixdown(clean: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Zoom's mixed recording: everyone's (processed) speech at normal level."""
    mix = np.sum([clean[name] for name in sorted(clean)], axis=0)
    return (mix + noise(rng, len(mix), MIX_NOISE_DBFS)).astype(np.float32)


# ------------------------------------------------------------------ writers


def encode_m4a(x: np.ndarray, path: Path, bitrate: str) -> None:
    """Encode mono float audio as AAC-LC in an .m4a container."""
    pcm = np.clip(x, -1.0, 1.0).astype("<f4").tobytes()
    cmd = f"ffmpeg -v error -y -f f32le -ar {SR} -ac 1 -i - -c:a aac -b:a {bitrate}".split()
    run([*cmd, *FFMPEG_EXACT, str(path)], stdin=pcm)


def encode_video(audio: Path, path: Path, duration_s: float) -> None:
    """A tiny 160x90 black 1 fps video carrying the mixed audio (as zoom_0.mp4)."""
    source = f"color=c=black:s=160x90:r=1:d={duration_s:.3f}"
    video = "-c:v libx264 -preset veryslow -tune stillimage -crf 40 -pix_fmt yuv420p -threads 1"
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", source, "-i", str(audio)]
    cmd += ["-map", "0:v", "-map", "1:a", *video.split(), "-c:a", "copy", "-shortest"]
    run([*cmd, *FFMPEG_EXACT, str(path)])


def meeting_start(meeting: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{meeting['date']}T{meeting['time']}")


def folder_name(meeting: dict[str, Any]) -> str:
    stamp = meeting_start(meeting).strftime("%Y-%m-%d %H.%M.%S")
    return f"{stamp} {meeting['topic']} {meeting['meeting_id']}"


def chat_text(meeting: dict[str, Any], chat: list[dict[str, Any]]) -> str:
    """Zoom's local chat.txt: 'HH:MM:SS From  Name  to  Everyone:' + tab-indented text."""
    start = meeting_start(meeting)
    lines = []
    for msg in sorted(chat, key=lambda m: m["time_offset_s"]):
        when = (start + dt.timedelta(seconds=msg["time_offset_s"])).strftime("%H:%M:%S")
        lines += [f"{when} From  {msg['speaker']}  to  Everyone:", f"\t{msg['text']}"]
    return "\n".join(lines) + "\n"


def recording_conf(meeting: dict[str, Any], speakers: dict[str, Speaker], duration: float) -> str:
    start = meeting_start(meeting)
    end = start + dt.timedelta(seconds=round(duration))
    conf = {
        "items": [
            {
                "topic": meeting["topic"],
                "meetingId": meeting["meeting_id"],
                "startTime": start.strftime("%Y-%m-%d %H:%M:%S"),
                "endTime": end.strftime("%Y-%m-%d %H:%M:%S"),
                "duration": round(duration),
                "video": "zoom_0.mp4",
                "audio": "audio_only.m4a",
                "chat": "chat.txt",
                "separateAudio": True,
                "audioFiles": [
                    {"userId": s.track, "userName": s.name, "file": f"Audio Record/{s.file_stem}.m4a"}
                    for s in speakers.values()
                ],
            }
        ],
        "version": "5.8.4 (1736)",
    }
    return json.dumps(conf, indent=1, ensure_ascii=False) + "\n"


def playback_m3u(meeting: dict[str, Any], duration: float) -> str:
    return f"#EXTM3U\n#EXTINF:{round(duration)},{meeting['topic']}\nzoom_0.mp4\n"


def write_folder(
    folder: Path,
    script: dict[str, Any],
    speakers: dict[str, Speaker],
    clean: dict[str, np.ndarray],
    duration: float,
) -> None:
    """Write every file of the Zoom recording folder into ``folder``."""
    meeting = script["meeting"]
    rng = np.random.default_rng(int(meeting.get("seed", 0)))
    (folder / "Audio Record").mkdir(parents=True)
    for name, s in speakers.items():
        track = participant_track(name, clean, rng)
        encode_m4a(track, folder / "Audio Record" / f"{s.file_stem}.m4a", TRACK_BITRATE)
    encode_m4a(mixdown(clean, rng), folder / "audio_only.m4a", MIX_BITRATE)
    encode_video(folder / "audio_only.m4a", folder / "zoom_0.mp4", duration)
    (folder / "chat.txt").write_text(chat_text(meeting, script.get("chat", [])), encoding="utf-8")
    (folder / "recording.conf").write_text(recording_conf(meeting, speakers, duration), encoding="utf-8")
    (folder / "playback.m3u").write_text(playback_m3u(meeting, duration), encoding="utf-8")


# ------------------------------------------------------------------- labels


def turns_of(placed: list[Placed]) -> list[dict[str, Any]]:
    """Merge consecutive utterances of the same speaker into turns."""
    turns: list[dict[str, Any]] = []
    for p in placed:
        if turns and turns[-1]["speaker"] == p.speaker:
            turns[-1]["end"] = p.end
        else:
            turns.append({"speaker": p.speaker, "start": p.start, "end": p.end})
    return turns


def table_spans(script: dict[str, Any], speakers: dict[str, Speaker], placed: list[Placed]) -> list[dict[str, Any]]:
    """Each table's report: from its first to its last utterance (Q&A included)."""
    spans = []
    for table in script["tables"]:
        mine = [p for p in placed if p.table == table["table_number"]]
        who = speakers[table["spokesperson"]]
        spans.append(
            {
                "table_number": table["table_number"],
                "theme": table["theme"],
                "spokesperson": {"name": who.name, "organisation": who.organisation},
                "speaker": who.name,
                "start": mine[0].start,
                "end": mine[-1].end,
            }
        )
    return spans


def labels(
    session: str, script: dict[str, Any], speakers: dict[str, Speaker], placed: list[Placed], duration: float
) -> dict[str, Any]:
    return {
        "session": session,
        "duration": round(duration, 3),
        "tables": table_spans(script, speakers, placed),
        "utterances": [
            {
                "speaker": p.speaker,
                "start": p.start,
                "end": p.end,
                "text": p.text,
                "table": p.table,
                "heading": p.heading,
            }
            for p in placed
        ],
        "turns": turns_of(placed),
    }


def rttm(turns: list[dict[str, Any]], uri: str = "audio_only") -> str:
    rows = [
        f"SPEAKER {uri} 1 {t['start']:.3f} {t['end'] - t['start']:.3f} <NA> <NA> "
        f"{t['speaker'].replace(' ', '_')} <NA> <NA>"
        for t in turns
    ]
    return "\n".join(rows) + "\n"


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


# --------------------------------------------------------------------- main


def load_script(path: Path) -> tuple[dict[str, Any], dict[str, Speaker]]:
    script = yaml.safe_load(path.read_text(encoding="utf-8"))
    speakers = {
        name: Speaker(
            name=name,
            voice=v["voice"],
            pitch=float(v.get("pitch", 0.0)),
            speed=float(v.get("speed", 1.0)),
            role=v["role"],
            organisation=v.get("organisation", ""),
            track=int(v["track"]),
            gain_db=float(v.get("gain_db", 0.0)),
        )
        for name, v in script["speakers"].items()
    }
    return script, speakers


def move_into_place(built: Path, target: Path) -> None:
    """Replace ``target`` by ``built`` (same filesystem) with minimal exposure."""
    backup = target.with_name(f".{target.name}.old")
    if backup.exists():
        shutil.rmtree(backup)
    if target.exists():
        target.rename(backup)
    built.rename(target)
    if backup.exists():
        shutil.rmtree(backup)


def synthesise_folder(
    script: dict[str, Any], speakers: dict[str, Speaker], out: Path, extra_files: dict[str, bytes] | None = None
) -> tuple[Path, list[Placed], float]:
    """Speak the script into a Zoom folder under ``out``; return the folder, the utterances' times, the length.

    ``extra_files`` (name -> bytes) are written into the folder too, e.g. the session's ``programma.yaml``.
    """
    check_tools(speakers)
    session = folder_name(script["meeting"])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".build-", dir=out) as tmp:
        work = Path(tmp) / "tts"
        work.mkdir()
        placed, clean, total = place_utterances(script, speakers, work)
        duration = total / SR
        write_folder(Path(tmp) / session, script, speakers, clean, duration)
        for name, content in (extra_files or {}).items():
            (Path(tmp) / session / name).write_bytes(content)
        move_into_place(Path(tmp) / session, out / session)
    return out / session, placed, duration


def build(script_path: Path, out: Path, labels_dir: Path) -> Path:
    script, speakers = load_script(script_path)
    folder, placed, duration = synthesise_folder(script, speakers, out)
    session = folder.name
    data = labels(session, script, speakers, placed, duration)
    stem = script_path.with_suffix("").name
    write_atomic(labels_dir / f"{stem}.labels.json", json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    write_atomic(labels_dir / f"{stem}.rttm", rttm(data["turns"]))
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="folder that receives the Zoom recording folder (default: <repo>/recordings)",
    )
    parser.add_argument(
        "--script",
        type=Path,
        default=DEFAULT_SCRIPT,
        help="YAML script of the plenary (default: scripts/sample_plenary.yaml)",
    )
    parser.add_argument(
        "--labels-dir",
        type=Path,
        default=None,
        help="where the .labels.json and .rttm go (default: next to the script)",
    )
    args = parser.parse_args(argv)
    folder = build(args.script, args.out, args.labels_dir or args.script.parent)
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    print(f"wrote {folder} ({size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

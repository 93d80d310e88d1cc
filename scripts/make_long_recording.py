#!/usr/bin/env python3
"""Make a long Zoom folder by looping a short one (mix and every per-participant track).

    python scripts/make_long_recording.py "recordings/2021-11-22 17.30.00 ..." --minutes 21 --out /tmp/long

For the long-session benchmark (scripts/benchmark.py): the copies are joined with
ffmpeg's concat demuxer and re-encoded (AAC, the source's rate), so the mix and the
tracks stay aligned sample for sample. The chat and config files are copied as they are.
Nothing it writes belongs in the repository.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import tempfile
from pathlib import Path

MEDIA = (".m4a", ".mp4", ".wav", ".mp3")


def duration(path: Path) -> float:
    command = ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)]
    return float(
        json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)["format"]["duration"]
    )


def loop(source: Path, target: Path, times: int) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("".join(f"file '{source.resolve()}'\n" for _ in range(times)))
    command = [
        "ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", listing.name,
        "-vn", "-c:a", "aac", "-b:a", "32k", str(target),
    ]  # fmt: skip
    subprocess.run(command, check=True)
    Path(listing.name).unlink()


def build(folder: Path, minutes: float, out: Path) -> Path:
    mix = folder / "audio_only.m4a"
    times = math.ceil(minutes * 60 / duration(mix))
    target = out / folder.name
    if target.exists():
        shutil.rmtree(target)
    (target / "Audio Record").mkdir(parents=True)
    for file in sorted(folder.rglob("*")):
        relative = file.relative_to(folder)
        if not file.is_file() or relative.name == "zoom_0.mp4":  # the mix is enough
            continue
        if file.suffix in MEDIA:
            loop(file, target / relative.with_suffix(".m4a"), times)
        else:
            shutil.copy2(file, target / relative)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--minutes", type=float, default=21.0)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "verbali-long")
    args = parser.parse_args()
    target = build(args.folder, args.minutes, args.out)
    print(f"wrote {target} ({duration(target / 'audio_only.m4a') / 60:.1f} min)")


if __name__ == "__main__":
    main()

import subprocess
import sys
import textwrap
import wave

import numpy as np
import pytest

from pipeline import audio
from pipeline.errors import AudioError
from tests.conftest import AMI_FOLDER


def test_decodes_zoom_m4a_to_16k_mono_wav(tmp_path):
    info = audio.decode(AMI_FOLDER / "audio_only.m4a", tmp_path / "a.wav")
    with wave.open(info.path) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2)
    assert info.duration == pytest.approx(60.0, abs=0.1)
    samples = audio.load_samples(tmp_path / "a.wav")
    assert samples.dtype == np.float32 and len(samples) == pytest.approx(960000, abs=1600)
    assert 0.01 < np.abs(samples).max() <= 1.0
    assert not list(tmp_path.glob("*.partial"))


def test_decodes_the_audio_of_a_video(tmp_path):
    assert audio.decode(AMI_FOLDER / "zoom_0.mp4", tmp_path / "v.wav").duration == pytest.approx(60.0, abs=0.1)


def test_progress_reaches_the_whole_duration(tmp_path):
    seen = []
    audio.decode(AMI_FOLDER / "audio_only.m4a", tmp_path / "a.wav", lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == seen[-1][1] == pytest.approx(60.0, abs=0.1)


def test_zero_length_file(tmp_path):
    empty = tmp_path / "vuoto.m4a"
    empty.touch()
    with pytest.raises(AudioError, match=r"vuoto.m4a: empty file \(0 bytes\)"):
        audio.decode(empty, tmp_path / "out.wav")
    assert not (tmp_path / "out.wav").exists()


def test_truncated_recording_fails_cleanly_without_partial_output(tmp_path):
    truncated = tmp_path / "troncato.mp4"
    truncated.write_bytes((AMI_FOLDER / "zoom_0.mp4").read_bytes()[:40000])
    with pytest.raises(AudioError, match=r"troncato\.mp4: (no audio stream|cannot)"):
        audio.decode(truncated, tmp_path / "out.wav")
    assert list(tmp_path.iterdir()) == [truncated]


def test_text_file_named_like_media(tmp_path):
    fake = tmp_path / "note.m4a"
    fake.write_text("non è audio")
    with pytest.raises(AudioError, match="no audio stream"):
        audio.probe_duration(fake)


def test_frame_levels_separate_speech_from_silence(tmp_path):
    tone = tmp_path / "tone.wav"
    rate = 16000
    signal = np.concatenate([np.zeros(rate), 0.5 * np.sin(np.arange(rate) * 2 * np.pi * 440 / rate)])
    with wave.open(str(tone), "wb") as wav:
        wav.setnchannels(1), wav.setsampwidth(2), wav.setframerate(rate)
        wav.writeframes((signal * 32767).astype("<i2").tobytes())
    levels = audio.frame_levels(tone, 0.02)
    assert len(levels) == 100
    assert levels[:45].max() < -90 and levels[55:].min() > -10


def test_long_stereo_recording_needs_no_more_memory_than_its_16k_mono_form(tmp_path):
    """20 minutes of 44.1 kHz stereo: peak memory growth stays near the float32 16 kHz form."""
    minutes = 20
    source = tmp_path / "long.flac"
    subprocess.run(
        [audio.ffmpeg(), "-loglevel", "error", "-f", "lavfi", "-i", f"sine=f=300:r=44100:d={minutes * 60}",
         "-ac", "2", "-ar", "44100", str(source)],
        check=True,
    )  # fmt: skip
    probe = textwrap.dedent(f"""
        import resource
        from pathlib import Path
        from pipeline import audio
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        info = audio.decode(Path({str(source)!r}), Path({str(tmp_path / "long.wav")!r}))
        samples = audio.load_samples(Path(info.path))
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before, samples.nbytes // 1024)
    """)
    grown_kib, mono_kib = map(int, subprocess.check_output([sys.executable, "-c", probe], text=True).split())
    assert mono_kib == minutes * 60 * 16000 * 4 // 1024
    assert grown_kib < 1.15 * mono_kib, f"grew {grown_kib} KiB for a {mono_kib} KiB 16 kHz form"

"""Who spoke when, measured against real references (DER with pyannote.metrics)."""

from dataclasses import replace
from pathlib import Path

import pytest
from pyannote.core import Annotation
from pyannote.database.util import load_rttm
from pyannote.metrics.diarization import DiarizationErrorRate

from pipeline.artifacts import Diarization, Turn, VttCue
from pipeline.audio import decode, load_samples
from pipeline.config import DiarizeOptions, Settings
from pipeline.diarize import (
    PyannoteDiarizer,
    TrackDiarizer,
    choose_method,
    diarize,
    diarizer_for,
    name_speakers,
    track_diarizer,
)
from pipeline.errors import UsageError
from pipeline.ingest import ingest_folder
from tests.conftest import AMI, AMI_FOLDER, MODELS

COLLAR = 0.5  # pyannote.metrics' collar is the full width: ±0.25 s


def _ami_reference() -> Annotation:
    reference = Diarization.from_rttm((AMI / "reference" / "reference.rttm").read_text())
    return Diarization([replace(t, speaker=t.speaker.replace("_", " ")) for t in reference.turns]).to_annotation()


@pytest.mark.models
def test_pyannote_campplus_der_on_the_pyannote_sample(engines, settings, pyannote_sample, tmp_path):
    samples = load_samples(Path(decode(pyannote_sample / "sample.wav", tmp_path / "s.wav").path))
    session = ingest_folder(AMI_FOLDER)  # only for VTT naming: it has none
    result = diarize(samples, replace(session, vtt=[], tracks=[]), engines.pyannote, settings.diarize)
    reference = load_rttm(str(pyannote_sample / "sample.rttm"))["sample"]
    der = DiarizationErrorRate()(reference, result.to_annotation())
    assert result.method == "pyannote" and len(result.speakers) == 2
    assert der <= 0.10, f"DER {der:.4f} (measured 0.0556 on 2026-11-23)"


@pytest.mark.models
def test_fast_speed_slides_the_segmentation_window_further():
    fast = PyannoteDiarizer(Settings(models_dir=MODELS, diarize=DiarizeOptions(speed="fast")))
    inference = fast.pipeline._segmentation
    assert inference.step == pytest.approx(0.25 * inference.duration)
    with pytest.raises(UsageError, match="diarization speed"):
        PyannoteDiarizer(Settings(models_dir=MODELS, diarize=DiarizeOptions(speed="fastest")))


@pytest.mark.models
def test_tracks_der_and_names_on_the_real_zoom_folder(engines):
    session = ingest_folder(AMI_FOLDER)
    result = track_diarizer(session, engines).diarize(None, DiarizeOptions(), lambda *a, **k: None)
    assert {"Anna Ferri", "Bianca Galli", "Dario Conte"} <= set(result.speakers)
    der = DiarizationErrorRate(collar=COLLAR)(_ami_reference(), result.to_annotation())
    # measured 0.041 on 2026-11-23 (0.063 without the own-voice check, 0.151 before the voice band);
    # 1.55 s of the 2.0 s left is Anna's "button or something like that" at 0-1.6 s, on her headset
    # and in her AMI words, but missing from the reference turns
    assert der <= 0.08, f"DER ±0.25 s {der:.4f}"
    report = result.bleed
    # headsets: bleed far below the voices; share 0.32 with the speech gate (0.54 without it: the
    # faint bleed no longer reaches the speech model)
    assert report.attenuation_db > 15 and 0.15 < report.bleed_share < 0.8
    assert [t.name for t in report.tracks] == [t.name for t in session.tracks]


@pytest.mark.models
def test_bleed_decisions_beat_speech_detection_alone(engines):
    """Speech heard on several headsets is the loudest one's, not everybody's."""
    session = ingest_folder(AMI_FOLDER)
    with_bleed = TrackDiarizer(session, engines.speech).diarize(None, DiarizeOptions(), lambda *a, **k: None)
    everywhere = TrackDiarizer(session, engines.speech).diarize(
        None, DiarizeOptions(track_overlap_db=200.0), lambda *a, **k: None
    )
    metric = DiarizationErrorRate(collar=COLLAR)
    decided, undecided = (
        metric(_ami_reference(), with_bleed.to_annotation()),
        metric(_ami_reference(), everywhere.to_annotation()),
    )
    assert decided < undecided - 0.3, (decided, undecided)


@pytest.mark.models
def test_voice_band_keeps_headset_noise_from_winning_the_loudest_track(engines):
    """On AMI, Carlo Moretti's headset carries breathing and handling bursts as loud as the others'
    voices, mostly below 300 Hz: measured over the whole band they took others' speech from them."""
    from pipeline.diarize.speech import TrackSignals, frame_levels, track_signals
    from pipeline.diarize.tracks import _track_samples, diarize_signals

    session = ingest_folder(AMI_FOLDER)
    banded = [track_signals(t.name, _track_samples(session.path_of(t.path)), engines.speech) for t in session.tracks]
    whole = [
        TrackSignals(s.name, s.speech, frame_levels(_track_samples(session.path_of(t.path)), s.frames))
        for s, t in zip(banded, session.tracks, strict=True)
    ]
    metric = DiarizationErrorRate(collar=COLLAR)
    voice_band = metric(_ami_reference(), diarize_signals(banded, DiarizeOptions()).to_annotation())
    whole_band = metric(_ami_reference(), diarize_signals(whole, DiarizeOptions()).to_annotation())
    assert voice_band < whole_band - 0.04, (voice_band, whole_band)  # measured 0.063 against 0.169


def test_talking_over_a_louder_voice_is_kept_and_its_bleed_is_not():
    """Levels in the voice band, frame by frame: Anna talks for 10 s on a -20 dBFS headset that
    Bruno's track hears 25 dB down; from 4 to 6 s Bruno talks too, at -35 dBFS, quieter than
    Anna on hers but 10 dB above her bleed on his (and his noise floor is -60)."""
    import numpy as np

    from pipeline.diarize.speech import TrackSignals
    from pipeline.diarize.tracks import diarize_signals

    frames = 600  # 12 s
    anna_speaks, bruno_speaks = slice(0, 500), slice(200, 300)
    anna, bruno = np.full(frames, -70.0), np.full(frames, -60.0)
    anna[anna_speaks], bruno[anna_speaks] = -20.0, -45.0
    bruno[bruno_speaks] = -35.0
    speech = np.zeros(frames)
    speech[anna_speaks] = 1.0  # the speech model hears speech on both tracks (bleed is speech too)
    signals = [TrackSignals("Anna", speech, anna), TrackSignals("Bruno", speech.copy(), bruno)]

    def turns(options: DiarizeOptions) -> list[tuple[float, float, str]]:
        return [(t.start, t.end, t.speaker) for t in diarize_signals(signals, options).turns]

    kept = turns(DiarizeOptions(track_own_voice_db=6.0))
    assert [speaker for *_, speaker in kept] == ["Anna", "Bruno"] and kept[0][:2] == (0.0, 10.0)
    assert kept[1][:2] == pytest.approx((4.0, 6.0), abs=0.25)  # levels are averaged over 1 s
    assert turns(DiarizeOptions(track_own_voice_db=15.0)) == [(0.0, 10.0, "Anna")]  # 10 dB is not enough


def _ami_track_signals(engines, add=None):
    """The AMI headsets' signals (samples kept for the own-voice check); ``add(name, samples)`` may change a track."""
    from pipeline.diarize.speech import track_signals
    from pipeline.diarize.tracks import _track_samples

    session = ingest_folder(AMI_FOLDER)
    samples = {t.name: _track_samples(session.path_of(t.path)) for t in session.tracks}
    if add:
        samples = {name: add(name, x, samples) for name, x in samples.items()}
    return [track_signals(name, x, engines.speech) for name, x in samples.items()]


def _seconds_of(result: Diarization, speaker: str, start: float, end: float) -> float:
    return sum(max(0.0, min(t.end, end) - max(t.start, start)) for t in result.turns if t.speaker == speaker)


@pytest.mark.models
def test_own_voice_check_keeps_quiet_speech_over_a_louder_voice(engines):
    """AMI 53.8-55.9 s: Bianca Galli talks over Dario Conte, on her headset only a few dB above
    what it hears of him; her voice, not his, decides that it is hers."""
    from pipeline.diarize.tracks import diarize_signals
    from pipeline.diarize.voices import VoiceEmbedder

    signals = _ami_track_signals(engines)
    embed = VoiceEmbedder(engines.pyannote.speaker_embedding)
    checked = diarize_signals(signals, DiarizeOptions(), embed)
    levels_only = diarize_signals(signals, DiarizeOptions())
    assert _seconds_of(checked, "Bianca Galli", 53.8, 55.92) >= 1.6  # measured 1.96
    assert _seconds_of(levels_only, "Bianca Galli", 53.8, 55.92) <= 1.0  # measured 0.84
    metric = DiarizationErrorRate(collar=COLLAR)
    with_check, without = (metric(_ami_reference(), r.to_annotation()) for r in (checked, levels_only))
    assert with_check < without - 0.01, (with_check, without)  # measured 0.041 against 0.063


@pytest.mark.models
def test_own_voice_check_does_not_take_a_louder_bleed_for_its_owner(engines):
    """AMI 12-16 s, Anna Ferri talking: Bianca Galli's headset is given Anna's voice (her own
    track's audio) only 16 dB down instead of 36, as if Anna leaned towards it. Bianca's track is
    then above the bleed its levels predict, but it sounds like Anna: it stays Anna's."""
    import numpy as np

    from pipeline.diarize.tracks import LEVEL_WINDOW, _moving_average, above_bleed, diarize_signals
    from pipeline.diarize.voices import VoiceEmbedder

    stretch = slice(12 * 16000, 16 * 16000)

    def lean(name, samples, tracks):
        if name != "Bianca Galli":
            return samples
        louder = samples.copy()
        louder[stretch] += tracks["Anna Ferri"][stretch] * 10 ** (-16 / 20)
        return louder

    signals = _ami_track_signals(engines, lean)
    levels = np.stack([_moving_average(s.level, LEVEL_WINDOW) for s in signals])
    active = np.stack([s.speech >= 0.5 for s in signals])
    bianca = [s.name for s in signals].index("Bianca Galli")
    above = np.median(above_bleed(levels, active)[bianca, 600:800])
    assert 0 <= above < DiarizeOptions().track_own_voice_db, above  # measured 6.2 dB: disputed
    embed = VoiceEmbedder(engines.pyannote.speaker_embedding)

    def bianca_seconds(options: DiarizeOptions) -> float:
        return _seconds_of(diarize_signals(signals, options, embed), "Bianca Galli", 12.0, 16.0)

    checked, unchecked = bianca_seconds(DiarizeOptions()), bianca_seconds(DiarizeOptions(track_voice_margin=-2.0))
    assert checked <= 1.0 and unchecked >= checked + 0.5, (checked, unchecked)  # measured 0.54 against 3.32


def test_vtt_speakers_name_anonymous_labels_one_to_one():
    diarization = Diarization(
        [Turn(0, 10, "SPEAKER_00"), Turn(10, 20, "SPEAKER_01"), Turn(20, 30, "SPEAKER_00"), Turn(30, 31, "SPEAKER_02")],
        "pyannote",
    )
    cues = [
        VttCue(0.5, 9, "Laura Rinaldi", "a"),
        VttCue(10.2, 19, "Marco Neri", "b"),
        VttCue(21, 29, "Laura Rinaldi", "c"),
    ]
    named = name_speakers(diarization, cues)
    assert [t.speaker for t in named.turns] == ["Laura Rinaldi", "Marco Neri", "Laura Rinaldi", "SPEAKER_02"]


def test_method_choice():
    session = ingest_folder(AMI_FOLDER)
    assert choose_method(session, DiarizeOptions()) == "auto"
    with pytest.raises(UsageError, match="no per-participant tracks"):
        choose_method(replace(session, tracks=[]), DiarizeOptions(method="tracks"))
    assert choose_method(replace(session, tracks=[]), DiarizeOptions()) == "pyannote"
    with pytest.raises(UsageError, match="unknown diarization method"):
        choose_method(session, DiarizeOptions(method="voices"))


@pytest.mark.models
def test_auto_on_the_ami_folder_records_its_measure_and_choice(engines, settings, ami_samples):
    session = ingest_folder(AMI_FOLDER)
    diarizer = diarizer_for("auto", session, engines)
    result = diarize(ami_samples, session, diarizer, settings.diarize, models=engines)
    assert result.bleed is not None and result.bleed.choice in ("tracks", "mix") and result.bleed.reason
    assert Diarization.from_dict(result.to_dict()) == result
    assert set(result.speakers) >= {"Anna Ferri", "Bianca Galli", "Dario Conte"}
    der = DiarizationErrorRate(collar=COLLAR)(_ami_reference(), result.to_annotation())
    assert result.bleed.choice == "tracks"  # headsets: bleed about 22 dB below the voices
    assert der <= 0.08, f"DER ±0.25 s {der:.4f} (measured 0.041 on 2026-11-23: tracks)"


@pytest.mark.models
def test_pyannote_on_the_mix_takes_its_names_from_the_tracks(engines, settings, ami_samples):
    session = ingest_folder(AMI_FOLDER)
    result = diarize(ami_samples, session, engines.pyannote, settings.diarize, models=engines)
    assert set(result.speakers) >= {"Anna Ferri", "Bianca Galli", "Dario Conte"}  # Carlo says 1.2 s in all
    der = DiarizationErrorRate(collar=COLLAR)(_ami_reference(), result.to_annotation())
    assert der <= 0.14, f"DER ±0.25 s {der:.4f} (measured 0.0758 on 2026-11-23)"


def _two_speaker_tracks(bleed_db: float) -> tuple[list[tuple[str, "object"]], Annotation]:
    """Two real Italian readers one after the other (with 1 s of overlap) on their own tracks, each
    track also hearing the other ``bleed_db`` lower, 20 ms late."""
    import numpy as np

    from tests.conftest import ITALIAN_CLIPS

    first = load_samples(ITALIAN_CLIPS / "leopard_test_it.wav")
    second = load_samples(ITALIAN_CLIPS / "cheetah_test_it.wav")
    rate, start = 16000, len(first) - 16000  # the second starts 1 s before the first ends
    length = start + len(second) + rate
    own = [np.zeros(length, np.float32), np.zeros(length, np.float32)]
    own[0][: len(first)] += first
    own[1][start : start + len(second)] += second
    delay, gain = int(0.02 * rate), 10 ** (bleed_db / 20)
    tracks = [
        ("Paola Neri", own[0] + gain * np.concatenate([np.zeros(delay, np.float32), own[1][:-delay]])),
        ("Gino Riva", own[1] + gain * np.concatenate([np.zeros(delay, np.float32), own[0][:-delay]])),
    ]
    reference = Diarization(
        [
            Turn(0.3, len(first) / rate - 0.3, "Paola Neri"),
            Turn(start / rate + 0.2, (start + len(second)) / rate - 0.3, "Gino Riva"),
        ]
    )
    return tracks, reference.to_annotation()


@pytest.mark.models
@pytest.mark.parametrize("bleed_db, choice", [(-22.0, "tracks"), (-4.0, "mix")])
def test_bleed_measure_and_auto_choice_on_tracks_with_known_bleed(engines, bleed_db, choice):
    from pipeline.diarize.auto import choose
    from pipeline.diarize.speech import track_signals
    from pipeline.diarize.tracks import diarize_signals

    tracks, reference = _two_speaker_tracks(bleed_db)
    result = diarize_signals([track_signals(name, x, engines.speech) for name, x in tracks], DiarizeOptions())
    assert result.bleed.attenuation_db == pytest.approx(-bleed_db, abs=4.0)
    assert choose(result.bleed, DiarizeOptions())[0] == choice
    if choice == "tracks":
        der = DiarizationErrorRate(collar=COLLAR)(reference, result.to_annotation())
        assert der <= 0.15, f"DER ±0.25 s {der:.4f}"


@pytest.mark.models
def test_breathing_on_a_headset_is_not_taken_for_its_owner_speaking(engines):
    """Two readers on headsets (bleed 22 dB down); while the second reads, the first one's track
    also carries a real breathing burst from AMI's Carlo Moretti (12.6-15 s, where he says nothing)."""
    from pipeline.diarize.auto import choose
    from pipeline.diarize.speech import track_signals
    from pipeline.diarize.tracks import _track_samples, diarize_signals
    from tests.conftest import ITALIAN_CLIPS

    tracks, reference = _two_speaker_tracks(-22.0)
    session = ingest_folder(AMI_FOLDER)
    carlo = next(t for t in session.tracks if t.name == "Carlo Moretti")
    burst = _track_samples(session.path_of(carlo.path))[int(12.6 * 16000) : 15 * 16000]
    second_starts = len(load_samples(ITALIAN_CLIPS / "leopard_test_it.wav")) - 16000
    first = tracks[0][1].copy()
    at = second_starts + 16000
    first[at : at + len(burst)] += burst[: len(first) - at]
    tracks = [(tracks[0][0], first), tracks[1]]
    result = diarize_signals([track_signals(name, x, engines.speech) for name, x in tracks], DiarizeOptions())
    assert choose(result.bleed, DiarizeOptions())[0] == "tracks"
    der = DiarizationErrorRate(collar=COLLAR)(reference, result.to_annotation())
    assert der <= 0.15, f"DER ±0.25 s {der:.4f} (measured 0.119 on 2026-11-23; levels over the whole band: 0.172)"


@pytest.mark.models
def test_speech_model_on_wanted_frames_only_gives_pyannotes_values_there(engines):
    """The speech model computed only on the windows that cover the wanted frames, the windows of two
    tracks batched together: on those frames, the values of pyannote's own ``Inference`` sliding
    over the whole track; elsewhere 0."""
    import numpy as np
    import torch

    tracks, _ = _two_speaker_tracks(-22.0)
    samples = [np.concatenate([x, np.zeros(40 * 16000, np.float32), x]) for _, x in tracks]  # 40 s of silence
    detector = engines.speech
    wanted = []
    for x in samples:
        frames = -(-len(x) // 320)
        mask = np.zeros(frames, bool)
        mask[100:400] = mask[frames - 700 : frames - 650] = True
        wanted.append(mask)
    windows = []
    gated = detector.probabilities_of(samples, wanted, lambda done, total: windows.append(total))
    for x, mask, speech in zip(samples, wanted, gated, strict=True):
        scores = detector.inference({"waveform": torch.from_numpy(x).unsqueeze(0), "sample_rate": 16000})
        window = scores.sliding_window
        centres = window.start + window.duration / 2 + window.step * np.arange(len(scores.data))
        whole = np.interp((np.arange(len(mask)) + 0.5) * 0.02, centres, np.nan_to_num(scores.data[:, 0]))
        assert np.abs(speech[mask] - whole[mask]).max() < 1e-5
        assert not speech[~mask].any() and whole[mask].max() > 0.5
        assert np.array_equal(detector.probabilities(x), whole.astype(np.float32))
    every = sum(-(-(len(x) - detector.window) // detector.step) + 1 for x in samples)
    assert windows[-1] < every / 2, (windows[-1], every)  # most windows were skipped


@pytest.mark.models
def test_speech_gate_skips_a_track_that_is_silent_most_of_the_time_and_keeps_its_turns(engines):
    """Two readers on headsets (bleed 22 dB down), then a minute where nobody speaks: the speech
    model runs on a fraction of the windows, and the turns are those of the model run everywhere."""
    import numpy as np

    from pipeline.diarize.tracks import diarize_signals, gated_signals

    tracks, reference = _two_speaker_tracks(-22.0)
    rng = np.random.default_rng(0)
    names = [name for name, _ in tracks]
    samples = [
        np.concatenate([x, np.zeros(60 * 16000, np.float32)]) + 0.001 * rng.standard_normal(len(x) + 60 * 16000)
        for _, x in tracks
    ]
    samples = [x.astype(np.float32) for x in samples]
    windows: dict[str, list[int]] = {"gate": [], "none": []}
    gated = gated_signals(names, samples, engines.speech, 20.0, lambda done, total: windows["gate"].append(total))
    whole = gated_signals(names, samples, engines.speech, None, lambda done, total: windows["none"].append(total))
    assert windows["gate"][-1] < 0.6 * windows["none"][-1], windows
    with_gate, without = diarize_signals(gated, DiarizeOptions()), diarize_signals(whole, DiarizeOptions())
    assert with_gate.turns == without.turns
    der = DiarizationErrorRate(collar=COLLAR)(reference, with_gate.to_annotation())
    assert der <= 0.15, f"DER ±0.25 s {der:.4f}"


@pytest.mark.models
def test_speech_lasts_down_to_the_offset_threshold_on_the_sample_plenary(engines):
    """A run of a track's speech starts at ``track_speech_threshold`` and lasts while the probability
    stays at ``track_offset_threshold``: the ends of the synthetic plenary's lines, where the speech
    model's probability sags below 0.5 before the voice stops, are kept."""
    from pipeline.diarize.tracks import _track_samples, diarize_signals, gated_signals
    from pipeline.diarize.voices import VoiceEmbedder

    root = Path(__file__).resolve().parents[1]
    folder = next((root / "recordings").glob("2021-11-22 17.30.00 *"))
    session = ingest_folder(folder)
    samples = [_track_samples(session.path_of(t.path)) for t in session.tracks]
    options = DiarizeOptions()
    signals = gated_signals([t.name for t in session.tracks], samples, engines.speech, options.track_gate_db)
    embed = VoiceEmbedder(engines.pyannote.speaker_embedding)
    reference = Diarization.from_rttm((root / "scripts" / "sample_plenary.rttm").read_text())
    reference = Diarization([replace(t, speaker=t.speaker.replace("_", " ")) for t in reference.turns])
    metric = DiarizationErrorRate(collar=COLLAR)
    hysteresis = metric(reference.to_annotation(), diarize_signals(signals, options, embed).to_annotation())
    one_threshold = replace(options, track_offset_threshold=options.track_speech_threshold)
    single = metric(reference.to_annotation(), diarize_signals(signals, one_threshold, embed).to_annotation())
    # measured 0.078 against 0.089 on 2026-11-23 (the pool of 18: 7.43 % against 7.76 % pooled)
    assert hysteresis < single - 0.004, (hysteresis, single)
    assert hysteresis <= 0.10, hysteresis

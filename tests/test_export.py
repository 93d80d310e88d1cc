import srt
import webvtt

from pipeline.artifacts import Segment, Transcript, Word
from pipeline.export import to_srt, to_text, to_vtt

TRANSCRIPT = Transcript(
    "it",
    [
        Segment(0.5, 2.25, "Buonasera a tutti.", [Word(0.5, 2.25, " Buonasera a tutti.", 0.9)], "Elena Rinaldi"),
        Segment(2.5, 4.0, "Siete pronti?", [Word(2.5, 4.0, " Siete pronti?", 0.9)], "Elena Rinaldi"),
        Segment(3661.0, 3662.5, "Sì, grazie.", [Word(3661.0, 3662.5, " Sì, grazie.", 0.9)], "Marco Bellini"),
    ],
    3700.0,
)


def test_srt_round_trips_with_speakers():
    subtitles = list(srt.parse(to_srt(TRANSCRIPT)))
    assert [s.content for s in subtitles] == [
        "Elena Rinaldi: Buonasera a tutti.",
        "Elena Rinaldi: Siete pronti?",
        "Marco Bellini: Sì, grazie.",
    ]
    assert subtitles[2].start.total_seconds() == 3661.0 and subtitles[0].end.total_seconds() == 2.25


def test_vtt_has_voice_tags_and_exact_times(tmp_path):
    path = tmp_path / "t.vtt"
    path.write_text(to_vtt(TRANSCRIPT), encoding="utf-8")
    captions = webvtt.read(str(path))
    assert captions[2].start == "01:01:01.000" and captions[2].end == "01:01:02.500"
    assert captions[0].voice == "Elena Rinaldi" and captions[0].text == "Buonasera a tutti."


def test_text_has_one_paragraph_per_speaker_turn():
    assert to_text(TRANSCRIPT) == (
        "[00:00:00 - 00:00:04] Elena Rinaldi\nBuonasera a tutti. Siete pronti?\n\n"
        "[01:01:01 - 01:01:02] Marco Bellini\nSì, grazie.\n"
    )

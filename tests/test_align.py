from pipeline.align import align
from pipeline.artifacts import Diarization, Segment, Transcript, Turn, Word
from pipeline.config import AlignOptions


def _transcript(*words: tuple[float, float, str]) -> Transcript:
    items = [Word(s, e, w, 0.9) for s, e, w in words]
    return Transcript("it", [Segment(items[0].start, items[-1].end, "".join(w.word for w in items), items)], 10.0)


def test_words_go_to_the_speaker_they_overlap_most_and_split_at_changes():
    transcript = _transcript(
        (0.0, 0.4, " Buonasera"), (0.5, 0.9, " a"), (0.95, 1.15, " tutti."), (1.7, 2.0, " Grazie.")
    )
    diarization = Diarization([Turn(0.0, 1.2, "Elena"), Turn(1.2, 2.5, "Marco")])
    segments = align(transcript, diarization).segments
    assert [(s.speaker, s.text) for s in segments] == [("Elena", "Buonasera a tutti."), ("Marco", "Grazie.")]
    # " tutti." overlaps Elena 0.2 s and Marco 0.4 s: the larger share wins
    segments = align(
        _transcript((1.0, 1.6, " tutti.")), Diarization([Turn(0, 1.2, "Elena"), Turn(1.2, 3, "Marco")])
    ).segments
    assert segments[0].speaker == "Marco"


def test_a_word_between_turns_goes_to_the_nearest_turn():
    transcript = _transcript((0.0, 0.5, " sì"), (3.1, 3.4, " no"), (5.0, 5.5, " forse"))
    diarization = Diarization([Turn(0.0, 1.0, "A"), Turn(3.6, 4.0, "B"), Turn(5.9, 7.0, "C")])
    assert [s.speaker for s in align(transcript, diarization).segments] == ["A", "B", "C"]


def test_long_pause_starts_a_new_utterance_of_the_same_speaker():
    transcript = _transcript((0.0, 0.5, " uno."), (0.6, 1.0, " due."), (4.0, 4.5, " tre."))
    segments = align(transcript, Diarization([Turn(0, 5, "A")]), AlignOptions(max_gap=1.5)).segments
    assert [s.text for s in segments] == ["uno. due.", "tre."]


def test_overlapping_speech_is_marked():
    transcript = _transcript((0.0, 1.0, " parlo"), (1.0, 2.0, " io"), (3.0, 4.0, " adesso"))
    diarization = Diarization([Turn(0, 2.2, "A"), Turn(1.0, 1.8, "B"), Turn(2.8, 4.2, "B")])
    segments = align(transcript, diarization).segments
    assert [(s.speaker, s.overlap) for s in segments] == [("A", True), ("B", False)]


def test_no_diarization_keeps_the_transcript():
    transcript = _transcript((0.0, 1.0, " ciao"))
    assert align(transcript, Diarization([], "none")) is transcript

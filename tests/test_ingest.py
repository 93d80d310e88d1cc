"""Tests for pipeline.ingest: the real Zoom fixture folder, then folders built in tmp_path."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from pipeline.artifacts import ChatMessage, Session
from pipeline.errors import NotConverted, RecordingError
from pipeline.ingest import (
    date_from_name,
    discover,
    ingest_file,
    ingest_folder,
    parse_chat,
    parse_folder_name,
    parse_track_name,
    parse_track_names,
    parse_vtt,
    session_id_for,
)

DATA = Path(__file__).parent / "data"
AMI_FOLDER = DATA / "ami-es2004a" / "2005-03-01 10.12.30 Remote control design meeting 84512345678"
MEDIA_BYTES = b"\x00\x00\x00\x18ftypM4A "  # never decoded by ingest; only its size matters

CLOUD_VTT = """WEBVTT

1
00:00:01.250 --> 00:00:04.500
Mario Rossi: Buongiorno a tutti.

2
00:00:05.000 --> 00:00:07.125
Anna Ferri: Ciao Mario, iniziamo?

3
00:00:08.000 --> 00:00:09.000
grazie
"""

CLOUD_CHAT = (
    "00:00:12\tMario Rossi:\tEcco il link al documento\n00:01:30\t From Giulia Neri to Everyone:\tci sono anch'io\n"
)


def build(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create ``files`` (relative path -> text or bytes) under ``root``; return ``root``."""
    for relative, content in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    root.mkdir(parents=True, exist_ok=True)
    return root


def set_mtime(path: Path, when: datetime) -> None:
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))


def sessions_of(entries: list[Session | RecordingError]) -> list[Session]:
    return [entry for entry in entries if isinstance(entry, Session)]


def errors_of(entries: list[Session | RecordingError]) -> list[RecordingError]:
    return [entry for entry in entries if isinstance(entry, RecordingError)]


# --------------------------------------------------------------------------- real fixture


def test_real_zoom_local_folder() -> None:
    session = ingest_folder(AMI_FOLDER)

    assert session.kind == "zoom-local"
    assert (session.date, session.start_time) == ("2005-03-01", "10:12:30")
    assert session.topic == "Remote control design meeting"
    assert session.meeting_id == "84512345678"
    assert session.audio == "audio_only.m4a"
    assert session.audio_path == AMI_FOLDER.absolute() / "audio_only.m4a"
    assert session.session_id == "2005-03-01-1012-remote-control-design-meeting"
    assert [track.name for track in session.tracks] == ["Anna Ferri", "Bianca Galli", "Carlo Moretti", "Dario Conte"]
    assert session.tracks[0].path == "Audio Record/audioAnnaFerri2175931664.m4a"
    assert len(session.chat) == 3
    assert session.chat[0] == ChatMessage("10:12:41", "Anna Ferri", "Everyone", "Can everyone see the slides?")
    assert session.participants == ["Anna Ferri", "Bianca Galli", "Carlo Moretti", "Dario Conte"]
    assert session.warnings == []


def test_real_folder_file_roles_and_sizes() -> None:
    roles = {file.path: file.role for file in ingest_folder(AMI_FOLDER).files}
    assert roles["audio_only.m4a"] == "mixed-audio"
    assert roles["zoom_0.mp4"] == "mixed-video"
    assert roles["chat.txt"] == "chat"
    assert roles["Audio Record/audioDarioConte11823409352.m4a"] == "participant-track"
    assert len(roles) == 7
    sizes = {file.path: file.size for file in ingest_folder(AMI_FOLDER).files}
    assert sizes["chat.txt"] == (AMI_FOLDER / "chat.txt").stat().st_size


def test_discover_real_parent_folder_ignores_folders_without_media() -> None:
    # ami-es2004a/ also holds reference/ (text only): not a session, not an error
    entries = discover(DATA / "ami-es2004a")
    assert [entry.session_id for entry in sessions_of(entries)] == ["2005-03-01-1012-remote-control-design-meeting"]
    assert errors_of(entries) == []


def test_session_round_trips_through_dict() -> None:
    session = ingest_folder(AMI_FOLDER)
    assert Session.from_dict(session.to_dict()) == session


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("filename", "name"),
    [
        ("audioMarioRossi12345678.m4a", "Mario Rossi"),
        ("audioAnnaFerri2175931664.m4a", "Anna Ferri"),
        ("audioUtente212345678901.m4a", "Utente2"),
        ("audioNicolòBianchi123.m4a", "Nicolò Bianchi"),
        ("audioD'AmicoLuca84512345.m4a", "D'Amico Luca"),
        ("audioAnna-MariaRossi84512345.m4a", "Anna-Maria Rossi"),
        ("audiomario84512345.m4a", "mario"),
        ("audioGiulia84512345.m4a", "Giulia"),
        ("audioSalaRiunioniABC84512345.m4a", "Sala Riunioni ABC"),
        ("audioUfficiodiPianoLodi84512345.m4a", "Ufficio di Piano Lodi"),
        ("audioÉlodieÇelik84512345.m4a", "Élodie Çelik"),
        ("Audio Record/audioMarioRossi12345678.m4a", "Mario Rossi"),
    ],
)
def test_parse_track_name(filename: str, name: str) -> None:
    assert parse_track_name(filename) == name


def test_numbered_participants_stay_apart() -> None:
    """Zoom's "Partecipante 1", "Partecipante 2": the number glued to the id is the name's, one file one voice."""
    files = ["audioPartecipante116778240.m4a", "audioPartecipante216779264.m4a", "audioMarioRossi16780288.m4a"]
    assert parse_track_names(files) == ["Partecipante 1", "Partecipante 2", "Mario Rossi"]


@pytest.mark.parametrize("filename", ["audio12345678.m4a", "audio.m4a", "audio_-'123.m4a", "zoom_0.mp4"])
def test_parse_track_name_without_a_name(filename: str) -> None:
    assert parse_track_name(filename) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "2021-11-22 17.30.00 Tavolo povertà educativa 84512345678",
            ("2021-11-22", "17:30:00", "Tavolo povertà educativa", "84512345678"),
        ),
        (
            "2021-11-22 17.30.00  Tavolo  povertà   educativa  845123456",
            ("2021-11-22", "17:30:00", "Tavolo povertà educativa", "845123456"),
        ),
        (
            "2021-11-22 09.05.00 Mario Rossi's Personal Meeting Room",
            ("2021-11-22", "09:05:00", "Mario Rossi's Personal Meeting Room", None),
        ),
        (
            "2021-11-22 17.30.00 Riunione_ bilancio 2021 84512345678",
            ("2021-11-22", "17:30:00", "Riunione: bilancio 2021", "84512345678"),
        ),
        (
            "2021-11-22 17.30.00 tavolo_2",
            ("2021-11-22", "17:30:00", "tavolo_2", None),
        ),
    ],
)
def test_parse_folder_name(name: str, expected: tuple[str, str, str, str | None]) -> None:
    assert tuple(parse_folder_name(name) or ()) == expected


@pytest.mark.parametrize("name", ["Tavolo povertà", "2021-13-40 17.30.00 Riunione", "2021-11-22 25.00.00 Riunione"])
def test_parse_folder_name_rejects_other_names(name: str) -> None:
    assert parse_folder_name(name) is None


@pytest.mark.parametrize(
    ("name", "day", "clock"),
    [
        ("Riunione 2021-11-22 17.30", "2021-11-22", "17:30:00"),
        ("20211122_173005", "2021-11-22", "17:30:05"),
        ("Registrazione 22-11-2021", "2021-11-22", None),
        ("tavolo_2021_11_22", "2021-11-22", None),
    ],
)
def test_date_from_name(name: str, day: str, clock: str | None) -> None:
    found = date_from_name(name)
    assert found is not None
    assert (found.date, found.start_time) == (day, clock)


@pytest.mark.parametrize("name", ["intervista", "call 84512345678", "nota 2021-13-45"])
def test_date_from_name_without_a_date(name: str) -> None:
    assert date_from_name(name) is None


def test_session_id_is_readable_and_filesystem_safe() -> None:
    assert (
        session_id_for("2021-11-22", "17:30:00", "Tavolo povertà educativa: D'Amico/Rossi")
        == "2021-11-22-1730-tavolo-poverta-educativa-d-amico-rossi"
    )
    assert session_id_for(None, None, "???") == "session"


# --------------------------------------------------------------------------- chat


def test_parse_chat_current_format() -> None:
    text = (
        "10:12:41 From  Anna Ferri  to  Everyone:\n"
        "\tprima riga\n"
        "\tseconda riga: con i due punti\n"
        "10:13:02 From  Dario Conte  to  Anna Ferri(Direct Message):\n"
        "\tmessaggio privato\n"
        "10:14:00 From  Anna Ferri  to  Everyone (in Waiting Room):\n"
        "\tentrate pure\n"
        "10:15:00 From  Carlo Moretti  to  Bianca Galli(privately):\n"
        "\tok\n"
    )
    assert parse_chat(text) == [
        ChatMessage("10:12:41", "Anna Ferri", "Everyone", "prima riga\nseconda riga: con i due punti"),
        ChatMessage("10:13:02", "Dario Conte", "Anna Ferri", "messaggio privato"),
        ChatMessage("10:14:00", "Anna Ferri", "Everyone (in Waiting Room)", "entrate pure"),
        ChatMessage("10:15:00", "Carlo Moretti", "Bianca Galli", "ok"),
    ]


def test_parse_chat_older_one_line_formats() -> None:
    text = (
        "10:12:41\t From  Anna Ferri : ci vediamo alle 10:30 to be sure\n"
        "10:13:00 From Dario Conte to Everyone : va bene: confermo\n"
        "9:14:00 From Carlo Moretti to Anna Ferri(Privately) : grazie\n"
    )
    assert parse_chat(text) == [
        ChatMessage("10:12:41", "Anna Ferri", "Everyone", "ci vediamo alle 10:30 to be sure"),
        ChatMessage("10:13:00", "Dario Conte", "Everyone", "va bene: confermo"),
        ChatMessage("09:14:00", "Carlo Moretti", "Anna Ferri", "grazie"),
    ]


def test_parse_chat_italian_client_and_cloud_formats() -> None:
    italian = "10:00:05 Da  Maria Rossi  a  Tutti:\n\tbuongiorno\n"
    assert parse_chat(italian) == [ChatMessage("10:00:05", "Maria Rossi", "Everyone", "buongiorno")]
    assert parse_chat(CLOUD_CHAT) == [
        ChatMessage("00:00:12", "Mario Rossi", "Everyone", "Ecco il link al documento"),
        ChatMessage("00:01:30", "Giulia Neri", "Everyone", "ci sono anch'io"),
    ]


def test_parse_chat_name_containing_to_reads_the_double_spaced_header() -> None:
    text = "10:00:00 From  Back to Basics  to  Everyone:\n\tciao\n"
    assert parse_chat(text) == [ChatMessage("10:00:00", "Back to Basics", "Everyone", "ciao")]


def test_parse_chat_ignores_text_before_the_first_message() -> None:
    assert parse_chat("intestazione\n\n") == []
    assert len(parse_chat("rumore\n10:00:00 From  A  to  Everyone:\n\tx\n")) == 1


# --------------------------------------------------------------------------- vtt


def test_parse_vtt_reads_speakers_and_exact_times() -> None:
    cues = parse_vtt(CLOUD_VTT)
    assert [(cue.start, cue.end, cue.speaker, cue.text) for cue in cues] == [
        (1.25, 4.5, "Mario Rossi", "Buongiorno a tutti."),
        (5.0, 7.125, "Anna Ferri", "Ciao Mario, iniziamo?"),
        (8.0, 9.0, None, "grazie"),
    ]


def test_parse_vtt_sentence_with_colon_is_not_a_speaker() -> None:
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAllora, i punti sono: primo e secondo\n"
    assert parse_vtt(text)[0].speaker is None


# --------------------------------------------------------------------------- zoom local variants


def test_local_folder_with_odd_names(tmp_path: Path) -> None:
    folder = build(
        tmp_path / "2021-11-22 17.30.00  Verifica_ tavolo  povertà",
        {
            "zoom_0.mp4": MEDIA_BYTES,
            "playback.m3u": "zoom_0.mp4\n",
            "recording.conf": "{}",
            "Audio Record/audioNicolòBianchi123.m4a": MEDIA_BYTES,
            "Audio Record/audio12345678.m4a": MEDIA_BYTES,
            "Audio Record/audioMarioRossi84512345.m4a": b"",
        },
    )
    session = ingest_folder(folder)

    assert session.topic == "Verifica: tavolo povertà"
    assert session.meeting_id is None
    assert session.audio == "zoom_0.mp4"
    assert session.session_id == "2021-11-22-1730-verifica-tavolo-poverta"
    assert [track.name for track in session.tracks] == ["Nicolò Bianchi"]
    assert any("audio12345678.m4a" in w and "no participant name" in w for w in session.warnings)
    assert any("audioMarioRossi84512345.m4a" in w and "0 bytes" in w for w in session.warnings)
    roles = {file.path: file.role for file in session.files}
    assert roles["playback.m3u"] == "playlist"
    assert roles["recording.conf"] == "config"
    assert roles["Audio Record/audio12345678.m4a"] == "participant-track"


def test_local_folder_in_parts_uses_the_first(tmp_path: Path) -> None:
    folder = build(
        tmp_path / "2021-11-22 17.30.00 Tavolo 84512345678",
        {f"zoom_{index}.mp4": MEDIA_BYTES for index in (0, 1, 2, 10)},
    )
    session = ingest_folder(folder)

    assert session.audio == "zoom_0.mp4"
    assert [file.path for file in session.files] == ["zoom_0.mp4", "zoom_1.mp4", "zoom_2.mp4", "zoom_10.mp4"]
    assert {file.role for file in session.files} == {"mixed-video"}
    assert any("4 parts" in warning for warning in session.warnings)


def test_local_folder_prefers_audio_only_and_skips_an_empty_one(tmp_path: Path) -> None:
    good = build(
        tmp_path / "2021-11-22 17.30.00 A",
        {"zoom_0.mp4": MEDIA_BYTES, "audio_only.m4a": MEDIA_BYTES},
    )
    assert ingest_folder(good).audio == "audio_only.m4a"
    empty_audio = build(
        tmp_path / "2021-11-22 18.30.00 B",
        {"zoom_0.mp4": MEDIA_BYTES, "audio_only.m4a": b""},
    )
    session = ingest_folder(empty_audio)
    assert session.audio == "zoom_0.mp4"
    assert any("audio_only.m4a" in w and "0 bytes" in w for w in session.warnings)


def test_local_folder_with_only_empty_media_is_an_error(tmp_path: Path) -> None:
    folder = build(tmp_path / "2021-11-22 17.30.00 A", {"audio_only.m4a": b""})
    with pytest.raises(RecordingError, match=r"empty file \(0 bytes\)"):
        ingest_folder(folder)


def test_local_folder_with_only_tracks_is_an_error(tmp_path: Path) -> None:
    folder = build(tmp_path / "2021-11-22 17.30.00 A", {"Audio Record/audioMarioRossi123.m4a": MEDIA_BYTES})
    with pytest.raises(RecordingError, match="no mixed recording"):
        ingest_folder(folder)


def test_unrecognised_folder_name_falls_back_to_mtime(tmp_path: Path) -> None:
    folder = build(tmp_path / "Riunione del tavolo", {"zoom_0.mp4": MEDIA_BYTES})
    set_mtime(folder / "zoom_0.mp4", datetime(2022, 3, 4, 15, 6, 7))
    session = ingest_folder(folder)

    assert (session.date, session.start_time) == ("2022-03-04", "15:06:07")
    assert session.topic == "Riunione del tavolo"
    assert session.session_id == "2022-03-04-1506-riunione-del-tavolo"
    assert any("modification time" in warning for warning in session.warnings)
    assert session.date_source == "mtime"


def test_meeting_saved_chat_is_read(tmp_path: Path) -> None:
    folder = build(
        tmp_path / "2021-11-22 17.30.00 A",
        {
            "zoom_0.mp4": MEDIA_BYTES,
            "meeting_saved_chat.txt": "17:31:00 From  MARIO ROSSI  to  Everyone:\n\tciao\n",
            "Audio Record/audioMarioRossi84512345.m4a": MEDIA_BYTES,
        },
    )
    session = ingest_folder(folder)
    assert [message.text for message in session.chat] == ["ciao"]
    assert session.participants == ["Mario Rossi"]  # same person, once


def test_unconverted_folder(tmp_path: Path) -> None:
    folder = build(
        tmp_path / "2021-11-22 17.30.00 Tavolo 84512345678",
        {"double_click_to_convert_01.zoom": b"zoom"},
    )
    with pytest.raises(NotConverted, match="has not converted this recording yet"):
        ingest_folder(folder)
    entries = discover(folder)
    assert len(entries) == 1
    assert isinstance(entries[0], NotConverted)
    assert entries[0].path == str(folder)


# --------------------------------------------------------------------------- zoom cloud


def test_cloud_download_with_transcript_and_chat(tmp_path: Path) -> None:
    folder = build(
        tmp_path / "Tavolo povertà educativa",
        {
            "GMT20211122-163012_Recording_1920x1080.mp4": MEDIA_BYTES,
            "GMT20211122-163012_Recording.m4a": MEDIA_BYTES,
            "GMT20211122-163012_Recording.transcript.vtt": CLOUD_VTT,
            "GMT20211122-163012_RecordingnewChat.txt": CLOUD_CHAT,
        },
    )
    session = ingest_folder(folder)

    assert session.kind == "zoom-cloud"
    assert (session.date, session.start_time) == ("2021-11-22", "16:30:12")
    assert session.in_utc  # Zoom's stamp is UTC; discover() makes it local
    assert session.topic == "Tavolo povertà educativa"
    assert session.session_id == "2021-11-22-1630-tavolo-poverta-educativa"
    assert session.audio == "GMT20211122-163012_Recording.m4a"
    assert [cue.speaker for cue in session.vtt] == ["Mario Rossi", "Anna Ferri", None]
    assert [message.sender for message in session.chat] == ["Mario Rossi", "Giulia Neri"]
    assert session.participants == ["Mario Rossi", "Giulia Neri", "Anna Ferri"]
    roles = {file.path: file.role for file in session.files}
    assert roles == {
        "GMT20211122-163012_Recording.m4a": "mixed-audio",
        "GMT20211122-163012_Recording.transcript.vtt": "transcript-vtt",
        "GMT20211122-163012_RecordingnewChat.txt": "chat",
        "GMT20211122-163012_Recording_1920x1080.mp4": "mixed-video",
    }


def test_cloud_folder_named_by_stamp_gets_a_generic_topic(tmp_path: Path) -> None:
    folder = build(tmp_path / "GMT20211122-163012", {"GMT20211122-163012_Recording_640x360.mp4": MEDIA_BYTES})
    session = ingest_folder(folder)
    assert session.topic == "Zoom cloud recording"
    assert session.audio == "GMT20211122-163012_Recording_640x360.mp4"


def test_cloud_broken_transcript_is_a_warning(tmp_path: Path) -> None:
    folder = build(
        tmp_path / "Tavolo",
        {
            "GMT20211122-163012_Recording.m4a": MEDIA_BYTES,
            "GMT20211122-163012_Recording.transcript.vtt": "not a vtt file\n",
        },
    )
    session = ingest_folder(folder)
    assert session.vtt == []
    assert any("transcript not read" in warning for warning in session.warnings)


def test_loose_cloud_files_of_two_meetings(tmp_path: Path) -> None:
    folder = build(
        tmp_path / "downloads",
        {
            "GMT20211129-090000_Recording.m4a": MEDIA_BYTES,
            "GMT20211122-163012_Recording.m4a": MEDIA_BYTES,
            "GMT20211122-163012_RecordingnewChat.txt": CLOUD_CHAT,
        },
    )
    with pytest.raises(RecordingError, match="2 separate recordings"):
        ingest_folder(folder)
    sessions = sessions_of(discover(folder))
    assert [(s.date, s.topic) for s in sessions] == [
        ("2021-11-22", "Zoom cloud recording"),
        ("2021-11-29", "Zoom cloud recording"),
    ]
    assert [len(s.chat) for s in sessions] == [2, 0]


# --------------------------------------------------------------------------- plain files


def test_single_file_with_date_in_name(tmp_path: Path) -> None:
    path = build(tmp_path / "registrazioni à", {"Tavolo già 2021-11-22 17.30.mp3": MEDIA_BYTES})
    path = path / "Tavolo già 2021-11-22 17.30.mp3"
    session = ingest_file(path)

    assert session.kind == "file"
    assert session.folder == str(path.absolute())
    assert session.audio == path.name
    assert session.audio_path == path.absolute()
    assert (session.date, session.start_time) == ("2021-11-22", "17:30:00")
    assert session.session_id == "2021-11-22-1730-tavolo-gia"
    assert [(file.path, file.role) for file in session.files] == [(path.name, "mixed-audio")]
    assert session.warnings == []


def test_single_file_dated_by_mtime(tmp_path: Path) -> None:
    path = tmp_path / "intervista Nicolò.wav"
    path.write_bytes(MEDIA_BYTES)
    set_mtime(path, datetime(2023, 5, 6, 7, 8, 9))
    session = discover(path)[0]

    assert isinstance(session, Session)
    assert (session.date, session.start_time) == ("2023-05-06", "07:08:09")
    assert session.session_id == "2023-05-06-0708-intervista-nicolo"
    assert any("modification time" in warning for warning in session.warnings)
    assert session.date_source == "mtime"


def test_zero_length_file(tmp_path: Path) -> None:
    path = tmp_path / "vuoto.m4a"
    path.write_bytes(b"")
    with pytest.raises(RecordingError, match=r"empty file \(0 bytes\)"):
        ingest_file(path)
    [entry] = discover(path)
    assert isinstance(entry, RecordingError)
    assert entry.reason == "empty file (0 bytes)"


def test_folder_of_plain_files_gives_one_session_each(tmp_path: Path) -> None:
    folder = build(
        tmp_path / "audio",
        {"b 2021-01-02.ogg": MEDIA_BYTES, "a 2021-01-01.mp3": MEDIA_BYTES, "note.txt": "x"},
    )
    sessions = sessions_of(discover(folder))
    assert [s.audio for s in sessions] == ["a 2021-01-01.mp3", "b 2021-01-02.ogg"]
    assert {s.kind for s in sessions} == {"file"}
    with pytest.raises(RecordingError, match="2 separate recordings"):
        ingest_folder(folder)


def test_same_session_id_twice_gets_a_suffix(tmp_path: Path) -> None:
    folder = build(
        tmp_path / "rec",
        {"x/riunione 2021-01-01.mp3": MEDIA_BYTES, "y/riunione 2021-01-01.mp3": MEDIA_BYTES},
    )
    ids = [s.session_id for s in sessions_of(discover(folder))]
    assert ids == ["2021-01-01-riunione", "2021-01-01-riunione-2"]


# --------------------------------------------------------------------------- discover


def test_discover_folder_of_sessions_with_a_bad_one(tmp_path: Path) -> None:
    recordings = build(
        tmp_path / "recordings",
        {
            "2021-11-29 17.30.00 Tavolo povertà educativa 84512345678/audio_only.m4a": MEDIA_BYTES,
            "2021-11-22 17.30.00 Tavolo povertà educativa 84512345678/double_click_to_convert_01.zoom": b"zoom",
            "2021-11-15 17.30.00 Kick-off 84512345678/zoom_0.mp4": MEDIA_BYTES,
            "intervista 2021-11-20.m4a": MEDIA_BYTES,
            "vuoto 2021-11-25.m4a": b"",
            "appunti/note.txt": "niente audio qui",
        },
    )
    entries = discover(recordings)

    assert [getattr(entry, "session_id", None) for entry in entries] == [
        "2021-11-15-1730-kick-off",
        "2021-11-20-intervista",
        None,  # 2021-11-22, not converted
        None,  # 2021-11-25, empty
        "2021-11-29-1730-tavolo-poverta-educativa",
    ]
    assert isinstance(entries[2], NotConverted)
    assert entries[3].reason == "empty file (0 bytes)"  # type: ignore[union-attr]


def test_discover_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="no recordings found"):
        discover(tmp_path)


def test_discover_folder_without_media(tmp_path: Path) -> None:
    folder = build(
        tmp_path / "2021-11-22 17.30.00 Tavolo 84512345678",
        {"chat.txt": "10:00:00 From  A  to  Everyone:\n\tciao\n", "sub/notes.txt": "x"},
    )
    with pytest.raises(RecordingError, match="no recordings found") as raised:
        discover(folder)
    assert raised.value.path == str(folder)
    with pytest.raises(RecordingError, match="no recordings found"):
        ingest_folder(folder)


def test_discover_missing_path_and_non_media_file(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="no such file or folder"):
        discover(tmp_path / "non esiste")
    text_file = tmp_path / "chat.txt"
    text_file.write_text("ciao")
    with pytest.raises(RecordingError, match="not an audio or video file"):
        discover(text_file)


def test_discover_ignores_hidden_files(tmp_path: Path) -> None:
    folder = build(tmp_path / "rec", {".DS_Store": b"x", "._a.mp3": b"x", "a 2021-01-01.mp3": b"x"})
    assert [s.audio for s in sessions_of(discover(folder))] == ["a 2021-01-01.mp3"]

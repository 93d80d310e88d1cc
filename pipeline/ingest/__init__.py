"""Ingest: find what Zoom (or anyone) recorded and describe each recording as a ``Session``.

Reads folder names, file names, chat and transcript text; decodes no audio. ``discovery`` walks a path;
``zoom_local``, ``zoom_cloud`` read the two kinds of Zoom folder; ``names``, ``tracks``, ``chat`` parse
what they hold; ``programme`` reads the optional session programme.

Rules where Zoom's layout leaves a choice:

* Local folder names are ``YYYY-MM-DD HH.MM.SS <Topic>[ <MeetingID>]``; a trailing run of
  9-11 digits is the meeting id. Zoom writes ``:`` as ``_``; only ``"_ "`` (underscore then
  space, as in ``"Riunione_ bilancio"``) is turned back into ``": "``, other underscores stay.
* Track files are ``Audio Record/audio<DisplayName><digits>.m4a``. The trailing digit run is
  Zoom's id, at most 11 digits long: digits beyond the last 11 belong to the name
  (``audioUtente212345678901`` -> "Utente2"); a run of 11 or fewer is all id, so a name digit
  followed by a short id cannot be told apart and is dropped.
* Every media file under ``Audio Record/`` has role ``participant-track``; ``Session.tracks``
  holds only the usable ones (a name could be parsed, not empty). Skipped ones get a warning.
* Cloud times (``GMT<date>-<time>``) are UTC and kept as UTC; a session warning says so.
* Dates in plain file names: ``YYYY-MM-DD``/``YYYYMMDD`` (``-``, ``_`` or ``.``) or
  ``DD-MM-YYYY``, each optionally followed by a time ``HH.MM[.SS]``; else the file's mtime.
* Chat files are read as UTF-8 (BOM allowed), falling back to cp1252. The Italian client's
  ``Da <Nome> a Tutti:`` headers are read too, with "Tutti" kept as "Everyone".
* Files and folders whose name starts with ``.`` are ignored.
"""

from pipeline.ingest.chat import parse_chat, read_chat
from pipeline.ingest.discovery import discover, ingest_file, ingest_folder, snapshot
from pipeline.ingest.names import date_from_name, parse_cloud_stamp, parse_folder_name, session_id_for
from pipeline.ingest.tracks import parse_track_name, parse_track_names
from pipeline.ingest.zoom_cloud import parse_vtt, read_vtt, split_speaker

__all__ = [
    "date_from_name",
    "discover",
    "ingest_file",
    "ingest_folder",
    "parse_chat",
    "parse_cloud_stamp",
    "parse_folder_name",
    "parse_track_name",
    "parse_track_names",
    "parse_vtt",
    "read_chat",
    "read_vtt",
    "session_id_for",
    "snapshot",
    "split_speaker",
]

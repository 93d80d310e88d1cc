"""Zoom chat files, local (``chat.txt``) and cloud (``..._RecordingnewChat.txt``), in English or Italian."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.artifacts import (
    ChatMessage,
)

_PRIVATE_MARK = re.compile(r"\s*\((?:direct message|privately|messaggio diretto|in privato)\)\s*$", re.IGNORECASE)


@dataclass
class _DraftMessage:
    time: str
    sender: str
    recipient: str
    lines: list[str] = field(default_factory=list)

    def message(self) -> ChatMessage:
        return ChatMessage(self.time, self.sender, self.recipient, "\n".join(self.lines).strip())


def _chat_header_patterns() -> list[re.Pattern[str]]:
    clock = r"^(?P<time>\d{1,2}:\d{2}:\d{2})"
    sender, recipient = r"(?P<sender>[^:\t]+?)", r"(?P<recipient>[^:\t]+?)"
    patterns = [
        clock + rf"\s+{word_from}{gap}{sender}{gap}{word_to}{gap}{recipient}\s*:(?P<text>.*)$"
        for word_from, word_to in (("From", "to"), ("Da", "a"))
        for gap in (r"\s{2,}", r"\s+")  # Zoom doubles the spaces; try that reading first
    ]
    patterns.append(clock + rf"\s+(?:From|Da)\s+{sender}\s*:(?P<text>.*)$")
    patterns.append(clock + rf"\t{sender}:(?P<text>.*)$")  # cloud: "HH:MM:SS\tName:\ttext"
    return [re.compile(pattern) for pattern in patterns]


_CHAT_HEADERS = _chat_header_patterns()


def parse_chat(text: str) -> list[ChatMessage]:
    """Read a Zoom chat file (local ``chat.txt``/``meeting_saved_chat.txt`` or cloud ``newChat``).

    Lines that follow a header and are not headers themselves continue its message.
    """
    drafts: list[_DraftMessage] = []
    for line in text.splitlines():
        draft = _chat_header(line)
        if draft is not None:
            drafts.append(draft)
        elif drafts:
            drafts[-1].lines.append(line.removeprefix("\t"))
    return [draft.message() for draft in drafts]


def read_chat(path: Path) -> list[ChatMessage]:
    return parse_chat(_read_text(path))


def _chat_header(line: str) -> _DraftMessage | None:
    for pattern in _CHAT_HEADERS:
        match = pattern.match(line)
        if match is not None:
            hours, rest = match["time"].split(":", 1)
            groups = match.groupdict()
            draft = _DraftMessage(
                f"{int(hours):02d}:{rest}",
                _clean_name(match["sender"]),
                _clean_recipient(groups.get("recipient") or "Everyone"),
            )
            if match["text"].strip():
                draft.lines.append(match["text"].strip())
            return draft
    return None


def _clean_name(name: str) -> str:
    return " ".join(_PRIVATE_MARK.sub("", name).split())


def _clean_recipient(name: str) -> str:
    name = _clean_name(name)
    return "Everyone" if name == "Tutti" else name


def _is_everyone(name: str) -> bool:
    return name.casefold().startswith(("everyone", "tutti"))


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")

"""Which documents an approval froze (``approval.json`` in the session folder).

Read by the publisher: a frozen document is never written again; a new draft goes beside it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

APPROVAL_FILE = "approval.json"


def read_approval(folder: Path) -> dict[str, Any] | None:
    path = folder / APPROVAL_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def frozen_documents(folder: Path) -> dict[str, str]:
    """``{file name: sha256}`` of the approved documents; empty when the session is not approved."""
    approval = read_approval(folder)
    return dict(approval.get("files", {})) if approval else {}

"""Where verbali's folders are when the user does not name them, whatever the working directory.

Models: ``--models`` / ``VERBALI_MODELS``, else where ``verbali models install`` puts them: the
checkout's ``models/`` when verbali runs from its source checkout (as ``setup.sh`` sets it up),
else the user's data folder (``~/.local/share/verbali/models`` on Linux, via platformdirs).
Recordings and outputs likewise: the checkout's ``recordings/`` and ``outputs/``, else
``~/verbali/recordings`` and ``~/verbali/outputs``.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP = "verbali"
PACKAGE = Path(__file__).resolve().parent
PACKAGED_DATA = PACKAGE / "data" / "it"  # cue patterns and wording: part of the stage fingerprints
PACKAGED_TEMPLATES = PACKAGE / "documents" / "templates"
CHECKOUT_FILES = ("pyproject.toml", "setup.sh")  # what a source checkout has beside pipeline/


def source_checkout() -> Path | None:
    """The source checkout this package runs from (an editable install or PYTHONPATH), if any."""
    root = Path(__file__).resolve().parents[1]
    return root if all((root / name).is_file() for name in CHECKOUT_FILES) else None


def default_models_dir() -> Path:
    checkout = source_checkout()
    return checkout / "models" if checkout else Path(platformdirs.user_data_dir(APP)) / "models"


def default_outputs_dir() -> Path:
    checkout = source_checkout()
    return checkout / "outputs" if checkout else Path.home() / APP / "outputs"


def default_recordings_dir() -> Path:
    checkout = source_checkout()
    return checkout / "recordings" if checkout else Path.home() / APP / "recordings"

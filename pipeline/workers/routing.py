"""Where a job goes: the ``gpu`` queue when a GPU worker is alive, else ``cpu``."""

from __future__ import annotations

from celery import Celery

REPLY_WAIT = 1.0  # seconds to wait for workers to say which queues they consume


def consumed_queues(app: Celery, timeout: float = REPLY_WAIT) -> dict[str, list[str]]:
    """Each live worker's name and the queues it takes jobs from."""
    replies = app.control.inspect(timeout=timeout).active_queues() or {}
    return {worker: [q["name"] for q in queues] for worker, queues in replies.items()}


def choose_queue(alive: dict[str, list[str]]) -> str:
    """``gpu`` if any of the live workers (``consumed_queues``) takes from it, else ``cpu``."""
    return "gpu" if any("gpu" in queues for queues in alive.values()) else "cpu"

"""Where a job goes: the ``gpu`` queue when a GPU worker is alive, else ``cpu``."""

from __future__ import annotations

import logging
import time

from celery import Celery
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

logger = logging.getLogger("verbali.workers")
REPLY_WAIT = 1.0  # seconds to wait for workers to say which queues they consume
ATTEMPTS = 3  # a broker that restarted closes the pooled connections once: ask again


def consumed_queues(app: Celery, timeout: float = REPLY_WAIT) -> dict[str, list[str]]:
    """Each live worker's name and the queues it takes jobs from."""
    for attempt in range(1, ATTEMPTS):
        try:
            return _ask(app, timeout)
        except (RedisConnectionError, OperationalError) as error:
            logger.warning("asking the workers for their queues: %s; asking again", error)
            time.sleep(0.5 * attempt)
    return _ask(app, timeout)


def _ask(app: Celery, timeout: float) -> dict[str, list[str]]:
    replies = app.control.inspect(timeout=timeout).active_queues() or {}
    return {worker: [q["name"] for q in queues] for worker, queues in replies.items()}


def choose_queue(alive: dict[str, list[str]]) -> str:
    """``gpu`` if any of the live workers (``consumed_queues``) takes from it, else ``cpu``."""
    return "gpu" if any("gpu" in queues for queues in alive.values()) else "cpu"

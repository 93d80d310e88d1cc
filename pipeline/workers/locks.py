"""One worker per session, across machines: a lock in Redis with an expiry, renewed while held.

A file lock on a network share is not reliable (NFS locking varies with the server and
a dead client's lock may never be freed). A Redis key set with ``NX`` and an expiry is:
the holder renews it every third of its lifetime, so a worker that dies (SIGKILL, power
cut) leaves a lock that expires within ``ttl`` seconds, and the job's redelivery can run.
"""

from __future__ import annotations

import logging
import threading
import uuid
from types import TracebackType

import redis
from redis.exceptions import LockError, LockNotOwnedError

from pipeline.errors import VerbaliError

logger = logging.getLogger("verbali.workers")
LOCK_PREFIX = "verbali:lock:"


class SessionBusy(VerbaliError):
    """Another worker holds the session's lock: not an error, the job waits its turn."""

    def __init__(self, session_id: str, holder: str | None) -> None:
        self.session_id = session_id
        self.holder = holder  # "<worker name> pid <pid>"
        super().__init__(f"{session_id}: locked by {holder or 'another worker'} (running it, or stopped: then "
                         "the lock expires by itself)")  # fmt: skip

    @property
    def worker(self) -> str | None:
        return self.holder.split(" pid ")[0] if self.holder else None


class SessionLock:
    """Context manager: holds ``verbali:lock:<session>`` for this worker, or raises SessionBusy."""

    def __init__(self, client: redis.Redis, session_id: str, holder: str, ttl: float) -> None:
        self.session_id = session_id
        self.holder = holder
        self.ttl = ttl
        self._client = client
        self._lock = client.lock(LOCK_PREFIX + session_id, timeout=ttl, blocking=False, thread_local=False)
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self.lost = False

    def __enter__(self) -> SessionLock:
        if not self._lock.acquire(token=f"{self.holder}|{uuid.uuid4().hex}"):
            raise SessionBusy(self.session_id, lock_holder(self._client, self.session_id))
        self._renewer = threading.Thread(target=self._renew, name=f"lock-{self.session_id}", daemon=True)
        self._renewer.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        try:
            self._lock.release()
        except LockError:
            logger.warning(
                "%s: the session lock had expired before the end (worker too slow to renew)", self.session_id
            )

    def _renew(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                self._lock.reacquire()
            except LockNotOwnedError:
                self.lost = True
                logger.error("%s: lost the session lock (expired while the broker was unreachable?)", self.session_id)
                return
            except redis.RedisError as error:  # the broker restarting: try again at the next tick
                logger.warning("%s: could not renew the session lock: %s", self.session_id, error)


def lock_holder(client: redis.Redis, session_id: str) -> str | None:
    """The worker holding the session's lock, or None."""
    token = client.get(LOCK_PREFIX + session_id)
    if token is None:
        return None
    return (token.decode() if isinstance(token, bytes) else str(token)).split("|")[0]

"""The job book: each job's life in Redis, written by the submitter and the workers.

Redis is the one store that every machine may write at once (each update is one atomic
command on a field of its own). The SQLite state in ``outputs/`` is not: only the
coordinator (``verbali run --wait``, ``verbali status``) copies finished jobs into it.

Keys: ``verbali:jobs`` (sorted set of job ids by submission time), ``verbali:job:<id>``
(a hash), ``verbali:job:<id>:attempts`` (one entry per delivery to a worker), and
``verbali:pending:<session>:<identity>`` (the job already queued for the same session
and options: a second submission gets its id instead of a second job).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from pipeline.workers.jobs import JobSpec

JOBS = "verbali:jobs"
KEEP_FINISHED = 30 * 24 * 3600  # seconds a finished job stays in the book
FINISHED = ("done", "failed")


def connect(url: str) -> redis.Redis:
    """A client that rides out a broker restart: retries with backoff for about a minute."""
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        retry=Retry(ExponentialBackoff(cap=5.0, base=0.2), retries=20),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        health_check_interval=10,
        socket_connect_timeout=5,
    )


@dataclass
class JobRecord:
    job_id: str
    session_id: str
    recording: str
    outputs: str
    queue: str
    state: str  # queued | running | waiting | retrying | done | failed
    submitted: float
    worker: str | None = None
    started: float | None = None
    finished: float | None = None
    detail: str | None = None
    result: dict[str, Any] | None = None
    recorded: bool = False
    attempts: list[str] = field(default_factory=list)

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED


class JobBook:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    # ----------------------------------------------------------------- submitter

    def reserve(self, spec: JobSpec, job_id: str, ttl: int) -> str | None:
        """Claim the session-and-options slot for ``job_id``; the id already there if another has it."""
        key = _pending_key(spec)
        if self.client.set(key, job_id, nx=True, ex=ttl):
            return None
        existing = self.client.get(key)
        if existing is None or self.get(existing) is None:  # finished meanwhile, or a stale slot
            self.client.set(key, job_id, ex=ttl)
            return None
        return existing

    def queued(self, job_id: str, spec: JobSpec, queue: str) -> None:
        now = time.time()
        fields = {"session_id": spec.session_id, "recording": spec.recording, "outputs": spec.outputs,
                  "queue": queue, "state": "queued", "submitted": now}  # fmt: skip
        with self.client.pipeline() as pipe:
            pipe.hset(_job_key(job_id), mapping=fields).zadd(JOBS, {job_id: now}).execute()

    # ----------------------------------------------------------------- worker

    def delivered(self, job_id: str, worker: str) -> None:
        """Every delivery of the job's message (a retry, a redelivery, a duplicate) is one attempt."""
        stamp = time.strftime("%H:%M:%S")
        self.client.rpush(_attempts_key(job_id), f"{worker} at {stamp}")

    def started(self, job_id: str, worker: str) -> str | None:
        """``worker`` holds the session now; returns the worker of an attempt that stopped unfinished."""
        before = self.client.hmget(_job_key(job_id), ["state", "worker"])
        with self.client.pipeline() as pipe:
            pipe.hset(_job_key(job_id), mapping={"state": "running", "worker": worker, "started": time.time()})
            pipe.hdel(_job_key(job_id), "detail").execute()
        return before[1] if before[0] == "running" else None

    def note(self, job_id: str, state: str, detail: str) -> None:
        self.client.hset(_job_key(job_id), mapping={"state": state, "detail": detail})

    def finished(self, job_id: str, spec: JobSpec, result: dict[str, Any], worker: str) -> None:
        fields = {"state": "done" if result["ok"] else "failed", "finished": time.time(), "worker": worker,
                  "result": json.dumps(result, ensure_ascii=False), "detail": result.get("error") or ""}  # fmt: skip
        with self.client.pipeline() as pipe:
            pipe.hset(_job_key(job_id), mapping=fields)
            pipe.expire(_job_key(job_id), KEEP_FINISHED).expire(_attempts_key(job_id), KEEP_FINISHED)
            pipe.delete(_pending_key(spec)).execute()

    # ----------------------------------------------------------------- coordinator

    def mark_recorded(self, job_id: str) -> None:
        self.client.hset(_job_key(job_id), "recorded", 1)

    def get(self, job_id: str) -> JobRecord | None:
        fields = self.client.hgetall(_job_key(job_id))
        if not fields:
            return None
        return JobRecord(
            job_id=job_id, session_id=fields["session_id"], recording=fields["recording"],
            outputs=fields["outputs"], queue=fields["queue"], state=fields["state"],
            submitted=float(fields["submitted"]), worker=fields.get("worker"),
            started=_number(fields.get("started")), finished=_number(fields.get("finished")),
            detail=fields.get("detail") or None, result=json.loads(fields["result"]) if "result" in fields else None,
            recorded=fields.get("recorded") == "1", attempts=self.client.lrange(_attempts_key(job_id), 0, -1),
        )  # fmt: skip

    def jobs(self, job_ids: list[str] | None = None) -> list[JobRecord]:
        """The given jobs, or every job in the book, oldest first; forgets ids whose record expired."""
        ids = job_ids if job_ids is not None else self.client.zrange(JOBS, 0, -1)
        records = []
        for job_id in ids:
            record = self.get(job_id)
            if record is None and job_ids is None:
                self.client.zrem(JOBS, job_id)
            elif record is not None:
                records.append(record)
        return records


def _job_key(job_id: str) -> str:
    return f"verbali:job:{job_id}"


def _attempts_key(job_id: str) -> str:
    return f"verbali:job:{job_id}:attempts"


def _pending_key(spec: JobSpec) -> str:
    return f"verbali:pending:{spec.session_id}:{spec.identity}"


def _number(text: str | None) -> float | None:
    return float(text) if text else None

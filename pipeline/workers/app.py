"""The Celery app: at-least-once delivery, work done once.

- ``task_acks_late`` + ``task_reject_on_worker_lost``: a job's message is acknowledged only
  when the job has ended; a worker process that dies mid-session puts it back in the queue.
- ``worker_prefetch_multiplier = 1``: a worker holds no job it is not working on, so a free
  worker elsewhere gets it instead.
- Redis ``visibility_timeout`` longer than the longest session: a message not acknowledged
  within it is handed to another worker (that is how a job whose whole worker machine died
  comes back); shorter, and a long session would be started twice (the session lock would
  then make the second wait, and the stage fingerprints would make it a no-op).
- Results go to the job book (``book.py``), not to a Celery result backend.
"""

from __future__ import annotations

from celery import Celery

from pipeline.config import QueueOptions


def make_app(options: QueueOptions) -> Celery:
    from pipeline.workers.tasks import register_tasks

    if not options.broker:
        raise ValueError("make_app needs a broker URL")
    app = Celery("verbali", broker=options.broker, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_proc_alive_timeout=600,  # a new pool process loads the models before it says it is up
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue="cpu",
        task_track_started=False,
        worker_send_task_events=True,  # for Flower
        task_send_sent_event=True,
        worker_hijack_root_logger=True,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a broker restart is waited out, however long
        broker_transport_options={
            "visibility_timeout": options.visibility_timeout,
            "unacked_restore_interval": options.restore_interval,
            "unacked_restore_throttle": 1,
            "socket_timeout": 30,
            "socket_connect_timeout": 5,
            "health_check_interval": 10,
        },
    )
    register_tasks(app, options)
    return app

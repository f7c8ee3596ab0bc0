"""The job queue (Huey): one way to enqueue, after commit.

Storage comes from the settings: a SQLite file by default (no server), Redis with REDIS_URL (any
number of workers on other machines). `python manage.py run_huey` is the worker; `make run`
starts one beside the web server. Jobs are written so that running one twice changes nothing:
what they send is keyed in the database (`notifications.OutgoingEmail.key`, ...).
"""

from __future__ import annotations

from django.db import transaction
from huey.api import TaskWrapper


def enqueue_after_commit(task: TaskWrapper, *args, delay: float | None = None) -> None:
    """Enqueue `task(*args)` once the current transaction commits (at once outside one).

    A job enqueued by a transaction that rolls back never runs, and a job never runs before the
    rows it reads are visible to the worker.
    """

    def enqueue() -> None:
        if delay:
            task.schedule(args=args, delay=delay)
        else:
            task(*args)

    transaction.on_commit(enqueue, robust=True)

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


def jobs_forget(words: set[str]) -> int:
    """Drop the queued and scheduled jobs whose arguments contain one of `words` (a deleted
    member's names: a push that would quote them). How many were dropped.

    The queue is read and written back without the dropped jobs; a worker taking a job meanwhile
    may run it twice, which jobs allow (they are idempotent, see above).
    """
    from huey.contrib.djhuey import HUEY

    def names_one(task) -> bool:
        text = repr((task.args, task.kwargs)).lower()
        return any(word.lower() in text for word in words if word)

    pending, scheduled = HUEY.pending(), HUEY.scheduled()
    dropped = [t for t in pending + scheduled if names_one(t)]
    if not dropped:
        return 0
    HUEY.storage.flush_queue()
    HUEY.storage.flush_schedule()
    for task in pending:
        if not names_one(task):
            HUEY.enqueue(task)
    for task in scheduled:
        if not names_one(task):
            HUEY.add_schedule(task)
    return len(dropped)

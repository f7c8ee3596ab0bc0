"""Jobs of the weekly digest: every hour, plan the week when it is due; one job per batch.

The hourly job acts on Mondays from 08:00 Brussels time (`weeks.is_due`; Huey's crontabs are in
UTC): the first run of the week splits the recipients into batches and enqueues one
`digest_batch` each; later runs only enqueue again a batch a stopped worker lost. A batch sends
its emails itself; one a worker was killed in the middle of is finished by `digest_batch` run
again and by the outbox retrier (`notifications.tasks.retry_emails`).
"""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from community.digest import services
from community.digest.weeks import is_due
from community.notifications.tasks import RETRY


@db_task(**RETRY)
def digest_batch(batch_id: int) -> int:
    return services.run_batch(batch_id=batch_id)


@db_task(**RETRY)
def digest_plan(at=None) -> int:
    """Plan the week of `at` (default now), or find its lost batches; enqueue them. How many."""
    ids = services.plan_week(at=at)
    for batch_id in ids:
        digest_batch(batch_id)
    return len(ids)


@db_periodic_task(crontab(minute="0"), **RETRY)
def weekly_digest() -> int:
    """Every hour on the hour: on Mondays from 08:00 local time, the week's digest."""
    if not is_due(timezone.now()):
        return 0
    return digest_plan.call_local()

"""Periodic jobs of the network: forgotten check-ins, tomorrow's event reminders.

Both are safe to run at any time and any number of times; they run every hour so a worker that
was down at midnight (or at the reminder hour) catches up at its next start.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from community.network.models import RSVP
from community.network.services import check_ins_close_stale, event_fact
from community.notifications.services import notify
from community.notifications.tasks import RETRY

# From this local hour on the day before, those going get their reminder.
REMINDER_HOUR = 9


@db_periodic_task(crontab(minute="5"), **RETRY)
def close_forgotten_check_ins() -> int:
    """Close check-ins left open on an earlier day (replaces the nightly cron line)."""
    return check_ins_close_stale()


@db_periodic_task(crontab(minute="15"), **RETRY)
def remind_tomorrows_events(now: dt.datetime | None = None) -> int:
    """Remind everyone going to an event that starts tomorrow (local day); once per seat and day."""
    now = timezone.localtime(now or timezone.now())
    if now.hour < REMINDER_HOUR:
        return 0
    tomorrow = now.date() + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(tomorrow + dt.timedelta(days=1), dt.time.min))
    going = (
        RSVP.objects.filter(status=RSVP.Status.GOING, event__starts_at__gte=start, event__starts_at__lt=end)
        .select_related("event", "event__space", "member")
        .order_by("pk")
    )
    reminded = 0
    for rsvp in going.iterator(chunk_size=500):
        event = rsvp.event
        told = notify(
            recipient=rsvp.member,
            kind="event_reminder",
            target=event,
            params=event_fact(event),
            url=event.get_absolute_url(),
            key=f"event_reminder:{rsvp.pk}:{tomorrow.isoformat()}",
        )
        reminded += told is not None
    return reminded

"""Which week a digest belongs to, and when it is due: Monday from 08:00, Brussels time.

Huey reads its crontabs in UTC (`HUEY["utc"]`), and 08:00 in Brussels is 07:00 or 06:00 UTC
depending on daylight saving: the hourly job asks `is_due` in local time instead.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

SEND_HOUR = 8  # local, on Mondays
WINDOW = dt.timedelta(days=7)


def week_of(moment: dt.datetime) -> str:
    """ISO year and week of the local day `moment` falls in: "2026-W24"."""
    year, week, _day = timezone.localtime(moment).isocalendar()
    return f"{year}-W{week:02d}"


def is_due(moment: dt.datetime) -> bool:
    """Whether the week's digest is due: Monday from SEND_HOUR on, local time."""
    local = timezone.localtime(moment)
    return local.isoweekday() == 1 and local.hour >= SEND_HOUR


def digest_key(*, member_id: int, week: str) -> str:
    """The outbox key of a member's digest of a week: written and sent once."""
    return f"digest:{member_id}:{week}"

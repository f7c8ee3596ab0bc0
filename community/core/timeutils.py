"""Days in the site's time zone (Europe/Brussels): "today" and "midnight" are local, not UTC."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def start_of_day(day: dt.date) -> dt.datetime:
    """The aware datetime at which that local day begins (DST-safe)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def start_of_today(now: dt.datetime | None = None) -> dt.datetime:
    return start_of_day(timezone.localdate(now or timezone.now()))


def midnight_after(moment: dt.datetime) -> dt.datetime:
    """The local midnight that ends the day `moment` falls in."""
    return start_of_day(timezone.localdate(moment) + dt.timedelta(days=1))


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """[first instant, first instant of the next month) of a local calendar month."""
    first = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return start_of_day(first), start_of_day(following)

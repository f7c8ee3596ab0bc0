"""Events as iCalendar (RFC 5545): one event to add to a calendar, or a feed to subscribe to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import icalendar
from django.utils import timezone

from community.core.text import one_line, printable_text
from community.network.models import Event

PRODID = "-//Coworking Belgium//Community network//EN"
# Stable across hosts and deployments, so a calendar app updates an event rather than duplicating it.
UID_DOMAIN = "coworking-belgium"


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


# What goes into the calendar is cleaned here, not only at the forms: rows stored before the forms
# refused line breaks (or written by the admin or a script) must not break the file, and icalendar
# refuses a raw line break in a one-line property (an AssertionError, a 500 on the .ics).


def event_component(event: Event, *, url: str) -> icalendar.Event:
    component = icalendar.Event()
    component.add("uid", f"event-{event.pk}@{UID_DOMAIN}")
    component.add("dtstamp", _utc(timezone.now()).replace(microsecond=0))
    component.add("dtstart", _utc(event.starts_at))
    component.add("dtend", _utc(event.ends_at))
    component.add("summary", one_line(event.title))
    description = printable_text(event.description).strip()
    component.add("description", f"{description}\n\n{url}" if description else url)
    where = one_line(event.where)
    if where:
        component.add("location", where)
    component.add("url", url)
    if event.space_id and event.space.latitude is not None and event.space.longitude is not None:
        component.add("geo", (event.space.latitude, event.space.longitude))
    return component


def calendar_bytes(events: Iterable[Event], *, url_for, name: str) -> bytes:
    """A VCALENDAR with one VEVENT per event; `url_for(event)` gives each event's absolute URL."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", one_line(name))
    for event in events:
        calendar.add_component(event_component(event, url=url_for(event)))
    return calendar.to_ical()

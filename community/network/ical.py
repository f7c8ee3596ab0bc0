"""Events as iCalendar (RFC 5545): one event to add to a calendar, or a feed to subscribe to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import icalendar
from django.utils import timezone

from community.network.models import Event

PRODID = "-//Coworking Belgium//Community network//EN"
# Stable across hosts and deployments, so a calendar app updates an event rather than duplicating it.
UID_DOMAIN = "coworking-belgium"


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def event_component(event: Event, *, url: str) -> icalendar.Event:
    component = icalendar.Event()
    component.add("uid", f"event-{event.pk}@{UID_DOMAIN}")
    component.add("dtstamp", _utc(timezone.now()).replace(microsecond=0))
    component.add("dtstart", _utc(event.starts_at))
    component.add("dtend", _utc(event.ends_at))
    component.add("summary", event.title)
    if event.description:
        component.add("description", f"{event.description}\n\n{url}")
    else:
        component.add("description", url)
    if event.where:
        component.add("location", event.where)
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
    calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(event_component(event, url=url_for(event)))
    return calendar.to_ical()

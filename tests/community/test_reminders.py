"""The network's periodic jobs: tomorrow's event reminders, forgotten check-ins."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from community.network.models import RSVP, Event
from community.network.tasks import close_forgotten_check_ins, remind_tomorrows_events
from community.notifications.models import Notification
from tests.factories import MemberFactory, SpaceFactory
from tests.fixtures.jobs import run_jobs

pytestmark = pytest.mark.django_db


def _event_tomorrow(space, *, hour=18, title="Apéro des coworkers", days=1) -> Event:
    day = timezone.localdate() + dt.timedelta(days=days)
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 30)))
    return Event.objects.create(
        space=space, title=title, starts_at=starts, ends_at=starts + dt.timedelta(hours=2)
    )


@pytest.mark.clock("morning", "before-midnight", "new-years-eve", "dst-autumn")
def test_those_going_tomorrow_are_reminded_once_in_their_language(clock, django_capture_on_commit_callbacks):
    space = SpaceFactory(name="La Serre")
    tomorrow, later = _event_tomorrow(space), _event_tomorrow(space, days=2, title="Plus tard")
    going = MemberFactory(preferred_language="fr", email="going@example.be")
    waiting, cancelled = MemberFactory(), MemberFactory()
    RSVP.objects.create(event=tomorrow, member=going, status=RSVP.Status.GOING, requested_at=timezone.now())
    RSVP.objects.create(
        event=tomorrow, member=waiting, status=RSVP.Status.WAITING, requested_at=timezone.now()
    )
    RSVP.objects.create(
        event=tomorrow, member=cancelled, status=RSVP.Status.CANCELLED, requested_at=timezone.now()
    )
    RSVP.objects.create(event=later, member=going, status=RSVP.Status.GOING, requested_at=timezone.now())
    if timezone.localtime().hour < 9:
        clock.shift(dt.timedelta(hours=9 - timezone.localtime().hour))

    with django_capture_on_commit_callbacks(execute=True):
        assert remind_tomorrows_events.call_local() == 1
        assert remind_tomorrows_events.call_local() == 0  # the next hour: told already
    run_jobs()

    assert [(n.recipient, n.kind) for n in Notification.objects.all()] == [(going, "event_reminder")]
    [email] = mail.outbox
    assert email.to == ["going@example.be"]
    assert email.subject == "Demain : Apéro des coworkers"
    weekday = tomorrow.starts_at.astimezone(timezone.get_current_timezone())
    assert f"{weekday.day} " in email.body and "18:30 à La Serre" in email.body


@pytest.mark.clock("early")
def test_no_reminder_before_the_reminder_hour(clock):
    event = _event_tomorrow(SpaceFactory())
    RSVP.objects.create(
        event=event, member=MemberFactory(), status=RSVP.Status.GOING, requested_at=timezone.now()
    )

    assert remind_tomorrows_events.call_local() == 0


@pytest.mark.clock("morning")
def test_the_periodic_job_closes_forgotten_check_ins(clock):
    from community.network.models import CheckIn

    space, member = SpaceFactory(), MemberFactory()
    yesterday = timezone.now() - dt.timedelta(days=1)
    check_in = CheckIn.objects.create(space=space, member=member, started_at=yesterday)

    assert close_forgotten_check_ins.call_local() == 1
    assert close_forgotten_check_ins.call_local() == 0
    check_in.refresh_from_db()
    assert check_in.ended_at is not None

"""Writes for the coworking network: check-ins, free trial requests, events and RSVPs, memberships.

Every service validates, writes inside `transaction.atomic` and sends its emails with
`transaction.on_commit`, so nobody is told about something that was rolled back. Capacities
(trial days, event seats) are decided under a lock on the space or event row: `select_for_update`
on PostgreSQL; on SQLite the settings open every transaction with BEGIN IMMEDIATE, so writers
take the database lock in turn and the count-then-insert cannot interleave either.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from community.core.ratelimit import rate_limit_allow, rate_limit_exceeded
from community.core.text import validate_single_line
from community.core.timeutils import midnight_after, start_of_today
from community.network.models import RSVP, CheckIn, Event, Membership, Plan, Space, TrialRequest
from community.network.selectors import can_manage_space
from community.notifications.services import email_transactional, notify
from profiles.models import Member

logger = logging.getLogger(__name__)

# How far ahead a visitor may ask for a trial day.
TRIAL_MAX_DAYS_AHEAD = 180
# (requests, seconds): at most 3 requests a day per email address and 10 an hour per IP address.
TRIAL_LIMIT_PER_EMAIL = (3, 24 * 3600)
TRIAL_LIMIT_PER_IP = (10, 3600)


# ---------------------------------------------------------------------------------------------
# Check-ins
# ---------------------------------------------------------------------------------------------


def _field_error(field: str, message: str, code: str) -> ValidationError:
    # ValidationError({field: message}, code=...) drops the code; tests and API callers rely on it.
    return ValidationError({field: ValidationError(message, code=code)})


def _close_at(check_in: CheckIn, now: dt.datetime) -> dt.datetime:
    # A forgotten check-out ends at the midnight that closed its day, never later.
    return min(now, midnight_after(check_in.started_at))


def check_ins_close_stale(*, now: dt.datetime | None = None) -> int:
    """Close every open check-in begun before today at the midnight that ended its day.

    Returns how many were closed. Safe to run at any time and any number of times.
    """
    now = now or timezone.now()
    closed = 0
    with transaction.atomic():
        stale = CheckIn.objects.select_for_update().filter(
            ended_at__isnull=True, started_at__lt=start_of_today(now)
        )
        for check_in in stale:
            check_in.ended_at = midnight_after(check_in.started_at)
            check_in.save(update_fields=["ended_at"])
            closed += 1
    return closed


def check_in_start(*, member: Member, space: Space, now: dt.datetime | None = None) -> CheckIn:
    """Check `member` in at `space` and return the open check-in.

    Idempotent: checking in again where one already is returns the same check-in. Checking in at
    another space first checks out of the previous one. A check-in forgotten on an earlier day
    is closed at that day's midnight first. Only one open check-in per member ever exists (a
    database constraint backs this, so a double click cannot make two).
    """
    if not member.is_authenticated or not member.is_active:
        raise PermissionDenied(_("Log in to check in."))
    now = now or timezone.now()
    with transaction.atomic():
        current = CheckIn.objects.select_for_update().filter(member=member, ended_at__isnull=True).first()
        if current is not None:
            if current.started_at >= start_of_today(now) and current.space_id == space.pk:
                return current
            current.ended_at = _close_at(current, now)
            current.save(update_fields=["ended_at"])
        try:
            with transaction.atomic():
                return CheckIn.objects.create(member=member, space=space, started_at=now)
        except IntegrityError:
            # A concurrent click won the race; its check-in is the member's open one.
            return CheckIn.objects.get(member=member, ended_at__isnull=True)


def check_in_end(*, member: Member, now: dt.datetime | None = None) -> CheckIn | None:
    """Check `member` out of wherever they are; returns the closed check-in, or None if none was open.

    A check-in from an earlier day is closed at that day's midnight, not now.
    """
    now = now or timezone.now()
    with transaction.atomic():
        current = CheckIn.objects.select_for_update().filter(member=member, ended_at__isnull=True).first()
        if current is None:
            return None
        current.ended_at = _close_at(current, now)
        current.save(update_fields=["ended_at"])
        return current


# ---------------------------------------------------------------------------------------------
# Memberships
# ---------------------------------------------------------------------------------------------


def membership_set(*, member: Member, space: Space, plan: Plan | None = None) -> Membership:
    """Make `member` a member of `space` on `plan` (creating or updating the one membership)."""
    if plan is not None and plan.space_id != space.pk:
        raise _field_error("plan", _("This plan belongs to another space."), "plan_of_other_space")
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            member=member, space=space, defaults={"plan": plan, "is_active": True}
        )
        if not created and (membership.plan_id != (plan.pk if plan else None) or not membership.is_active):
            membership.plan, membership.is_active = plan, True
            membership.save(update_fields=["plan", "is_active"])
    return membership


# ---------------------------------------------------------------------------------------------
# Free trial requests
# ---------------------------------------------------------------------------------------------


def _send(*, to: Iterable[str], template: str, context: dict, language: str, about: TrialRequest) -> None:
    """Render `templates/community/emails/<template>.txt` (first line: subject) in `language` and
    put it in the outbox: sent by the job queue, retried while the mail server is down, once."""
    # Emails have no request to build links from; SITE_URL (when the settings give one) does.
    context = {"site_url": settings.SITE_URL.rstrip("/"), **context}
    with translation.override(language):
        text = render_to_string(f"community/emails/{template}.txt", context)
    subject, _sep, body = text.strip().partition("\n")
    for address in to:
        email_transactional(
            to=address,
            key=f"{template}:{about.pk}:{address}",
            subject=subject.strip(),
            text=body.strip() + "\n",
            language=language,
        )


def _manager_language(manager: Member) -> str:
    return manager.reading_language


def _announce_trial_received(trial: TrialRequest) -> None:
    _send(
        to=[trial.email],
        template="trial_received",
        context={"trial": trial},
        language=trial.language,
        about=trial,
    )
    for manager in trial.space.managers.filter(is_active=True).exclude(email=""):
        _send(
            to=[manager.email],
            template="trial_to_manager",
            context={"trial": trial, "manager": manager},
            language=_manager_language(manager),
            about=trial,
        )


def trial_request_create(
    *,
    space: Space,
    name: str,
    email: str,
    date: dt.date,
    message: str = "",
    ip: str | None = None,
    language: str | None = None,
) -> TrialRequest:
    """Record a visitor's request for a free trial day and email them a confirmation.

    Refuses (ValidationError naming the field) a past day, a day too far ahead, a day the space is
    closed, a second request for the same day by the same email, a full day, and a visitor who
    asked too often (per email and per IP address). The per-space daily capacity holds even for
    simultaneous requests: the count and the insert happen under a lock on the space row.
    """
    email = email.strip().lower()
    name = name.strip()
    today = timezone.localdate()
    if date < today:
        raise _field_error("date", _("This day is in the past. Pick today or a later day."), "past_day")
    if date > today + dt.timedelta(days=TRIAL_MAX_DAYS_AHEAD):
        raise _field_error("date", _("Pick a day within the next six months."), "too_far")
    if not space.is_open_on(date):
        raise _field_error(
            "date",
            _("%(space)s is closed on %(weekday)s. Pick one of its opening days.")
            % {"space": space.name, "weekday": formats.date_format(date, "l")},
            "closed",
        )
    # Only requests that went through count; a refused form is not a flood.
    email_key, ip_key = f"trial:email:{email}", f"trial:ip:{ip}"
    email_limit = {"limit": TRIAL_LIMIT_PER_EMAIL[0], "window": TRIAL_LIMIT_PER_EMAIL[1]}
    ip_limit = {"limit": TRIAL_LIMIT_PER_IP[0], "window": TRIAL_LIMIT_PER_IP[1]}
    if rate_limit_exceeded(email_key, **email_limit) or (ip and rate_limit_exceeded(ip_key, **ip_limit)):
        raise ValidationError(
            _(
                "You have asked for several trial days already. Please try again tomorrow, or write to the space."
            ),
            code="rate_limited",
        )
    with transaction.atomic():
        locked = Space.objects.select_for_update().get(pk=space.pk)
        booked = TrialRequest.objects.filter(space=locked, date=date).exclude(
            status=TrialRequest.Status.DECLINED
        )
        if booked.filter(email=email).exists():
            raise _field_error(
                "date", _("You have already asked for this day. We will answer by email."), "duplicate"
            )
        if booked.count() >= locked.trial_capacity:
            raise _field_error(
                "date", _("This day is fully booked for free trials. Please pick another day."), "full"
            )
        trial = TrialRequest.objects.create(
            space=locked,
            name=name,
            email=email,
            date=date,
            message=message.strip(),
            language=(language or translation.get_language() or settings.LANGUAGE_CODE)[:2],
        )
        transaction.on_commit(lambda: _announce_trial_received(trial))
    rate_limit_allow(email_key, **email_limit)
    if ip:
        rate_limit_allow(ip_key, **ip_limit)
    return trial


def trial_request_decide(*, trial: TrialRequest, by: Member, accept: bool) -> TrialRequest:
    """Accept or decline a pending trial request and email the visitor the answer.

    Only the space's managers (and staff) may decide; an answered request stays answered.
    """
    if not can_manage_space(by, trial.space):
        raise PermissionDenied(_("Only the managers of this space can answer its trial requests."))
    with transaction.atomic():
        locked = TrialRequest.objects.select_for_update().select_related("space").get(pk=trial.pk)
        if locked.status != TrialRequest.Status.PENDING:
            raise ValidationError(_("This request has already been answered."), code="already_answered")
        locked.status = TrialRequest.Status.ACCEPTED if accept else TrialRequest.Status.DECLINED
        locked.decided_at = timezone.now()
        locked.decided_by = by
        locked.save(update_fields=["status", "decided_at", "decided_by"])
        template = "trial_accepted" if accept else "trial_declined"
        transaction.on_commit(
            lambda: _send(
                to=[locked.email],
                template=template,
                context={"trial": locked},
                language=locked.language,
                about=locked,
            )
        )
    return locked


# ---------------------------------------------------------------------------------------------
# Events and RSVPs
# ---------------------------------------------------------------------------------------------


def event_create(
    *,
    by: Member,
    space: Space | None,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    description: str = "",
    place: str = "",
    capacity: int | None = None,
    language: str | None = None,
) -> Event:
    """Create an event at `space` (its managers or staff) or of the whole network (staff only)."""
    if space is None and not by.is_staff:
        raise PermissionDenied(_("Only the network team can create network-wide events."))
    if space is not None and not can_manage_space(by, space):
        raise PermissionDenied(_("Only the managers of this space can create its events."))
    if ends_at < starts_at:
        raise _field_error("ends_at", _("An event cannot end before it starts."), "ends_before_start")
    if capacity is not None and capacity < 1:
        raise _field_error("capacity", _("Leave empty for no limit, or give at least one seat."), "capacity")
    for field, value in (("title", title.strip()), ("place", place.strip())):
        try:
            validate_single_line(value)
        except ValidationError as error:
            raise _field_error(field, error.messages[0], "single_line") from None
    return Event.objects.create(
        space=space,
        title=title.strip(),
        description=description.strip(),
        place=place.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        language=language
        or (space.description_language if space else translation.get_language() or "en")[:2],
        created_by=by,
    )


def event_fact(event: Event) -> dict:
    """What a notification about an event needs to be worded in any language later."""
    return {
        "title": event.title,
        "space": event.space.name if event.space_id else "Coworking Belgium",
        "starts_at": event.starts_at.isoformat(),
    }


def _announce_promoted(rsvps: list[RSVP]) -> None:
    for rsvp in rsvps:
        notify(
            recipient=rsvp.member,
            kind="event_place",
            target=rsvp.event,
            params=event_fact(rsvp.event),
            url=rsvp.event.get_absolute_url(),
            key=f"event_place:{rsvp.pk}:{rsvp.requested_at.isoformat()}",
        )


def _fill_free_seats(event: Event) -> list[RSVP]:
    # Caller holds the lock on the event row.
    waiting = RSVP.objects.filter(event=event, status=RSVP.Status.WAITING).select_related("member", "event")
    if event.capacity is None:
        promoted = list(waiting.order_by("requested_at", "id"))
    else:
        going = RSVP.objects.filter(event=event, status=RSVP.Status.GOING).count()
        free = max(event.capacity - going, 0)
        promoted = list(waiting.order_by("requested_at", "id")[:free]) if free else []
    for rsvp in promoted:
        rsvp.status = RSVP.Status.GOING
        rsvp.save(update_fields=["status"])
    return promoted


def event_fill_free_seats(*, event: Event) -> list[RSVP]:
    """Give freed seats (after a cancellation or a larger capacity) to the waiting list, first come first
    served; each promoted member is emailed after commit. Returns the promoted RSVPs."""
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        promoted = _fill_free_seats(locked)
        if promoted:
            transaction.on_commit(lambda: _announce_promoted(promoted))
    return promoted


def rsvp_going(*, event: Event, member: Member, now: dt.datetime | None = None) -> RSVP:
    """Say `member` is going: a seat if one is free, otherwise a place at the end of the waiting list.

    Idempotent (asking again keeps the seat or the place in the queue). The capacity holds under
    concurrent requests: seats are counted and taken under a lock on the event row.
    """
    if not member.is_authenticated or not member.is_active:
        raise PermissionDenied(_("Log in to take part."))
    now = now or timezone.now()
    if event.ends_at < now:
        raise ValidationError(_("This event is over."), code="event_over")
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        rsvp = RSVP.objects.filter(event=locked, member=member).first()
        if rsvp is not None and rsvp.status in (RSVP.Status.GOING, RSVP.Status.WAITING):
            return rsvp
        going = RSVP.objects.filter(event=locked, status=RSVP.Status.GOING).count()
        status = (
            RSVP.Status.GOING if locked.capacity is None or going < locked.capacity else RSVP.Status.WAITING
        )
        if rsvp is None:
            rsvp = RSVP.objects.create(event=locked, member=member, status=status, requested_at=now)
        else:
            # Coming back after cancelling: to the end of the queue like anyone else.
            rsvp.status, rsvp.requested_at = status, now
            rsvp.save(update_fields=["status", "requested_at"])
    return rsvp


def rsvp_cancel(*, event: Event, member: Member) -> RSVP | None:
    """Cancel `member`'s seat or waiting-list place; a freed seat goes to the first one waiting.

    Returns the cancelled RSVP, or None when the member had none.
    """
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        rsvp = RSVP.objects.filter(event=locked, member=member).first()
        if rsvp is None or rsvp.status == RSVP.Status.CANCELLED:
            return rsvp
        was_going = rsvp.status == RSVP.Status.GOING
        rsvp.status = RSVP.Status.CANCELLED
        rsvp.save(update_fields=["status"])
        if was_going:
            promoted = _fill_free_seats(locked)
            if promoted:
                transaction.on_commit(lambda: _announce_promoted(promoted))
    return rsvp

"""The member's data in the coworking network: memberships, check-ins, RSVPs, free-trial requests.

Trial requests are made without an account, by email: the member's are those sent from their
address. Events they created belong to the space and stay (their link to the member is nulled).
"""

from __future__ import annotations

from typing import Any

from community.core.personal_data import PersonalDataSource, personal_data_register
from community.network.models import RSVP, CheckIn, Membership, TrialRequest
from community.network.services import rsvp_cancel


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def memberships_export(member: Any) -> list[dict]:
    return [
        {
            "space": m.space.slug,
            "plan": m.plan.kind if m.plan_id else None,
            "started_on": _iso(m.started_on),
            "active": m.is_active,
        }
        for m in Membership.objects.filter(member=member).select_related("space", "plan").order_by("id")
    ]


def check_ins_export(member: Any) -> list[dict]:
    return [
        {"space": c.space.slug, "started_at": _iso(c.started_at), "ended_at": _iso(c.ended_at)}
        for c in CheckIn.objects.filter(member=member).select_related("space").order_by("id")
    ]


def rsvps_export(member: Any) -> list[dict]:
    return [
        {
            "event": r.event_id,
            "event_title": r.event.title,
            "status": r.status,
            "requested_at": _iso(r.requested_at),
        }
        for r in RSVP.objects.filter(member=member).select_related("event").order_by("id")
    ]


def _trial_requests(member: Any):
    return TrialRequest.objects.filter(email__iexact=member.email)


def trial_requests_export(member: Any) -> list[dict]:
    return [
        {
            "space": t.space.slug,
            "name": t.name,
            "email": t.email,
            "date": _iso(t.date),
            "message": t.message,
            "language": t.language,
            "status": t.status,
            "created_at": _iso(t.created_at),
        }
        for t in _trial_requests(member).select_related("space").order_by("id")
    ]


def rsvps_erase(member: Any) -> None:
    # A seat the member held goes to the first one waiting, as when they cancel.
    for rsvp in (
        RSVP.objects.filter(member=member).exclude(status=RSVP.Status.CANCELLED).select_related("event")
    ):
        rsvp_cancel(event=rsvp.event, member=member)
    RSVP.objects.filter(member=member).delete()


def register() -> None:
    personal_data_register(PersonalDataSource(name="rsvps", export=rsvps_export, erase=rsvps_erase))
    for name, export, rows in (
        ("memberships", memberships_export, lambda m: Membership.objects.filter(member=m)),
        ("check_ins", check_ins_export, lambda m: CheckIn.objects.filter(member=m)),
        ("trial_requests", trial_requests_export, _trial_requests),
    ):
        personal_data_register(
            PersonalDataSource(name=name, export=export, erase=lambda m, rows=rows: rows(m).delete())
        )

"""The member's data in notifications: what they were told, how they want it, their devices.

Push subscriptions are exported without their endpoint and keys: those are the device's
capabilities (whoever holds them can push to it), not facts about the member.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext

from community.core.personal_data import PersonalDataSource, personal_data_register
from community.notifications import email
from community.notifications.models import (
    Notification,
    NotificationPreference,
    OutgoingEmail,
    PushSubscription,
)
from community.notifications.services import email_transactional, notify
from profiles.privacy import data_export_ready


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def notifications_export(member: Any) -> list[dict]:
    return [
        {
            "kind": n.kind,
            "params": n.params,
            "url": n.url,
            "created": _iso(n.created),
            "read_at": _iso(n.read_at),
        }
        for n in Notification.objects.filter(recipient=member).order_by("id")
    ]


def notifications_erase(member: Any) -> None:
    # Also the notifications others got about what this member did: their params quote them.
    Notification.objects.filter(Q(recipient=member) | Q(actor=member)).delete()


def preferences_export(member: Any) -> list[dict]:
    return [
        {"topic": p.topic, "delivery": p.delivery, "updated": _iso(p.updated)}
        for p in NotificationPreference.objects.filter(member=member).order_by("topic")
    ]


def push_subscriptions_export(member: Any) -> list[dict]:
    return [
        {
            "device": s.label,
            "user_agent": s.user_agent,
            "created": _iso(s.created),
            "last_success": _iso(s.last_success),
        }
        for s in PushSubscription.objects.filter(member=member).order_by("id")
    ]


MIN_NAME_MATCH = 5


def _emails_naming(member: Any):
    """Emails to the member, and those written to others that name them (a missed message)."""
    names = Q(recipient=member) | Q(to__iexact=member.email)
    # A short name ("Jo") would match words in strangers' emails ("bonjour"): names from five
    # characters on, the email address always.
    words = {w for w in (member.username, member.display_name) if len(w) >= MIN_NAME_MATCH} | {member.email}
    for word in words - {""}:
        names |= Q(subject__icontains=word) | Q(text__icontains=word) | Q(html__icontains=word)
    return OutgoingEmail.objects.filter(names)


def emails_export(member: Any) -> list[dict]:
    return [
        {"subject": e.subject, "created": _iso(e.created), "sent_at": _iso(e.sent_at)}
        for e in OutgoingEmail.objects.filter(Q(recipient=member) | Q(to__iexact=member.email)).order_by("id")
    ]


def data_export_was_ready(sender, export, url: str, **kwargs) -> None:
    """Tell the member their archive is ready: in the site, and by email (in their language)."""
    member = export.member
    link = email.absolute(url)
    notify(recipient=member, kind="data_export_ready", url=url)
    with translation.override(member.reading_language):
        email_transactional(
            to=member.email,
            key=f"data-export:{export.pk}",
            subject=gettext("Your data is ready to download"),
            text=gettext(
                "The archive of your data is ready. Log in and download it from your data page "
                "(only you can): %(link)s\n\nIt is deleted in %(hours)d hours."
            )
            % {"link": link, "hours": settings.DATA_EXPORT_EXPIRY_HOURS},
            language=member.reading_language,
        )


def register() -> None:
    data_export_ready.connect(data_export_was_ready, dispatch_uid="notifications.data_export_ready")
    personal_data_register(
        PersonalDataSource(name="notifications", export=notifications_export, erase=notifications_erase)
    )
    personal_data_register(
        PersonalDataSource(
            name="notification_preferences",
            export=preferences_export,
            erase=lambda m: NotificationPreference.objects.filter(member=m).delete(),
        )
    )
    personal_data_register(
        PersonalDataSource(
            name="push_subscriptions",
            export=push_subscriptions_export,
            erase=lambda m: PushSubscription.objects.filter(member=m).delete(),
        )
    )
    personal_data_register(
        PersonalDataSource(name="emails", export=emails_export, erase=lambda m: _emails_naming(m).delete())
    )

"""Writes of the notifications app: store a fact, mark it read, set a preference."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.core.errors import ServiceError
from community.core.jobs import enqueue_after_commit
from community.notifications import email, tasks
from community.notifications.kinds import KINDS, TOPICS
from community.notifications.models import Delivery, Notification, NotificationPreference
from community.notifications.signals import notification_stored
from profiles.models import Member


class NotificationError(ServiceError):
    pass


def _checked_url(url: str) -> str:
    if (
        url
        and not (url.startswith("/") and not url.startswith("//"))
        and not url.startswith(("https://", "http://"))
    ):
        # Shown as a link in the menu and in emails: never a javascript: or other scheme.
        raise NotificationError(
            "invalid_url", _("A notification links to a page of the site or an http(s) address.")
        )
    return url[:500]


def notify(
    *,
    recipient: Member,
    kind: str,
    actor: Member | None = None,
    target: models.Model | None = None,
    params: dict | None = None,
    url: str = "",
    key: str | None = None,
) -> Notification | None:
    """Store a notification (a fact, put into words when shown) and deliver it.

    After commit it reaches the recipient's open tabs (messaging listens to `notification_stored`),
    and by email when their preference for its topic says right away (written in the same
    transaction, sent by the queue); a "digest" topic waits for the weekly digest. With `key`, a fact told before is not told again
    (returns None).
    """
    url = _checked_url(url)
    if kind not in KINDS:
        raise NotificationError("unknown_kind", _("Unknown kind of notification."))
    fields = {
        "recipient": recipient,
        "kind": kind,
        "actor": actor,
        "params": params or {},
        "url": url,
        "key": key,
    }
    if target is not None:
        fields["target_type"] = ContentType.objects.get_for_model(target)
        fields["target_id"] = target.pk
    try:
        with transaction.atomic():
            notification = Notification.objects.create(**fields)
            # The email is written with the fact, in one transaction (an outbox): a crash after
            # the commit, or a worker killed while sending, leaves it for the retrier.
            row = email.write_for_notification(notification)
            notification_stored.send(sender=Notification, notification=notification)
    except IntegrityError:
        if key and Notification.objects.filter(key=key).exists():
            return None
        raise
    if row is not None:
        enqueue_after_commit(tasks.send_email, row.pk)
    return notification


def email_transactional(*, to: str, key: str, subject: str, text: str, language: str) -> None:
    """Put a plain-text email in the outbox (see `email.write_transactional`); sent after commit."""
    row = email.write_transactional(to=to, key=key, subject=subject, text=text, language=language)
    if row is not None:
        enqueue_after_commit(tasks.send_email, row.pk)


def notifications_mark_read(*, member: Member, ids: Iterable[int] | None = None) -> int:
    """Mark the member's notifications read (all, or the given ids); returns how many changed."""
    qs = Notification.objects.filter(recipient=member, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def preference_set(*, member: Member, topic: str, delivery: str) -> NotificationPreference:
    """Choose how `topic` reaches `member` (right away, in the digest, never)."""
    known = TOPICS.get(topic)
    if known is None:
        raise NotificationError("unknown_topic", _("Unknown kind of notification."))
    if delivery not in known.choices:
        raise NotificationError("invalid_delivery", _("This choice is not available for this kind."))
    preference, _created = NotificationPreference.objects.update_or_create(
        member=member, topic=topic, defaults={"delivery": delivery, "updated": timezone.now()}
    )
    return preference


def unsubscribe(*, member_id: int, topic: str) -> bool:
    """Turn one topic off for a member (the one-click link in an email); False if unknown."""
    member = Member.objects.filter(pk=member_id, is_active=True).first()
    if member is None or topic not in TOPICS:
        return False
    preference_set(member=member, topic=topic, delivery=Delivery.NEVER)
    return True

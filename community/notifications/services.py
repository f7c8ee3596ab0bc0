"""Writes of the notifications app: store a fact, mark it read, set a preference."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from community.core.errors import ServiceError
from community.core.jobs import enqueue_after_commit
from community.notifications import email, tasks
from community.notifications.kinds import KINDS, TOPICS
from community.notifications.models import (
    Delivery,
    Notification,
    NotificationPreference,
    PushSubscription,
)
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
        fields["target_type"] = target._meta.label_lower
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


# A member's devices past this many: the one that went longest without a notification is dropped
# (each notification is one request per device: a member must not make the site post thousands).
PUSH_DEVICES_PER_MEMBER = 20
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
_HOST_NAME = re.compile(r"(?:[a-z0-9-]+\.)+[a-z]{2,63}")


def _push_endpoint(endpoint: str) -> str:
    """The push service's address, if it is one the site may post to."""
    refused = NotificationError(
        "invalid_endpoint", _("A device's push address must be an https address of a push service.")
    )
    endpoint = endpoint.strip()
    if not endpoint or len(endpoint) > PushSubscription._meta.get_field("endpoint").max_length:
        raise refused
    try:
        parts = urlsplit(endpoint)
        host, _port = (parts.hostname or ""), parts.port  # .port: ValueError if it is no number
    except ValueError:
        raise refused from None
    if parts.username or parts.password or parts.fragment:
        raise refused
    if parts.scheme == "http" and host in _LOOPBACK_HOSTS and settings.PUSH_ALLOW_LOOPBACK_HTTP:
        return endpoint  # a push service on this machine (tests, local development)
    # The site posts to this address: push services have a name under a real top-level domain,
    # so no address of the site's own network is taken (127.1, 10.0.0.5, [::1], 2130706433).
    if parts.scheme != "https" or not _HOST_NAME.fullmatch(host) or host.endswith(".localhost"):
        raise refused
    return endpoint


def _push_key(value: str, *, size: int) -> bytes:
    """The bytes of a base64url key of `size` bytes, padded or not (browsers send either)."""
    if not _BASE64URL.fullmatch(value):
        raise ValueError
    unpadded = value.rstrip("=")
    raw = base64.urlsafe_b64decode(unpadded + "=" * (-len(unpadded) % 4))
    if len(raw) != size:
        raise ValueError
    return raw


def _unpadded(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def push_subscription_save(
    *, member: Member, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> tuple[PushSubscription, bool]:
    """Remember that this device (its push address and keys) shows the member's notifications.

    Promises: a device is one row, whichever member allowed it (`endpoint` is unique): allowing
    again updates its keys; a device that already shows another member's notifications is a 409
    (the browser makes a new subscription for the new member, and the old one dies). Only https
    push addresses outside the site's own network, and keys that are a P-256 point (65 bytes) and
    a 16-byte secret. Returns (subscription, created).
    """
    endpoint = _push_endpoint(endpoint)
    try:
        point = _push_key(p256dh.strip(), size=65)
        secret = _push_key(auth.strip(), size=16)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)  # on the curve
    except ValueError:
        raise NotificationError("invalid_keys", _("The device's keys are not valid web push keys.")) from None
    fields = {"p256dh": _unpadded(point), "auth": _unpadded(secret), "user_agent": user_agent[:300]}
    try:
        return _push_subscription_write(member=member, endpoint=endpoint, fields=fields)
    except IntegrityError:
        # The same device posted twice at once, and the other request wrote it first.
        return _push_subscription_write(member=member, endpoint=endpoint, fields=fields)


def _push_subscription_write(*, member: Member, endpoint: str, fields: dict) -> tuple[PushSubscription, bool]:
    with transaction.atomic():
        subscription = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
        if subscription is not None and subscription.member_id != member.pk:
            raise NotificationError(
                "device_taken",
                _("This device shows another member's notifications: subscribe it anew to get yours."),
                status=409,
            )
        created = subscription is None
        if created:
            subscription = PushSubscription.objects.create(member=member, endpoint=endpoint, **fields)
        else:
            for name, value in fields.items():
                setattr(subscription, name, value)
            subscription.save(update_fields=list(fields))
        beyond = (
            PushSubscription.objects.filter(member=member)
            .order_by(Coalesce("last_success", "created").desc(), "-id")
            .values_list("pk", flat=True)[PUSH_DEVICES_PER_MEMBER:]
        )
        PushSubscription.objects.filter(pk__in=list(beyond)).delete()
    return subscription, created


def push_subscription_remove(*, member: Member, pk: int | None = None, endpoint: str | None = None) -> None:
    """Stop notifications on one of the member's devices (by id, or by its push address).

    Someone else's device, or none, is a 404: whose devices exist is nobody else's business.
    """
    mine = PushSubscription.objects.filter(member=member)
    if pk is not None:
        mine = mine.filter(pk=pk)
    elif endpoint:
        mine = mine.filter(endpoint=endpoint.strip())
    else:
        mine = mine.none()
    removed, _kinds = mine.delete()
    if not removed:
        raise NotificationError("not_found", _("No such device."), status=404)

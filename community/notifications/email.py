"""Emails: written in the recipient's language into the outbox, sent by the job queue.

Every email has one shape (`Email`: a subject, paragraphs, items, an action button) rendered by one
layout (`templates/notifications/email.txt` and `email.html`, its CSS inlined for mail clients),
with a footer that says why it came and a one-click unsubscribe for its topic alone
(`List-Unsubscribe` + `List-Unsubscribe-Post`, RFC 8058).

Sending (`email_send`) claims each row just before it goes (a conditional update), so two workers
never send the same email; a refusal or a server that is down leaves it for a later attempt,
backing off.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from community.notifications.kinds import KINDS, TOPICS, render
from community.notifications.models import Delivery, Notification, OutgoingEmail
from community.notifications.selectors import delivery_for
from community.notifications.tokens import unsubscribe_token
from profiles.models import Member

logger = logging.getLogger(__name__)


def _claim_seconds() -> int:
    # A sender holds an email this long before another may try it (longer than any SMTP timeout).
    return settings.EMAIL_CLAIM_SECONDS


MAX_ATTEMPTS = 10
_inliner = css_inline.CSSInliner(keep_style_tags=False)


@dataclass
class Item:
    title: str
    text: str = ""
    url: str = ""


@dataclass
class Email:
    subject: str
    paragraphs: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    action_label: str = ""
    action_url: str = ""


def absolute(url: str) -> str:
    """A link for an email: emails have no request to build it from, SITE_URL does."""
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL.rstrip("/") + url


def unsubscribe_url(*, member_id: int, topic: str) -> str:
    token = unsubscribe_token(member_id=member_id, topic=topic)
    return absolute(reverse("notifications:unsubscribe", args=[token]))


def _render(member: Member, topic: str, email: Email) -> tuple[str, str]:
    context = {
        "email": email,
        "member": member,
        "topic": TOPICS[topic],
        "unsubscribe_url": unsubscribe_url(member_id=member.pk, topic=topic),
        "preferences_url": absolute(reverse("notifications:preferences")),
        "site_url": settings.SITE_URL.rstrip("/"),
    }
    text = render_to_string("notifications/email.txt", context)
    html = _inliner.inline(render_to_string("notifications/email.html", context))
    return text, html


def _row(
    *,
    member: Member,
    topic: str,
    key: str,
    compose,
    language: str | None = None,
    notification: Notification | None = None,
) -> OutgoingEmail:
    """The email worded in the member's language (`compose()` is called in it), not saved yet."""
    language = language or member.reading_language
    with translation.override(language):
        email = compose()
        text, html = _render(member, topic, email)
    return OutgoingEmail(
        key=key[:200],
        recipient=member,
        to=member.email,
        topic=topic,
        language=language,
        subject=str(email.subject)[:300],
        text=text,
        html=html,
        notification=notification,
    )


def write(
    *,
    member: Member,
    topic: str,
    key: str,
    compose,
    language: str | None = None,
    notification: Notification | None = None,
) -> OutgoingEmail | None:
    """Put an email in the outbox unless one with `key` exists (the caller sends it: `email_send`
    from a job, or `services.email_queue` from a request, after commit).

    `compose()` returns the `Email`, called in the member's language. Returns the new row, or
    None when the member has no address or the email was written before (nothing twice).
    """
    if not member.email or not member.is_active:
        return None
    if OutgoingEmail.objects.filter(key=key[:200]).exists():
        return None
    row = _row(
        member=member, topic=topic, key=key, compose=compose, language=language, notification=notification
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # written by a concurrent job meanwhile
        return None
    return row


def write_transactional(*, to: str, key: str, subject: str, text: str, language: str) -> OutgoingEmail | None:
    """An email that answers what someone did (a visitor's trial request, its answer): plain text,
    no topic and no unsubscribe, sent through the same outbox (retried, never twice)."""
    if not to:
        return None
    try:
        with transaction.atomic():
            return OutgoingEmail.objects.create(
                key=key[:200], to=to, topic="", language=language, subject=subject[:300], text=text, html=""
            )
    except IntegrityError:  # written before
        return None


def write_for_notification(notification: Notification) -> OutgoingEmail | None:
    """The email of a notification whose topic its recipient wants right away (None otherwise)."""
    kind = KINDS.get(notification.kind)
    if kind is None or kind.topic is None:
        return None
    recipient = notification.recipient
    if delivery_for(member=recipient, topic=kind.topic) != Delivery.IMMEDIATELY:
        return None

    def compose() -> Email:
        words = render(notification)
        return Email(
            subject=words.title,
            paragraphs=[words.body] if words.body else [],
            action_label=words.action,
            action_url=absolute(notification.url),
        )

    return write(
        member=recipient,
        topic=kind.topic,
        key=f"notification:{notification.pk}",
        compose=compose,
        notification=notification,
    )


def write_many(*, topic: str, emails: Iterable[tuple[Member, str, Callable[[], Email]]]) -> int:
    """`write` for a job's many emails, (member, key, compose) each: one query finds the keys
    written before, the others are worded in their member's language, then all are stored in
    one short transaction (a key a concurrent job wrote meanwhile is skipped). Returns how many
    were new when looked up; the caller sends them (`unsent_email_ids`, `email_send`)."""
    pending = [
        (member, key[:200], compose) for member, key, compose in emails if member.email and member.is_active
    ]
    if not pending:
        return 0
    before = set(
        OutgoingEmail.objects.filter(key__in=[key for _member, key, _compose in pending]).values_list(
            "key", flat=True
        )
    )
    rows = [
        _row(member=member, topic=topic, key=key, compose=compose)
        for member, key, compose in pending
        if key not in before
    ]
    with transaction.atomic():
        OutgoingEmail.objects.bulk_create(rows, batch_size=100, ignore_conflicts=True)
    return len(rows)


def _message_id(row: OutgoingEmail) -> str:
    # Stable per email: a resend after a crash between "accepted" and "marked sent" carries the
    # same Message-ID, which mail systems use to drop the duplicate.
    domain = urlsplit(settings.SITE_URL).hostname or "coworking.example"
    digest = hashlib.sha256(row.key.encode()).hexdigest()[:24]
    return f"<{digest}.{row.pk}@{domain}>"


def _message(row: OutgoingEmail, connection) -> EmailMultiAlternatives:
    unsubscribe = (
        unsubscribe_url(member_id=row.recipient_id, topic=row.topic) if row.recipient_id and row.topic else ""
    )
    headers = {"Message-ID": _message_id(row), "Auto-Submitted": "auto-generated"}
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        row.subject, row.text, settings.DEFAULT_FROM_EMAIL, [row.to], headers=headers, connection=connection
    )
    if row.html:
        message.attach_alternative(row.html, "text/html")
    return message


def _claim(pk: int, written: dict[int, OutgoingEmail]) -> OutgoingEmail | None:
    """The email, now held by this sender for one SMTP transaction; None when it is sent, not
    due, given up, or held by another sender.

    Its words (`written`, read once for the whole send: an email never changes once written)
    come with it; its notification is read again now, just before it goes (read in the site
    meanwhile, it is not sent)."""
    now = timezone.now()
    claimed = (
        OutgoingEmail.objects.filter(
            pk=pk, sent_at__isnull=True, given_up_at__isnull=True, next_attempt_at__lte=now
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=_claim_seconds()))
    )
    if not claimed:
        return None
    row = written.get(pk) or OutgoingEmail.objects.filter(pk=pk).first()
    if row is not None and row.notification_id is not None:
        row.notification = Notification.objects.filter(pk=row.notification_id).first()
    return row


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 1, 2, 4, ... minutes, at most 2 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 120))


def email_send(ids: list[int]) -> int:
    """Send these outbox emails over one connection; returns how many were sent.

    Each email is claimed just before it goes (a sender holds one at a time, however slow the
    server), so an email already sent or held by another sender is skipped: twice sends once.
    """
    sent = 0
    connection = None
    written = OutgoingEmail.objects.in_bulk(list(ids))
    try:
        for pk in ids:
            row = _claim(pk, written)
            if row is None:
                continue
            if row.notification is not None and row.notification.read_at is not None:
                OutgoingEmail.objects.filter(pk=pk).update(
                    given_up_at=timezone.now(),
                    claimed_until=None,
                    last_error="read in the site before it could be sent",
                )
                continue
            if connection is None:
                connection = get_connection(fail_silently=False)
                try:
                    connection.open()
                except Exception as exc:  # the server is down: the rest waits for the retrier
                    connection = None
                    _failed(row, exc)
                    break
            try:
                _message(row, connection).send()
            except Exception as exc:  # refused: a later attempt, backing off
                _failed(row, exc)
                continue
            OutgoingEmail.objects.filter(pk=pk).update(sent_at=timezone.now(), claimed_until=None)
            sent += 1
    finally:
        if connection is not None:
            try:
                connection.close()
            except Exception:  # a server that drops the line after the last message
                logger.warning("closing the mail connection failed", exc_info=True)
    return sent


def _failed(row: OutgoingEmail, exc: Exception) -> None:
    now = timezone.now()
    # (Read again: `row` may have been read before another sender's attempt.)
    attempts = (OutgoingEmail.objects.filter(pk=row.pk).values_list("attempts", flat=True).first() or 0) + 1
    logger.warning("email %s not sent (attempt %s): %s", row.pk, attempts, exc)
    OutgoingEmail.objects.filter(pk=row.pk).update(
        attempts=attempts,
        next_attempt_at=now + backoff(attempts),
        claimed_until=None,
        last_error=str(exc)[:500],
        given_up_at=now if attempts >= MAX_ATTEMPTS else None,
    )


def due_email_ids(*, limit: int = 500) -> list[int]:
    """Unsent emails whose next attempt is due and that no sender holds: the retrier's work."""
    now = timezone.now()
    return list(
        OutgoingEmail.objects.filter(sent_at__isnull=True, given_up_at__isnull=True, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def unsent_email_ids(*, keys: Iterable[str]) -> list[int]:
    """Ids of the outbox emails with these keys that are neither sent nor given up, oldest first:
    what a job that wrote them (now or in a run that stopped half-way) still has to send."""
    return list(
        OutgoingEmail.objects.filter(key__in=list(keys), sent_at__isnull=True, given_up_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )

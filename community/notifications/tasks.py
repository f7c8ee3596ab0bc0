"""Jobs of the notifications app: send the outbox, retry what a mail server refused, push to devices."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import pgettext
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

from community.notifications import email, push
from community.notifications.kinds import KINDS, MESSAGES, render
from community.notifications.models import Delivery, Notification
from community.notifications.selectors import delivery_for
from profiles.models import Member

# Job failures (a locked database, a lost connection) are retried by the queue, backing off;
# a mail server's refusal is not a job failure: the email waits in the outbox for `retry_emails`.
RETRY = {"retries": 5, "retry_delay": 5, "retry_backoff": 2}


@db_task(**RETRY)
def send_email(*ids: int) -> int:
    return email.email_send(list(ids))


@db_periodic_task(crontab(minute="*"), **RETRY)
def retry_emails() -> int:
    """Every minute: send what is due again (refused, server down, or a worker that stopped)."""
    sent = 0
    while ids := email.due_email_ids():
        done = email.email_send(ids)
        sent += done
        if not done:
            break
    return sent


@on_startup()
def send_what_was_left() -> None:
    """A worker that starts (again) sends at once what a stopped one left unsent."""
    retry_emails.call_local()


@db_task(**RETRY)
def push_notification(notification_id: int) -> int:
    """Push a stored notification to its recipient's devices when their topic says right away.

    Worded in the recipient's language; how many devices took it (0 when not pushed).
    """
    notification = (
        Notification.objects.select_related("recipient", "actor").filter(pk=notification_id).first()
    )
    if notification is None or notification.read_at is not None or not notification.recipient.is_active:
        return 0
    kind = KINDS.get(notification.kind)
    if kind is None or kind.topic is None:
        return 0
    recipient = notification.recipient
    if delivery_for(member=recipient, topic=kind.topic) != Delivery.IMMEDIATELY:
        return 0
    with translation.override(recipient.reading_language):
        words = render(notification)
    return push.push_to_member(
        recipient.pk,
        {
            "title": words.title,
            "body": words.body,
            "url": notification.url or "/",
            "tag": f"notification-{notification.pk}",
        },
    )


@db_task(**RETRY)
def push_message(member_id: int, conversation_id: int, sender_name: str, excerpt: str, url: str) -> int:
    """Push a direct message (or a message request) to the member's devices, when their
    "messages" topic says right away. One notification per conversation on the device: a newer
    message replaces the one shown (same tag). How many devices took it.
    """
    recipient = Member.objects.filter(pk=member_id, is_active=True).first()
    if recipient is None or delivery_for(member=recipient, topic=MESSAGES) != Delivery.IMMEDIATELY:
        return 0
    with translation.override(recipient.reading_language):
        title = pgettext("push notification", "%(name)s sent you a message") % {"name": sender_name}
    return push.push_to_member(
        recipient.pk, {"title": title, "body": excerpt, "url": url, "tag": f"conversation-{conversation_id}"}
    )

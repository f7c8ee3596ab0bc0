"""Jobs of the notifications app: send the outbox, retry what a mail server refused."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from community.notifications import email
from community.notifications.kinds import KINDS, render
from community.notifications.models import Delivery, Notification
from community.notifications.selectors import delivery_for

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


@db_task(**RETRY)
def deliver_notification(notification_id: int) -> None:
    """Email a stored notification to its recipient when their topic says right away."""
    notification = (
        Notification.objects.select_related("recipient", "actor").filter(pk=notification_id).first()
    )
    if notification is None or notification.read_at is not None:
        return  # gone, or seen in the site meanwhile
    kind = KINDS.get(notification.kind)
    if kind is None or kind.topic is None:
        return
    recipient = notification.recipient
    if delivery_for(member=recipient, topic=kind.topic) != Delivery.IMMEDIATELY:
        return

    def compose() -> email.Email:
        words = render(notification)
        return email.Email(
            subject=words.title,
            paragraphs=[words.body] if words.body else [],
            action_label=words.action,
            action_url=email.absolute(notification.url),
        )

    row = email.write(
        member=recipient, topic=kind.topic, key=f"notification:{notification.pk}", compose=compose
    )
    if row is not None:
        email.email_send([row.pk])

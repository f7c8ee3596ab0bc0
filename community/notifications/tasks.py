"""Jobs of the notifications app: send the outbox, retry what a mail server refused."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

from community.notifications import email

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

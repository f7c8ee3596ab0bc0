"""The real worker (`manage.py run_huey`, not eager mode) with a real SMTP server.

What is committed gets sent; a worker killed in the middle of a batch loses nothing when it
starts again, and sends nothing twice.
"""

from __future__ import annotations

import time

import pytest

from community.notifications.models import OutgoingEmail
from community.notifications.services import notify
from tests.factories import MemberFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CLAIM_SECONDS = 2  # how long a killed worker's email stays held (120 s in production)


def _match(recipient, author, n=0):
    return notify(
        recipient=recipient,
        kind="help_match",
        actor=author,
        params={"title": f"Request {n}"},
        url=f"/help/{n}/",
    )


def _sent_mark(row, timeout):
    deadline = time.monotonic() + timeout
    while True:
        row.refresh_from_db()
        if row.sent_at is not None or time.monotonic() > deadline:
            return row.sent_at
        time.sleep(0.05)


def test_a_committed_notification_is_emailed_by_the_worker(smtp_server, worker_factory):
    worker = worker_factory(**smtp_server.env)
    helper = MemberFactory(email="helper@example.be", preferred_language="fr")

    _match(helper, MemberFactory(display_name="Camille"))

    [mail] = smtp_server.wait_for(1, timeout=30)
    assert str(mail["Subject"]).strip() == "Camille aurait besoin de votre aide : Request 0", worker.log()


def test_a_worker_killed_in_the_middle_of_a_batch_loses_and_doubles_nothing(smtp_server, worker_factory):
    smtp_server.slow = 0.2  # each email takes a moment: the kill lands while some are waiting
    worker = worker_factory(**smtp_server.env, EMAIL_CLAIM_SECONDS=str(CLAIM_SECONDS))
    author = MemberFactory()
    helpers = [MemberFactory(email=f"helper{n}@example.be") for n in range(30)]
    for n, helper in enumerate(helpers):
        _match(helper, author, n)

    smtp_server.wait_for(3, timeout=30)
    # Killed while it waits on the server for the next one. (Killed in the instant between the
    # server's "250 accepted" and its own "sent" mark, a worker would send that email again on
    # restart, with the same Message-ID: at least once, never lost.)
    time.sleep(0.1)
    worker.kill()
    sent_before = len(smtp_server.messages)
    assert sent_before < len(helpers), "the batch was over before the kill"
    time.sleep(CLAIM_SECONDS + 0.5)  # what the killed worker held is free again
    worker.start()

    smtp_server.wait_for(len(helpers), timeout=60)
    time.sleep(1)  # anything sent twice would be in by now
    by_recipient: dict[str, list[str]] = {}
    for mail in smtp_server.messages:
        by_recipient.setdefault(str(mail["To"]), []).append(str(mail["Message-ID"]))
    assert sorted(by_recipient) == sorted(h.email for h in helpers), worker.log()
    doubled = {to: ids for to, ids in by_recipient.items() if len(ids) > 1}
    assert doubled == {}, worker.log()
    assert OutgoingEmail.objects.filter(sent_at__isnull=True).count() == 0


def test_with_redis_the_queue_is_on_redis_and_a_worker_anywhere_sends(smtp_server, worker_factory, redis_url):
    """Scale-out: what a web process enqueues on Redis, a worker started with the same REDIS_URL
    (on any machine) runs. The test enqueues as a web process with REDIS_URL would."""
    from huey import RedisHuey

    from community.notifications.email import write_transactional
    from community.notifications.tasks import send_email

    worker_factory(**smtp_server.env, REDIS_URL=redis_url)
    row = write_transactional(
        to="visitor@example.org", key="redis-test", subject="Bienvenue", text="À lundi !", language="fr"
    )
    job = send_email.s(row.pk)
    web_queue = RedisHuey("coworking", url=redis_url)
    web_queue.storage.enqueue(send_email.huey.serialize_task(job), job.priority)

    [mail] = smtp_server.wait_for(1, timeout=30)
    assert str(mail["Subject"]).strip() == "Bienvenue"
    # The worker marks the row sent after the server's "250 accepted": a moment later.
    assert _sent_mark(row, timeout=10) is not None

"""Notification emails through the real queue and a real SMTP server.

The queue is drained in-process (`run_jobs`), the same storage and serialisation as the worker.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from community.notifications import email as outbox
from community.notifications.models import Delivery, NotificationPreference, OutgoingEmail
from community.notifications.services import notify, preference_set
from community.notifications.tasks import retry_emails
from tests.factories import MemberFactory
from tests.fixtures.jobs import run_jobs
from tests.fixtures.smtp import html_of, text_of

pytestmark = pytest.mark.django_db(transaction=True)


def _match(recipient, author, title="Qui peut traduire mon site en néerlandais ?"):
    return notify(
        recipient=recipient,
        kind="help_match",
        actor=author,
        params={"title": title, "excerpt": "Une boutique en ligne, 40 pages."},
        url="/help/7/",
    )


def test_a_notification_is_emailed_in_the_recipients_language_as_text_and_html(smtp_server):
    author = MemberFactory(display_name="Camille Dubois")
    helper = MemberFactory(email="anneleen@example.be", preferred_language="nl")

    _match(helper, author)
    run_jobs()

    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "anneleen@example.be"
    subject = str(mail["Subject"]).strip()  # folded by the sender, unfolded with a leading space
    assert subject == "Camille Dubois kan je hulp goed gebruiken: Qui peut traduire mon site en néerlandais ?"
    text, html = text_of(mail), html_of(mail)
    assert "Une boutique en ligne, 40 pages." in text
    assert "http://127.0.0.1:8000/help/7/" in text
    assert 'style="' in html and "<style" not in html  # CSS inlined for mail clients
    assert "Hallo" in text or "Dag" in text
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (
        str(mail["List-Unsubscribe"]).strip().startswith("<http://127.0.0.1:8000/notifications/unsubscribe/")
    )


def test_running_the_send_twice_sends_once(smtp_server):
    helper = MemberFactory()
    _match(helper, MemberFactory())
    run_jobs()
    row = OutgoingEmail.objects.get()

    outbox.email_send([row.pk])
    outbox.email_send([row.pk])

    smtp_server.wait_for(1)
    assert len(smtp_server.messages) == 1


def test_a_refusing_server_delays_the_email_and_it_is_sent_once_later(smtp_server):
    helper = MemberFactory()
    smtp_server.refuse = True
    _match(helper, MemberFactory())
    run_jobs()

    row = OutgoingEmail.objects.get()
    assert row.sent_at is None and row.attempts == 1 and "451" in row.last_error
    assert smtp_server.messages == []

    smtp_server.refuse = False
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=50)  # backing off
    assert retry_emails.call_local() == 0  # the retrier (every minute) waits for it
    OutgoingEmail.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))  # time passed
    assert retry_emails.call_local() == 1
    assert retry_emails.call_local() == 0
    assert len(smtp_server.wait_for(1)) == 1
    assert OutgoingEmail.objects.get().sent_at is not None


def test_a_server_that_is_down_never_turns_the_request_into_an_error(smtp_server):
    helper = MemberFactory()
    smtp_server.stop()

    _match(helper, MemberFactory())
    run_jobs()

    row = OutgoingEmail.objects.get()
    assert row.sent_at is None and row.attempts == 1


def test_a_topic_set_to_never_or_digest_sends_no_email(smtp_server):
    never, digest = MemberFactory(), MemberFactory()
    preference_set(member=never, topic="help_matches", delivery=Delivery.NEVER)
    preference_set(member=digest, topic="help_matches", delivery=Delivery.DIGEST)

    _match(never, MemberFactory())
    _match(digest, MemberFactory())
    run_jobs()

    assert OutgoingEmail.objects.count() == 0


def test_a_notification_read_before_its_email_could_go_is_not_emailed(smtp_server):
    helper = MemberFactory()
    smtp_server.stop()  # the mail server is down for a while...
    notification = _match(helper, MemberFactory())
    run_jobs()
    notification.read_at = timezone.now()  # ... and the member saw it in the site meanwhile
    notification.save()
    smtp_server.start()
    OutgoingEmail.objects.update(next_attempt_at=timezone.now())

    assert retry_emails.call_local() == 0

    row = OutgoingEmail.objects.get()
    assert row.sent_at is None and row.given_up_at is not None
    assert smtp_server.messages == []


def test_the_one_click_unsubscribe_turns_that_topic_off_without_logging_in(smtp_server):
    helper = MemberFactory()
    _match(helper, MemberFactory())
    run_jobs()
    [mail] = smtp_server.wait_for(1)
    url = str(mail["List-Unsubscribe"]).strip().strip("<>").replace("http://127.0.0.1:8000", "")

    page = Client().get(url)
    assert page.status_code == 200
    assert not NotificationPreference.objects.exists()  # a link scanner's GET changes nothing

    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert NotificationPreference.objects.get(member=helper).topic == "help_matches"
    assert NotificationPreference.objects.get(member=helper).delivery == Delivery.NEVER
    _match(helper, MemberFactory(), title="Autre chose")
    run_jobs()
    assert OutgoingEmail.objects.count() == 1


@pytest.mark.parametrize("token", ["forged", "a" * 300, "W1sxLCJtZXNzYWdlcyJdXQ:bad:sig"])
def test_a_forged_unsubscribe_token_is_refused(token):
    response = Client().post(f"/notifications/unsubscribe/{token}/")

    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_two_senders_at_once_send_each_email_once(smtp_server):
    import threading

    from django.db import connection

    helpers = [MemberFactory() for _ in range(12)]
    for helper in helpers:
        outbox.write(
            member=helper,
            topic="help_matches",
            key=f"k:{helper.pk}",
            compose=lambda: outbox.Email(subject="Hi"),
        )
    ids = list(OutgoingEmail.objects.values_list("pk", flat=True))
    start = threading.Barrier(2)
    sent = []

    def sender() -> None:
        start.wait()
        try:
            sent.append(outbox.email_send(ids))
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(sent) == 12
    smtp_server.wait_for(12)
    assert sorted(str(m["To"]) for m in smtp_server.messages) == sorted(h.email for h in helpers)


def test_writing_many_skips_what_was_written_and_words_each_in_its_readers_language():
    anneleen = MemberFactory(preferred_language="nl")
    camille = MemberFactory(preferred_language="fr")
    nobody = MemberFactory(email="")
    outbox.write(
        member=anneleen, topic="digest", key="k:anneleen", compose=lambda: outbox.Email(subject="first")
    )

    def compose() -> outbox.Email:
        from django.utils.translation import gettext

        return outbox.Email(subject=gettext("Members"))

    written = outbox.write_many(
        topic="digest",
        emails=[
            (anneleen, "k:anneleen", compose),
            (camille, "k:camille", compose),
            (nobody, "k:nobody", compose),
        ],
    )

    assert written == 1
    rows = {row.key: row for row in OutgoingEmail.objects.all()}
    assert set(rows) == {"k:anneleen", "k:camille"}
    assert rows["k:anneleen"].subject == "first"  # written before: left as it was
    assert (rows["k:camille"].subject, rows["k:camille"].language) == ("Membres", "fr")
    assert outbox.unsent_email_ids(keys=["k:camille", "k:anneleen", "k:nobody"]) == sorted(
        row.pk for row in rows.values()
    )

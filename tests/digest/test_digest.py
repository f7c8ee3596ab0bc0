"""The weekly digest through the real queue and a real SMTP server.

In-process tests drain the queue with `run_jobs` at a frozen Monday 08:00 (the digest's week and
its windows depend on the day); the restart tests run a real `run_huey` worker on the wall
clock, with data relative to now.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from community.digest import services
from community.digest.models import DigestBatch
from community.digest.tasks import digest_batch, digest_plan, weekly_digest
from community.digest.weeks import is_due, week_of
from community.helpboard import selectors as helpboard_selectors
from community.helpboard.models import HelpMatch, HelpRequest
from community.network.models import Event
from community.notifications.kinds import DIGEST
from community.notifications.models import Delivery, OutgoingEmail
from community.notifications.services import notify, preference_set
from community.notifications.tasks import retry_emails
from profiles.models import Member, Skill, SkillTag
from tests.factories import MemberFactory, SpaceFactory
from tests.fixtures.jobs import run_jobs
from tests.fixtures.smtp import html_of, text_of

pytestmark = pytest.mark.django_db(transaction=True)

BRUSSELS = ZoneInfo("Europe/Brussels")
# Sunday evening, when the week's news happens; Monday 08:00, when the digest goes (ISO 2026-W24).
SUNDAY = dt.datetime(2026, 6, 7, 20, 0, tzinfo=BRUSSELS)
MONDAY = dt.datetime(2026, 6, 8, 8, 0, tzinfo=BRUSSELS)
LONG_AGO = dt.datetime(2025, 1, 6, 10, 0, tzinfo=BRUSSELS)


def tags(*slugs: str) -> list[SkillTag]:
    found = list(SkillTag.objects.filter(skill__slug__in=slugs))
    assert len(found) == len(slugs), slugs
    return found


def member(username: str, *, joined=LONG_AGO, wants=(), offers=(), **fields) -> Member:
    created = MemberFactory(username=username, date_joined=joined, **fields)
    created.skills_wanted.add(*tags(*wants))
    created.skills_offered.add(*tags(*offers))
    return created


def help_request(author: Member, title: str, *skills: str, **fields) -> HelpRequest:
    created = HelpRequest.objects.create(author=author, title=title, description="…", **fields)
    created.skills.set(Skill.objects.filter(slug__in=skills))
    return created


@pytest.fixture
def week():
    """Time frozen on Sunday evening; `week.move_to(MONDAY)` when the news is in."""
    with time_machine.travel(SUNDAY, tick=False) as traveller:
        yield traveller


def send_the_weeks_digest(week, at=MONDAY) -> None:
    """The hourly job at `at`, through the queue, and whatever it enqueues."""
    week.move_to(at)
    weekly_digest()
    run_jobs()


def outbox_digests() -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.filter(topic=DIGEST).order_by("to"))


LANGUAGES = {
    # language: (subject, the new member's line, the request's line, the event's date, the notifications line)
    "fr": (
        "Votre semaine à Coworking Belgium",
        "Nouveau membre, propose Traduction",
        "Demande d'aide : Graphisme",
        "mercredi 10 juin, 18:30",
        "1 notification que vous avez choisi de recevoir dans le résumé de la semaine.",
    ),
    "nl": (
        "Je week bij Coworking Belgium",
        "Nieuw lid, biedt Vertaling aan",
        "Hulpvraag: Grafisch ontwerp",
        "woensdag 10 juni, 18:30",
        "1 melding die je in het weekoverzicht wilde ontvangen.",
    ),
    "en": (
        "Your week at Coworking Belgium",
        "New member, offers Translation",
        "Help request: Graphic design",
        "Wednesday 10 June, 18:30",
        "1 notification you chose to receive in the digest.",
    ),
}


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_each_section_reaches_the_member_in_their_language_with_links(week, smtp_server, language):
    namur = SpaceFactory(name="Coworking Namur", city="Namur", region="wallonia")
    gent = SpaceFactory(name="Coworking Gent", city="Gent", region="flanders")
    reader = member(
        "reader",
        email="reader@example.be",
        preferred_language=language,
        home_space=namur,
        wants=["translation"],
        offers=["graphic-design"],
    )
    nora = member(
        "nora",
        display_name="Nora Nieuwkomer",
        joined=SUNDAY - dt.timedelta(days=2),
        offers=["translation", "photography"],
        home_space=gent,
    )
    asker = member("asker", display_name="Alice Asker", home_space=namur)
    logo = help_request(asker, "Un logo pour notre asbl", "graphic-design", space=namur)
    apero = Event.objects.create(
        space=namur,
        title="Apéro des membres",
        starts_at=dt.datetime(2026, 6, 10, 18, 30, tzinfo=BRUSSELS),
        ends_at=dt.datetime(2026, 6, 10, 21, 0, tzinfo=BRUSSELS),
    )
    Event.objects.create(  # in a space the reader does not belong to
        space=gent,
        title="Gentse lunch",
        starts_at=dt.datetime(2026, 6, 9, 12, 0, tzinfo=BRUSSELS),
        ends_at=dt.datetime(2026, 6, 9, 13, 0, tzinfo=BRUSSELS),
    )
    preference_set(member=reader, topic="help_replies", delivery=Delivery.DIGEST)
    notify(recipient=reader, kind="help_reply", actor=asker, params={"title": "Mon site"}, url="/help/9/")
    run_jobs()  # the reply waits for the digest: no email now
    assert OutgoingEmail.objects.count() == 0

    send_the_weeks_digest(week)

    # Alice (the apéro in her space) and Nora (the lunch in hers) have news too.
    smtp_server.wait_for(3)
    [mail] = smtp_server.to("reader@example.be")
    subject, offer_line, request_line, event_date, notifications_line = LANGUAGES[language]
    assert mail["To"] == "reader@example.be"
    assert str(mail["Subject"]).strip() == subject
    text, html = text_of(mail), html_of(mail)
    for expected in (
        "Nora Nieuwkomer",
        offer_line,
        "Coworking Gent",  # where Nora works
        "Un logo pour notre asbl",
        request_line,
        "Apéro des membres",
        event_date,
        notifications_line,
        "http://127.0.0.1:8000/members/nora/",
        f"http://127.0.0.1:8000/help/{logo.pk}/",
        f"http://127.0.0.1:8000/events/{apero.pk}/",
        "http://127.0.0.1:8000/help/9/",
    ):
        assert expected in text, expected
    assert "Gentse lunch" not in text
    assert "Photography" not in text and "Photographie" not in text  # only what the reader looks for
    assert f'href="http://127.0.0.1:8000/members/{nora.username}/"' in html
    assert "<style" not in html
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    row = OutgoingEmail.objects.get(recipient=reader)
    assert row.key == f"digest:{reader.pk}:2026-W24" and row.language == language


def test_hidden_and_deactivated_members_are_never_listed_nor_the_readers_own_request(week, smtp_server):
    reader = member("reader", preferred_language="en", wants=["translation"], offers=["translation"])
    member("shown", display_name="Shown Public", joined=SUNDAY, offers=["translation"], visibility="public")
    member("members", display_name="Shown Members", joined=SUNDAY, offers=["translation"])
    member("hidden", display_name="Hidden Helper", joined=SUNDAY, offers=["translation"], visibility="hidden")
    member("gone", display_name="Gone Member", joined=SUNDAY, offers=["translation"], is_active=False)
    member("old", display_name="Old Timer", offers=["translation"])  # joined long before the week
    help_request(reader, "My own translation question", "translation")

    send_the_weeks_digest(week)

    # The reader's request reaches those who can answer it (the hidden member too: being hidden
    # is about being listed), never its author; a deactivated account gets nothing.
    smtp_server.wait_for(5)
    by_username = {row.recipient.username: row for row in outbox_digests()}
    assert set(by_username) == {"reader", "shown", "members", "hidden", "old"}
    assert "My own translation question" in by_username["hidden"].text
    text = text_of(smtp_server.to("reader@example.org")[0])
    assert "Shown Public" in text and "Shown Members" in text
    assert "2 new members offer a skill you are looking for." in text
    for absent in ("Hidden Helper", "Gone Member", "Old Timer", "My own translation question"):
        assert absent not in text


def test_a_member_with_nothing_to_say_gets_nothing(week, smtp_server):
    lonely = member("lonely", wants=["bookkeeping"], offers=["photography"])
    told = member("told", wants=["translation"])
    member("newcomer", joined=SUNDAY, offers=["translation"])
    Event.objects.create(  # over before the week starts
        title="Last week's party",
        starts_at=SUNDAY - dt.timedelta(days=3),
        ends_at=SUNDAY - dt.timedelta(days=3, hours=-2),
    )
    asker = member("asker")
    help_request(asker, "Photos, solved", "photography", status=HelpRequest.Status.SOLVED)
    old = help_request(asker, "Photos, asked long ago", "photography")
    HelpRequest.objects.filter(pk=old.pk).update(created_at=SUNDAY - dt.timedelta(days=20))

    send_the_weeks_digest(week)

    smtp_server.wait_for(1)
    assert [row.recipient_id for row in outbox_digests()] == [told.pk]
    assert lonely.pk not in {row.recipient_id for row in OutgoingEmail.objects.all()}
    assert DigestBatch.objects.get().done_at is not None


def test_running_the_weeks_job_again_sends_nothing_twice(week, smtp_server):
    readers = [member(f"reader{i}", wants=["translation"]) for i in range(3)]
    member("newcomer", joined=SUNDAY, offers=["translation"])

    send_the_weeks_digest(week)
    send_the_weeks_digest(week, at=MONDAY + dt.timedelta(hours=1))  # the next hourly run
    batch = DigestBatch.objects.get()
    digest_batch(batch.pk)  # the batch once more
    DigestBatch.objects.all().delete()  # even with the week's progress gone
    send_the_weeks_digest(week, at=MONDAY + dt.timedelta(hours=2))
    run_jobs()

    smtp_server.wait_for(3)
    time.sleep(0.3)
    assert Counter(str(m["To"]) for m in smtp_server.messages) == {r.email: 1 for r in readers}
    assert OutgoingEmail.objects.filter(topic=DIGEST).count() == 3


def test_never_means_no_digest(week, smtp_server):
    keen = member("keen", wants=["translation"])
    done = member("done", wants=["translation"])
    member("newcomer", joined=SUNDAY, offers=["translation"])
    preference_set(member=done, topic=DIGEST, delivery=Delivery.NEVER)

    send_the_weeks_digest(week)

    smtp_server.wait_for(1)
    assert [row.recipient_id for row in outbox_digests()] == [keen.pk]


def test_the_members_are_sent_in_batches_each_over_one_connection(week, smtp_server, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    readers = [member(f"reader{i}", wants=["translation"]) for i in range(5)]
    member("newcomer", joined=SUNDAY, offers=["translation"])

    send_the_weeks_digest(week)

    smtp_server.wait_for(5)
    batches = list(DigestBatch.objects.order_by("number"))
    assert [len(b.member_ids) for b in batches] == [2, 2, 2]  # six recipients: the newcomer too
    assert all(b.done_at for b in batches) and sum(b.sent for b in batches) == 5
    assert sorted(str(m["To"]) for m in smtp_server.messages) == sorted(r.email for r in readers)


@pytest.mark.parametrize(
    ("instant", "due"),
    [
        (dt.datetime(2026, 6, 8, 7, 0, tzinfo=BRUSSELS), False),  # Monday, too early (05:00 UTC)
        (dt.datetime(2026, 6, 8, 8, 0, tzinfo=BRUSSELS), True),  # summer time: 06:00 UTC
        (dt.datetime(2026, 12, 7, 8, 0, tzinfo=BRUSSELS), True),  # winter time: 07:00 UTC
        (dt.datetime(2026, 6, 8, 23, 0, tzinfo=BRUSSELS), True),  # still Monday: a late worker
        (dt.datetime(2026, 6, 7, 23, 0, tzinfo=BRUSSELS), False),  # Sunday night (21:00 UTC)
        (dt.datetime(2026, 6, 9, 8, 0, tzinfo=BRUSSELS), False),  # Tuesday
        (dt.datetime(2026, 10, 25, 23, 0, tzinfo=BRUSSELS), False),  # the autumn change's Sunday, 22:00 UTC
        (dt.datetime(2026, 10, 26, 8, 0, tzinfo=BRUSSELS), True),  # the Monday after it: 07:00 UTC
    ],
)
def test_the_hourly_job_acts_on_monday_from_eight_brussels_time(instant, due, smtp_server):
    member("reader", wants=["translation"])
    member("newcomer", joined=instant - dt.timedelta(days=1), offers=["translation"])

    with time_machine.travel(instant, tick=False):
        assert is_due(timezone.now()) is due
        # Huey runs it every hour on the hour (its crontabs read UTC); the job decides.
        assert weekly_digest.task_class().validate_datetime(instant.astimezone(dt.UTC).replace(tzinfo=None))
        weekly_digest()
        run_jobs()

    assert DigestBatch.objects.filter(week=week_of(instant)).exists() is due
    assert OutgoingEmail.objects.filter(topic=DIGEST).count() == (1 if due else 0)


def test_the_batched_requests_agree_with_the_boards_own_for_each_helper(week):
    space = SpaceFactory(name="Coworking Liège")
    helpers = [
        member("designer", offers=["graphic-design"], home_space=space),
        member("translator", offers=["translation"]),
        member("both", offers=["translation", "graphic-design"], home_space=space),
        member("nobody"),
    ]
    author = member("author", offers=["graphic-design"])
    help_request(author, "Logo", "graphic-design", urgency=HelpRequest.Urgency.URGENT)
    help_request(author, "Flyer", "graphic-design", space=space)
    help_request(author, "Vertaling", "translation", urgency=HelpRequest.Urgency.LOW)
    help_request(helpers[2], "Their own", "translation")
    help_request(author, "Closed one", "translation", status=HelpRequest.Status.CLOSED)
    matched = help_request(author, "No skill, but matched")
    HelpMatch.objects.create(help_request=matched, member=helpers[3], rank=1)

    batched = helpboard_selectors.requests_for_helpers(members=[*helpers, author], limit=5)

    for helper in [*helpers, author]:
        one_by_one = helpboard_selectors.requests_for_helper(member=helper, limit=5)
        assert [r.pk for r in batched.get(helper.pk, [])] == [r.pk for r in one_by_one], helper.username
    assert [r.title for r in batched[helpers[3].pk]] == ["No skill, but matched"]


# --- a real worker, stopped in the middle of a batch ------------------------------------------


def _members_with_an_event(count: int) -> list[Member]:
    """`count` members of one space with an event there in two days (data relative to now)."""
    space = SpaceFactory(name="Coworking Leuven")
    Member.objects.bulk_create(
        Member(
            username=f"m{i}",
            email=f"m{i}@example.be",
            display_name=f"Member {i}",
            home_space=space,
            preferred_language=("fr", "nl", "en")[i % 3],
        )
        for i in range(count)
    )
    start = timezone.now() + dt.timedelta(days=2)
    Event.objects.create(
        space=space, title="Demo day", starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    return list(Member.objects.order_by("pk"))


def _wait(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def _claims_run_out() -> None:
    # What the dead worker held (CLAIM_SECONDS) is free again, as two minutes later.
    OutgoingEmail.objects.filter(sent_at__isnull=True).update(
        claimed_until=timezone.now() - dt.timedelta(seconds=1)
    )


def _batch_looks_lost() -> None:
    # As the hourly planning sees it RUNNING_TOO_LONG later: started, never done.
    DigestBatch.objects.filter(done_at__isnull=True).update(
        started_at=timezone.now() - services.RUNNING_TOO_LONG - dt.timedelta(minutes=1)
    )


def _each_got_one(smtp_server, members: list[Member]) -> None:
    smtp_server.wait_for(len(members), timeout=60)
    time.sleep(1.0)  # anything doubled would arrive by now
    received = Counter(str(m["To"]) for m in smtp_server.messages)
    assert received == {m.email: 1 for m in members}
    assert OutgoingEmail.objects.filter(sent_at__isnull=True).count() == 0


@pytest.mark.slow
def test_a_worker_killed_while_sending_a_batch_loses_and_doubles_nothing(smtp_server, worker_factory):
    members = _members_with_an_event(240)
    smtp_server.hold_after(25)  # the 26th email waits for the server's answer
    worker = worker_factory(**smtp_server.env)

    digest_plan(timezone.now())
    smtp_server.wait_until_holding()
    _wait(lambda: OutgoingEmail.objects.filter(sent_at__isnull=False).count() == 25, "25 marked sent")
    worker.kill()  # between "sent" and the next answer: the 26th was not taken
    smtp_server.release()
    assert OutgoingEmail.objects.count() == 240  # every digest was written before sending
    assert OutgoingEmail.objects.filter(sent_at__isnull=True).count() == 215

    worker_factory(**smtp_server.env)
    _claims_run_out()
    retry_emails()  # the outbox retrier (also every minute on its own)
    _batch_looks_lost()
    digest_plan(timezone.now())  # the next hourly planning runs the batch again

    _each_got_one(smtp_server, members)
    _wait(lambda: DigestBatch.objects.filter(done_at__isnull=False).count() == 1, "the batch done")
    assert "Traceback" not in worker.log()


@pytest.mark.slow
def test_a_worker_killed_while_composing_a_batch_loses_and_doubles_nothing(smtp_server, worker_factory):
    members = _members_with_an_event(400)
    smtp_server.hold_after(0)  # nothing is taken until the worker is gone
    worker = worker_factory(**smtp_server.env)

    digest_plan(timezone.now())
    _wait(lambda: DigestBatch.objects.filter(started_at__isnull=False).exists(), "the batch started")
    worker.kill()
    smtp_server.release()
    # The batch's digests are stored together or not at all: none half-written.
    assert OutgoingEmail.objects.count() in (0, 400)

    worker_factory(**smtp_server.env)
    _claims_run_out()
    _batch_looks_lost()
    digest_plan(timezone.now())

    _each_got_one(smtp_server, members)
    batch = DigestBatch.objects.get()
    _wait(lambda: DigestBatch.objects.filter(pk=batch.pk, done_at__isnull=False).exists(), "the batch done")
    assert OutgoingEmail.objects.count() == 400

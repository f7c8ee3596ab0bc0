"""Every form that writes something others will see, or that sends email, is rate limited: a
script hammering it gets a clear refusal (a form error or 429), never more than the limit of
writes, and never a 500. Login brute force is throttled even with the right password.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests.factories import DEFAULT_PASSWORD, MemberFactory, SpaceFactory

# The limits count hits per fixed window of the clock (an hour, ten minutes): a flood that
# straddles the end of a window would start counting afresh. Time stands still here, at the
# last second of a day, the end of every window.
pytestmark = pytest.mark.clock("before-midnight")


@dataclass
class Flood:
    name: str
    path: Callable[[dict], str]
    data: Callable[[dict, int], dict]
    written: Callable[[dict], int]  # how many things the posts created (rows, emails)
    limit: int  # the most that may be written
    logged_in: bool = True


def _weekday(days: int) -> str:
    day = timezone.localdate() + dt.timedelta(days=days)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day.isoformat()


def _count(model_path: str, **filters) -> Callable[[dict], int]:
    def count(ctx: dict) -> int:
        from django.apps import apps

        return (
            apps.get_model(model_path)
            .objects.filter(**{k: v(ctx) if callable(v) else v for k, v in filters.items()})
            .count()
        )

    return count


FLOODS = [
    Flood(
        "sign-up",
        lambda c: "/accounts/signup/",
        lambda c, n: {
            "username": f"bot{n}",
            "email": f"bot{n}@spam.example",
            "display_name": f"Bot {n}",
            "password1": "a-long-pass-phrase-77",
            "password2": "a-long-pass-phrase-77",
            "accept_terms": "on",
        },
        _count("profiles.Member", email__endswith="@spam.example"),
        limit=10,
        logged_in=False,
    ),
    Flood(
        "free trial request",
        lambda c: f"/spaces/{c['space'].slug}/trial/",
        lambda c, n: {"name": f"Bot {n}", "email": f"bot{n}@spam.example", "date": _weekday(2 + n % 20)},
        _count("community.TrialRequest"),
        limit=10,
        logged_in=False,
    ),
    Flood(
        "password reset email",
        lambda c: "/accounts/password/reset/",
        lambda c, n: {"email": c["target"].email},
        lambda c: len(mail.outbox),
        limit=5,
        logged_in=False,
    ),
    Flood(
        "help request",
        lambda c: "/help/new/",
        lambda c, n: {
            "title": f"Need help number {n}",
            "description": "Please help me with my website.",
            "skills": "",
            "urgency": "normal",
        },
        _count("helpboard.HelpRequest"),
        limit=5,
    ),
    Flood(
        "help reply",
        lambda c: f"/help/{c['help_request'].pk}/reply/",
        lambda c, n: {"body": f"Reply number {n}"},
        _count("helpboard.HelpReply"),
        limit=20,
    ),
    Flood(
        "chat message (plain form)",
        lambda c: f"/messages/{c['conversation'].pk}/",
        lambda c, n: {"body": f"Message {n}", "client_id": f"flood-{n}"},
        _count("messaging.Message"),
        limit=20,
    ),
    Flood(
        "new group",
        lambda c: "/messages/groups/new/",
        lambda c, n: {"title": f"Spam group {n}", "usernames": c["target"].username},
        _count("messaging.Conversation", kind="group"),
        limit=20,
    ),
]


@pytest.fixture
def targets(db):
    from community.helpboard.services import help_request_create
    from messaging.services import conversation_direct_get_or_create

    space = SpaceFactory(slug="spam-target", trial_capacity=1000)
    spammer = MemberFactory(username="spammer")
    target = MemberFactory(username="target")
    author = MemberFactory(username="author")
    return {
        "space": space,
        "spammer": spammer,
        "target": target,
        "help_request": help_request_create(
            author=author, title="Need a designer", description="For my logo."
        ),
        "conversation": conversation_direct_get_or_create(member=spammer, other=target),
    }


@pytest.mark.parametrize("flood", FLOODS, ids=lambda f: f.name)
def test_posting_forms_are_rate_limited(targets, flood):
    client = Client(raise_request_exception=False)
    if flood.logged_in:
        client.force_login(targets["spammer"])
    before = flood.written(targets)

    statuses = []
    for n in range(flood.limit + 15):
        if not flood.logged_in:
            client = Client(raise_request_exception=False)  # a script drops the session it was given
        response = client.post(flood.path(targets), flood.data(targets, n))
        statuses.append(response.status_code)
        assert response.status_code < 500, f"{flood.name}: attempt {n} gave {response.status_code}"

    written = flood.written(targets) - before
    assert 0 < written <= flood.limit, (
        f"{flood.name}: {written} written for {len(statuses)} posts (limit {flood.limit})"
    )
    refused = statuses[-1]
    assert refused in (200, 400, 429), f"{flood.name}: the refusal is {refused}"


def test_login_is_throttled_even_for_the_right_password_after_failures(db):
    member = MemberFactory(username="victim")
    client = Client()

    for _ in range(5):
        client.post("/accounts/login/", {"username": "victim", "password": "guess"})
    response = client.post("/accounts/login/", {"username": "victim", "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert member.last_login is None


def test_login_failures_from_one_address_do_not_lock_its_other_accounts(db):
    # A coworking space is one public address: a guesser among its members must not lock them out.
    client = Client()
    for n in range(30):
        client.post("/accounts/login/", {"username": f"someone{n}", "password": "guess"})
    MemberFactory(username="fresh")

    response = client.post("/accounts/login/", {"username": "fresh", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302

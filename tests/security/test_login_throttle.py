"""Password guessing on the member login and the admin login (profiles.login_throttle).

A lock holds per account from one address, and per account from anywhere; never for a whole
address (a coworking space shares one). Counts live in the shared cache: a second process on
the same Redis sees them.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import requests
from django.test import Client, override_settings

from profiles import login_throttle
from tests.factories import DEFAULT_PASSWORD, MemberFactory

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
LOCKED = "Too many failed attempts for this account"


def _guess(client: Client, path: str, username: str, times: int) -> None:
    for _ in range(times):
        response = client.post(path, {"username": username, "password": "guess"})
        assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.clock("before-midnight")
def test_admin_login_is_locked_after_repeated_failures_even_for_the_right_password():
    MemberFactory(username="boss", is_staff=True, is_superuser=True)
    client = Client()

    _guess(client, ADMIN_LOGIN, "boss", 12)
    response = client.post(ADMIN_LOGIN, {"username": "boss", "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.clock("before-midnight")
def test_admin_and_member_logins_count_the_same_failures():
    MemberFactory(username="boss", is_staff=True)
    client = Client()

    _guess(client, LOGIN, "boss", 3)
    _guess(client, ADMIN_LOGIN, "boss", 2)
    response = client.post(ADMIN_LOGIN, {"username": "boss", "password": DEFAULT_PASSWORD})

    assert LOCKED in response.content.decode()


@pytest.mark.django_db
@pytest.mark.clock("before-midnight")
def test_a_few_slips_then_the_right_password_log_in_and_are_forgiven():
    MemberFactory(username="anke")
    client = Client()

    _guess(client, LOGIN, "anke", 4)
    assert client.post(LOGIN, {"username": "anke", "password": DEFAULT_PASSWORD}).status_code == 302
    client.post("/accounts/logout/")
    _guess(client, LOGIN, "anke", 1)

    assert client.post(LOGIN, {"username": "anke", "password": DEFAULT_PASSWORD}).status_code == 302


@pytest.mark.django_db
@pytest.mark.clock("before-midnight")
def test_failures_from_a_shared_address_do_not_lock_the_other_members_out():
    MemberFactory(username="victim")
    MemberFactory(username="neighbour")
    # Everyone in the space comes from one public address.
    guesser, neighbour = Client(REMOTE_ADDR="198.51.100.7"), Client(REMOTE_ADDR="198.51.100.7")
    for n in range(40):
        guesser.post(LOGIN, {"username": f"someone{n}", "password": "guess"})
    _guess(guesser, LOGIN, "victim", 6)

    response = neighbour.post(LOGIN, {"username": "neighbour", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert neighbour.session["_auth_user_id"]


@pytest.mark.django_db
@pytest.mark.clock("before-midnight")
def test_a_lock_holds_for_the_account_from_that_address_only():
    MemberFactory(username="victim")
    _guess(Client(REMOTE_ADDR="203.0.113.5"), LOGIN, "victim", 5)

    elsewhere = Client(REMOTE_ADDR="192.0.2.44").post(
        LOGIN, {"username": "victim", "password": DEFAULT_PASSWORD}
    )
    there = Client(REMOTE_ADDR="203.0.113.5").post(
        LOGIN, {"username": "victim", "password": DEFAULT_PASSWORD}
    )

    assert elsewhere.status_code == 302
    assert LOCKED in there.content.decode()


@pytest.mark.django_db
@pytest.mark.clock("before-midnight")
def test_guesses_from_many_addresses_lock_the_account_everywhere():
    MemberFactory(username="victim")
    for n in range(login_throttle.account_limit()):
        Client(REMOTE_ADDR=f"203.0.113.{n + 1}").post(LOGIN, {"username": "victim", "password": "guess"})

    response = Client(REMOTE_ADDR="192.0.2.44").post(
        LOGIN, {"username": "victim", "password": DEFAULT_PASSWORD}
    )

    assert LOCKED in response.content.decode()


@pytest.mark.django_db
@pytest.mark.clock("before-midnight")
def test_the_lock_ends_after_the_cool_off(clock):
    MemberFactory(username="victim")
    client = Client()
    _guess(client, LOGIN, "victim", 5)

    clock.shift(dt.timedelta(minutes=14))
    still = client.post(LOGIN, {"username": "victim", "password": DEFAULT_PASSWORD})
    clock.shift(dt.timedelta(minutes=1, seconds=1))
    after = client.post(LOGIN, {"username": "victim", "password": DEFAULT_PASSWORD})

    assert "Try again in 1 minute," in still.content.decode()
    assert after.status_code == 302


@pytest.mark.django_db
@pytest.mark.clock("before-midnight")
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Too many failed attempts for this account. Try again in 15 minutes"),
        ("fr", "Trop de tentatives échouées pour ce compte. Réessayez dans 15 minutes"),
        ("nl", "Te veel mislukte pogingen voor dit account. Probeer het over 15 minuten opnieuw"),
    ],
)
@pytest.mark.parametrize("path", [LOGIN, ADMIN_LOGIN])
def test_the_lockout_is_a_form_error_in_the_readers_language(path, language, expected):
    MemberFactory(username="boss", is_staff=True)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    _guess(client, path, "boss", 5)

    response = client.post(path, {"username": "boss", "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    form = response.context["form"]
    assert [error.code for error in form.non_field_errors().as_data()] == ["throttled"]
    assert expected in form.non_field_errors()[0]


# --- two processes on one Redis ------------------------------------------------------------


def _live_login(session: requests.Session, base: str, path: str, username: str, password: str):
    page = session.get(base + path, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(
        base + path,
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=10,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", [LOGIN, ADMIN_LOGIN])
def test_failures_in_one_process_lock_the_login_in_another_sharing_redis(daphne_factory, redis_url, path):
    MemberFactory(username="boss", is_staff=True)
    server = daphne_factory(redis_url=redis_url)
    with requests.Session() as session:
        for _ in range(5):
            assert _live_login(session, server.http_url, path, "boss", "guess").status_code == 200

    redis_cache = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    with override_settings(CACHES=redis_cache):
        # This test process is the second one: the test client logs in here, not on the server.
        response = Client(REMOTE_ADDR="127.0.0.1").post(
            path, {"username": "boss", "password": DEFAULT_PASSWORD}
        )

    assert response.status_code == 200
    assert LOCKED in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_lock_outlives_a_restart_of_the_process_with_redis(daphne_factory, redis_url):
    MemberFactory(username="boss")
    server = daphne_factory(redis_url=redis_url)
    with requests.Session() as session:
        for _ in range(5):
            _live_login(session, server.http_url, LOGIN, "boss", "guess")
        server.kill()
        server.start()
        response = _live_login(session, server.http_url, LOGIN, "boss", DEFAULT_PASSWORD)

    assert response.status_code == 200
    assert LOCKED in response.text

"""What the sender of a request sees, the names after a decline, and dates in Belgian conventions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import formats, translation

from messaging import services
from messaging.models import Block
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

BRUSSELS = dt.timezone(dt.timedelta(hours=1))  # December: CET


def _client(member, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(member)
    return client


def _request(alice, bob, body="Hoi Bob"):
    conversation = services.conversation_direct_get_or_create(member=alice, other=bob)
    services.message_send(sender=alice, conversation=conversation, body=body, client_id="r1")
    return conversation


def test_the_sender_sees_that_the_other_has_not_accepted_yet_on_the_page_and_in_the_inbox():
    alice, bob = MemberFactory(), MemberFactory(display_name="Bob Janssens")
    conversation = _request(alice, bob)
    client = _client(alice)

    page = client.get(f"/messages/{conversation.pk}/").content.decode()
    inbox = client.get("/messages/").content.decode()

    assert "Waiting for Bob Janssens to accept" in page
    assert "Waiting for Bob Janssens to accept" in inbox


def test_the_marker_goes_once_the_other_accepts():
    alice, bob = MemberFactory(), MemberFactory(display_name="Bob Janssens")
    conversation = _request(alice, bob)
    services.request_accept(member=bob, conversation=conversation)
    client = _client(alice)

    assert "Waiting for" not in client.get(f"/messages/{conversation.pk}/").content.decode()
    assert "Waiting for" not in client.get("/messages/").content.decode()


@pytest.mark.parametrize("answer", ["decline", "block"])
def test_after_a_decline_or_block_both_pages_name_the_other_and_sends_say_only_not_delivered(answer):
    alice, bob = MemberFactory(), MemberFactory(display_name="Bob Janssens")
    conversation = _request(alice, bob)
    if answer == "decline":
        services.request_decline(member=bob, conversation=conversation)
    else:
        services.member_block(blocker=bob, blocked=alice)
    client = _client(alice)

    page = client.get(f"/messages/{conversation.pk}/")
    inbox = client.get("/messages/").content.decode()
    sent = client.post(f"/messages/{conversation.pk}/", {"body": "Still there?", "client_id": "r2"})

    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r"<h1>\s*Bob Janssens", html) and "—" not in html.split("<h1>")[1].split("</h1>")[0]
    assert "Bob Janssens" in inbox
    # A decline and a block look the same to the sender, and like any answer: no marker, no word.
    assert "Waiting for" not in html and "Waiting for" not in inbox
    assert "declined" not in html.lower() and "blocked" not in html.lower()
    assert sent.status_code == 400 and "Not delivered." in sent.content.decode()


def test_the_declined_member_can_still_be_blocked_from_the_page():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = _request(alice, bob)
    services.request_decline(member=bob, conversation=conversation)

    _client(alice).post(f"/messages/{conversation.pk}/block/")

    assert Block.objects.filter(blocker=alice, blocked=bob).exists()


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_django_formats_dates_the_belgian_way_in_every_language(language):
    moment = dt.datetime(2026, 12, 1, 14, 5, tzinfo=BRUSSELS)

    with translation.override(language):
        short = formats.date_format(moment, "SHORT_DATETIME_FORMAT")
        day = formats.date_format(moment.date(), "SHORT_DATE_FORMAT")
        time = formats.time_format(moment.time(), "TIME_FORMAT")
        inputs = formats.get_format("DATE_INPUT_FORMATS")

    assert short == "01/12/2026 14:05"
    assert day == "01/12/2026"
    assert time == "14:05"
    # <input type="date"> renders and sends ISO: it stays the first input format.
    assert inputs[0] == "%Y-%m-%d" and "%d/%m/%Y" in inputs


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_a_conversation_page_shows_dd_mm_yyyy_and_the_24_hour_clock(language):
    alice, bob = MemberFactory(), MemberFactory()
    with time_machine.travel(dt.datetime(2026, 12, 1, 14, 5, tzinfo=BRUSSELS), tick=False):
        conversation = services.conversation_direct_get_or_create(member=alice, other=bob)
        services.message_send(sender=alice, conversation=conversation, body="Afternoon", client_id="d1")

    html = _client(alice, language).get(f"/messages/{conversation.pk}/").content.decode()

    assert f'<html lang="{language}">' in html
    assert ">01/12/2026 14:05</time>" in html
    assert "p.m." not in html and "12/01/2026" not in html

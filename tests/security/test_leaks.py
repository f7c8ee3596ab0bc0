"""Nothing private leaks: a conversation's messages, a hidden profile or anyone's email address
never show in a page, an API answer, a search result or a socket frame of someone not entitled.

(The chat's own tests cover outsiders on the socket in depth: tests/messaging/test_consumers.py.
Here: every page and endpoint at once, for every role, with a hidden member who is as active as
can be: checked in, going to the event, offering the skill a help request needs.)
"""

from __future__ import annotations

import json
import re

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from community.asgi import application
from community.network.models import RSVP
from tests.fixtures.daphne import cookie_header
from tests.security.conftest import build_world

PRIVATE_MESSAGES = ("Our private plans", "Secret reply")
HIDDEN_MARKERS = ("Hugo Hidden", "/members/hugo/", "hugo.secret", "Xylographie")
EMAIL = re.compile(r"[\w.+-]+@example\.org")


@pytest.fixture
def busy_world(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world = build_world()
    from community.network.services import check_in_start

    # The hidden member takes part in everything a page could show.
    check_in_start(member=world.hidden, space=world.space)
    RSVP.objects.create(
        event=world.event, member=world.hidden, status=RSVP.Status.GOING, requested_at=timezone.now()
    )
    world.hidden.home_space = world.space
    world.hidden.save(update_fields=["home_space"])
    # ... and a skill of their own, a free tag nobody else uses.
    with django_capture_on_commit_callbacks(execute=True):
        world.hidden.skills_offered.add("Xylographie secrète")
    return world


def pages(world) -> list[str]:
    w = world
    return [
        "/",
        "/members/",
        "/members/?q=translation",
        "/members/?q=hugo",
        f"/members/{w.member.username}/",
        f"/members/{w.peer.username}/",
        "/search/?q=translation",
        "/search/?q=hugo",
        "/search/?q=secret+plans",
        "/api/search/members?q=translation",
        "/api/search/members?q=hugo",
        "/api/search/members?q=private",
        "/api/skills/suggest?prefix=tra",
        "/api/skills/suggest?prefix=xylo",
        "/members/skills/suggest/?prefix=xylo",
        "/help/",
        f"/help/{w.help_request.pk}/",
        "/events/",
        f"/events/{w.event.pk}/",
        "/spaces/",
        f"/spaces/{w.space.slug}/",
        "/messages/",
        "/messages/?folder=requests",
        "/api/conversations/",
        "/messages/notifications/",
        "/members/me/edit/",
    ]


def leaks_in(body: str, *, viewer, world) -> list[str]:
    found = []
    if viewer is None or viewer.pk not in (world.member.pk, world.peer.pk):
        found += [f"conversation: {text!r}" for text in PRIVATE_MESSAGES if text in body]
    if viewer is None or viewer.pk != world.hidden.pk:
        found += [f"hidden profile: {text!r}" for text in HIDDEN_MARKERS if text in body]
    own = viewer.email if viewer is not None else None
    found += [f"email: {email}" for email in set(EMAIL.findall(body)) if email != own]
    return found


@pytest.mark.parametrize("role", ["anonymous", "other", "manager", "staff", "member"])
def test_no_page_or_endpoint_leaks_conversations_hidden_profiles_or_emails(busy_world, role):
    world = busy_world
    client = world.client(role, raise_request_exception=False)
    viewer = world.user(role)

    problems = []
    for path in pages(world):
        response = client.get(path)
        assert response.status_code < 500, path
        if response.status_code == 200:
            problems += [
                f"{path}: {leak}" for leak in leaks_in(response.content.decode(), viewer=viewer, world=world)
            ]

    assert problems == []


def test_the_participants_do_see_their_conversation(busy_world):
    # The check above means something: the same pages show it to those entitled.
    client = busy_world.client("member")

    inbox = client.get("/api/conversations/").content.decode()
    history = client.get(f"/messages/{busy_world.conversation.pk}/").content.decode()

    assert "plan.png" in inbox  # the last message: the image (see conftest.build_world)
    assert all(text in history for text in PRIVATE_MESSAGES)


def test_hidden_member_is_still_there_for_themself(busy_world):
    client = busy_world.client("anonymous")
    client.force_login(busy_world.hidden)

    assert client.get("/members/hugo/").status_code == 200


@pytest.mark.django_db(transaction=True)
async def test_socket_frames_carry_no_email_and_outsiders_hear_nothing():
    world = await database_sync_to_async(build_world)()
    participant = WebsocketCommunicator(
        application,
        "/ws/chat/",
        headers=[
            (b"origin", b"http://localhost"),
            (b"host", b"localhost"),
            (b"cookie", (await database_sync_to_async(cookie_header)(world.peer)).encode()),
        ],
    )
    outsider = WebsocketCommunicator(
        application,
        "/ws/chat/",
        headers=[
            (b"origin", b"http://localhost"),
            (b"host", b"localhost"),
            (b"cookie", (await database_sync_to_async(cookie_header)(world.hidden)).encode()),
        ],
    )
    sender = WebsocketCommunicator(
        application,
        "/ws/chat/",
        headers=[
            (b"origin", b"http://localhost"),
            (b"host", b"localhost"),
            (b"cookie", (await database_sync_to_async(cookie_header)(world.member)).encode()),
        ],
    )
    try:
        for socket in (participant, outsider, sender):
            connected, _ = await socket.connect()
            assert connected
            await socket.send_to(text_data=json.dumps({"type": "sync", "after": 0}))
        conversation = world.conversation.pk
        await sender.send_to(text_data=json.dumps({"type": "typing", "conversation": conversation}))
        await sender.send_to(
            text_data=json.dumps(
                {
                    "type": "send",
                    "conversation": conversation,
                    "body": "Our private plans, part 2",
                    "client_id": "leak-1",
                }
            )
        )

        heard = []
        while not await participant.receive_nothing(timeout=0.5):
            heard.append(await participant.receive_from())
        overheard = []
        while not await outsider.receive_nothing(timeout=0.5):
            overheard.append(await outsider.receive_from())
        own = []
        while not await sender.receive_nothing(timeout=0.3):
            own.append(await sender.receive_from())
    finally:
        for socket in (participant, outsider, sender):
            await socket.disconnect()

    assert any("part 2" in frame for frame in heard)
    assert not any(EMAIL.search(frame) for frame in heard + overheard + own)
    assert not any("private plans" in frame.lower() or "Secret reply" in frame for frame in overheard), (
        overheard
    )

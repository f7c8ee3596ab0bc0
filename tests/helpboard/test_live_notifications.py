"""Matched members who are online hear about a request at once, over the chat socket."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from community.asgi import application
from community.helpboard import services
from community.notifications.models import Notification
from tests.factories import MemberFactory, SpaceFactory
from tests.helpboard.conftest import give_skills

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("taxonomy")]


def _people():
    space = SpaceFactory(name="Coworking Namur", city="Namur", region="wallonia")
    author = MemberFactory(username="claire", display_name="Claire Dubois", home_space=space)
    translator = give_skills(
        MemberFactory(username="sofie", display_name="Sofie Peeters", home_space=space, available=True),
        "translation",
    )
    return author, translator


async def _connect(member) -> WebsocketCommunicator:
    def session_cookie() -> str:
        client = Client()
        client.force_login(member)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    cookie = await database_sync_to_async(session_cookie)()
    communicator = WebsocketCommunicator(
        application,
        "/ws/chat/",
        headers=[
            (b"origin", b"http://localhost"),
            (b"host", b"localhost"),
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()),
        ],
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _frames_for(communicator: WebsocketCommunicator, seconds: float) -> list[dict]:
    """Every frame until the socket stays quiet for `seconds` (receive_nothing never cancels the app)."""
    frames: list[dict] = []
    while not await communicator.receive_nothing(timeout=seconds, interval=0.02):
        frames.append(json.loads(await communicator.receive_from()))
    return frames


async def _first_frame_of_type(communicator: WebsocketCommunicator, kind: str, seconds: float = 5.0) -> dict:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        frame = json.loads(await communicator.receive_from(timeout=left))
        if frame.get("type") == kind:
            return frame
    raise AssertionError(f"no {kind} frame within {seconds}s")


def _ask(author):
    return services.help_request_create(
        author=author,
        title="Qui peut traduire mon site en néerlandais ?",
        description="Dix pages, pour la fin du mois.\nhttps://example.org/site",
    )


async def test_an_online_matched_member_gets_a_live_notification():
    author, translator = await database_sync_to_async(_people)()
    socket = await _connect(translator)
    try:
        help_request = await database_sync_to_async(_ask)(author)

        frame = await _first_frame_of_type(socket, "notification")
    finally:
        await socket.disconnect()

    notification = frame["notification"]
    assert notification["kind"] == "help_match"
    assert notification["url"] == help_request.get_absolute_url()
    assert "Qui peut traduire mon site en néerlandais ?" in notification["title"]
    assert notification["read"] is False


async def test_the_author_is_not_notified_of_their_own_request():
    author, _translator = await database_sync_to_async(_people)()
    socket = await _connect(author)
    try:
        await database_sync_to_async(_ask)(author)

        frames = await _frames_for(socket, 0.5)
    finally:
        await socket.disconnect()

    assert not [f for f in frames if f.get("type") == "notification"]


async def test_a_member_who_muted_help_notifications_hears_nothing():
    author, translator = await database_sync_to_async(_people)()
    await database_sync_to_async(services.help_preferences_set)(
        member=translator, mute_help_notifications=True
    )
    socket = await _connect(translator)
    try:
        await database_sync_to_async(_ask)(author)

        frames = await _frames_for(socket, 0.5)
    finally:
        await socket.disconnect()

    assert not [f for f in frames if f.get("type") == "notification"]
    assert not await database_sync_to_async(Notification.objects.filter(recipient=translator).exists)()


async def test_an_offline_member_finds_the_notification_on_their_next_visit():
    author, translator = await database_sync_to_async(_people)()

    help_request = await database_sync_to_async(_ask)(author)

    def notifications_page() -> str:
        client = Client()
        client.force_login(translator)
        return client.get("/messages/notifications/").content.decode()

    html = await database_sync_to_async(notifications_page)()
    assert "Qui peut traduire mon site en néerlandais ?" in html
    assert help_request.get_absolute_url() in html


async def test_the_author_hears_a_reply_live():
    author, translator = await database_sync_to_async(_people)()
    help_request = await database_sync_to_async(_ask)(author)
    socket = await _connect(author)
    try:
        await database_sync_to_async(services.help_offer_create)(help_request=help_request, member=translator)

        frame = await _first_frame_of_type(socket, "notification")
    finally:
        await socket.disconnect()

    assert frame["notification"]["kind"] == "help_offer"
    assert frame["notification"]["url"].startswith(help_request.get_absolute_url())

"""A suspension or a ban ends the member's chat sockets at once: real ASGI app, real sockets."""

from __future__ import annotations

import datetime as dt

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.utils import timezone

from community.asgi import application
from community.moderation import services
from community.moderation.models import Action, Kind
from messaging import services as messaging_services
from tests.factories import MemberFactory
from tests.messaging.sockets import HOST, ORIGIN

pytestmark = pytest.mark.django_db(transaction=True)


async def _open(member) -> WebsocketCommunicator:
    def cookie() -> str:
        client = Client()
        client.force_login(member)
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    communicator = WebsocketCommunicator(
        application,
        "/ws/chat/",
        headers=[ORIGIN, HOST, (b"cookie", (await database_sync_to_async(cookie)()).encode())],
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _close_code(communicator: WebsocketCommunicator, timeout: float = 3) -> int:
    while True:
        output = await communicator.receive_output(timeout)
        if output["type"] == "websocket.close":
            return output["code"]


@database_sync_to_async
def _cast():
    alice = MemberFactory(username="alice")
    troll = MemberFactory(username="troll")
    staff = MemberFactory(username="mod", is_staff=True)
    conversation = messaging_services.conversation_direct_get_or_create(member=troll, other=alice)
    messaging_services.request_accept(member=alice, conversation=conversation)
    report = services.report_create(
        reporter=alice, kind=Kind.PROFILE, object_id=troll.pk, reason="harassment"
    )
    return alice, troll, staff, report


@pytest.mark.parametrize("action", [Action.SUSPEND, Action.BAN])
async def test_suspending_or_banning_closes_every_socket_of_the_member_and_no_other(action):
    alice, troll, staff, report = await _cast()
    laptop, phone, bystander = await _open(troll), await _open(troll), await _open(alice)

    await database_sync_to_async(services.report_resolve)(
        report=report, moderator=staff, action=action, until=timezone.now() + dt.timedelta(days=1)
    )

    assert await _close_code(laptop) == 4001
    assert await _close_code(phone) == 4001
    await bystander.send_json_to({"type": "sync", "after": 2**53})
    while (frame := await bystander.receive_json_from(timeout=3))["type"] != "synced":
        assert frame["type"] != "close"  # the bystander's socket stays open (presence frames pass by)
    for communicator in (laptop, phone, bystander):
        await communicator.disconnect()


async def test_a_suspended_member_cannot_open_a_socket():
    _alice, troll, staff, report = await _cast()
    await database_sync_to_async(services.report_resolve)(
        report=report, moderator=staff, action=Action.SUSPEND, until=timezone.now() + dt.timedelta(days=1)
    )

    def cookie() -> str:
        client = Client()
        client.force_login(troll)  # a session row made anyway: the socket must still refuse it
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    communicator = WebsocketCommunicator(
        application,
        "/ws/chat/",
        headers=[ORIGIN, HOST, (b"cookie", (await database_sync_to_async(cookie)()).encode())],
    )
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()

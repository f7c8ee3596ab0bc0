"""The chat socket against hostile frames and ended sessions (real ASGI app, real database)."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from community.asgi import application
from messaging import services
from messaging.models import Conversation, Message
from tests.factories import MemberFactory
from tests.messaging.sockets import HOST, ORIGIN

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def members(n: int = 2, **fields):
    return [MemberFactory(**fields) for _ in range(n)]


@database_sync_to_async
def direct(a, b, *, accepted: bool = True) -> Conversation:
    conversation = services.conversation_direct_get_or_create(member=a, other=b)
    if accepted:
        services.request_accept(member=b, conversation=conversation)
    return conversation


@database_sync_to_async
def count_messages(**filters) -> int:
    return Message.objects.filter(**filters).count()


async def _still_sends(tab, conversation, client_id: str = "after-error") -> None:
    await tab.send(
        {"type": "send", "conversation": conversation.pk, "body": "still here", "client_id": client_id}
    )
    assert (await tab.receive_type("ack"))["client_id"] == client_id


# --- frames that used to crash the socket (close 1011) ----------------------------------------


async def test_json_nested_thousands_deep_is_an_error_frame_not_a_crash(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    tab = await tabs(alice)

    await tab.send_text("[" * 3000)
    error = await tab.receive_type("error")

    assert error["code"] == "invalid_json"
    await _still_sends(tab, conversation)


async def test_a_body_with_a_lone_surrogate_is_refused_and_the_socket_stays_open(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    tab = await tabs(alice)

    await tab.send_text(
        '{"type": "send", "conversation": '
        + str(conversation.pk)
        + ', "body": "hi \\ud800", "client_id": "lone"}'
    )
    error = await tab.receive_type("error")

    assert error["code"] == "invalid_body"
    assert error["client_id"] == "lone"
    assert await count_messages(sender=alice) == 0
    await _still_sends(tab, conversation)


@pytest.mark.parametrize("kind", ["send", "sync"])
async def test_a_client_id_with_a_lone_surrogate_is_refused_without_echoing_it(tabs, kind):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    tab = await tabs(alice)

    await tab.send_text(
        f'{{"type": "{kind}", "conversation": {conversation.pk}, "body": "hi", "after": 0,'
        ' "client_id": "x\\udfff"}'
    )
    error = await tab.receive_type("error")

    assert error["code"] == "invalid_client_id"
    assert "client_id" not in error
    await _still_sends(tab, conversation)


async def test_an_emoji_escaped_as_a_surrogate_pair_is_still_a_valid_body(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    tab = await tabs(alice)

    # json.dumps escapes it as "\\ud83d\\ude00" (ensure_ascii), as some clients do.
    await tab.send(
        {"type": "send", "conversation": conversation.pk, "body": "\U0001f600", "client_id": "emoji"}
    )

    assert (await tab.receive_type("ack"))["message"]["body"] == "\U0001f600"


# --- a socket lives by its session -----------------------------------------------------------


async def _open_with_session(member) -> tuple[WebsocketCommunicator, Client]:
    """A socket and the browser (test client) whose session it was opened with."""

    def log_in() -> Client:
        client = Client()
        client.force_login(member)
        return client

    client = await database_sync_to_async(log_in)()
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    communicator = WebsocketCommunicator(
        application, "/ws/chat/", headers=[ORIGIN, HOST, (b"cookie", cookie.encode())]
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator, client


async def _close_code(communicator: WebsocketCommunicator, timeout: float = 3) -> int:
    """The code the server closed the socket with (frames before it are skipped)."""
    while True:
        output = await communicator.receive_output(timeout)
        if output["type"] == "websocket.close":
            return output["code"]


async def _still_open(communicator: WebsocketCommunicator, conversation, client_id: str) -> bool:
    await communicator.send_json_to(
        {"type": "send", "conversation": conversation.pk, "body": "still here", "client_id": client_id}
    )
    while True:
        output = await communicator.receive_output(3)
        if output["type"] == "websocket.close":
            return False
        frame = json.loads(output["text"])
        if frame["type"] == "ack":
            return True


async def _disconnect(*communicators: WebsocketCommunicator) -> None:
    for communicator in communicators:
        await communicator.disconnect()


async def test_logging_out_closes_that_sessions_socket_and_no_other(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    laptop, laptop_browser = await _open_with_session(alice)
    phone, _phone_browser = await _open_with_session(alice)

    response = await database_sync_to_async(laptop_browser.post)("/accounts/logout/")

    assert response.status_code == 302
    assert await _close_code(laptop) == 4001
    assert await _still_open(phone, conversation, "phone")
    await _disconnect(laptop, phone)


async def test_a_closed_sockets_late_frames_store_nothing(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    laptop, laptop_browser = await _open_with_session(alice)

    await database_sync_to_async(laptop_browser.post)("/accounts/logout/")
    assert await _close_code(laptop) == 4001
    await laptop.send_json_to(
        {"type": "send", "conversation": conversation.pk, "body": "late", "client_id": "l"}
    )
    assert await laptop.receive_nothing(0.3)

    assert await count_messages(sender=alice) == 0
    await _disconnect(laptop)


async def test_deactivating_a_member_closes_all_their_sockets(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    laptop, _ = await _open_with_session(alice)
    phone, _ = await _open_with_session(alice)
    bob_tab = await tabs(bob)

    def deactivate() -> None:
        alice.is_active = False
        alice.save()  # as the admin's change form does

    await database_sync_to_async(deactivate)()

    assert await _close_code(laptop) == 4001
    assert await _close_code(phone) == 4001
    await bob_tab.send({"type": "send", "conversation": conversation.pk, "body": "hé", "client_id": "b"})
    assert (await bob_tab.receive_type("ack"))["client_id"] == "b"
    await _disconnect(laptop, phone)


async def test_changing_the_password_closes_the_other_sessions_sockets(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    await database_sync_to_async(_set_password)(alice, "old-Secret-123")
    laptop, laptop_browser = await _open_with_session(alice)
    phone, _phone_browser = await _open_with_session(alice)

    response = await database_sync_to_async(laptop_browser.post)(
        "/accounts/password/change/",
        {
            "old_password": "old-Secret-123",
            "new_password1": "n3w-Secret-456!",
            "new_password2": "n3w-Secret-456!",
        },
    )

    assert response.status_code == 302
    assert await _close_code(phone) == 4001
    # The laptop's session goes on under a new key (update_session_auth_hash): its socket, opened
    # with the old key, closes too, and the tab reconnects with the new cookie.
    assert await _close_code(laptop) == 4001
    cookie = f"{settings.SESSION_COOKIE_NAME}={laptop_browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    again = WebsocketCommunicator(
        application, "/ws/chat/", headers=[ORIGIN, HOST, (b"cookie", cookie.encode())]
    )
    assert (await again.connect())[0]
    assert await _still_open(again, conversation, "after-change")
    await _disconnect(laptop, phone, again)


def _set_password(member, password: str) -> None:
    member.set_password(password)
    member.save()


async def test_a_session_ended_unheard_is_caught_by_the_heartbeat(settings):
    settings.CHAT_PRESENCE_HEARTBEAT_SECONDS = 0.1
    settings.CHAT_SESSION_CHECK_SECONDS = 0
    (alice,) = await members(1)
    laptop, laptop_browser = await _open_with_session(alice)
    key = laptop_browser.cookies[settings.SESSION_COOKIE_NAME].value

    # Gone from the store without a logout signal (as when the layer lost the news).
    await database_sync_to_async(lambda: Session.objects.filter(session_key=key).delete())()

    assert await _close_code(laptop) == 4001
    await _disconnect(laptop)


# --- first-contact spam ----------------------------------------------------------------------


async def test_a_new_accounts_sixth_message_request_of_the_day_is_an_error_frame(tabs):
    (spammer,) = await members(1)
    strangers = await members(6)
    requests = [await direct(spammer, stranger, accepted=False) for stranger in strangers]
    tab = await tabs(spammer)

    for n, conversation in enumerate(requests):
        await tab.send(
            {"type": "send", "conversation": conversation.pk, "body": "Promo!", "client_id": f"p-{n}"}
        )
    frames = [await tab.receive_type("ack") for _ in range(5)]
    error = await tab.receive_type("error")

    assert [frame["client_id"] for frame in frames] == [f"p-{n}" for n in range(5)]
    assert error["code"] == "too_many_new_contacts"
    assert error["client_id"] == "p-5"
    assert await count_messages(sender=spammer) == 5


async def test_deleting_a_member_closes_their_sockets():
    (alice,) = await members(1)
    laptop, _ = await _open_with_session(alice)

    await database_sync_to_async(alice.delete)()

    assert await _close_code(laptop) == 4001
    await _disconnect(laptop)

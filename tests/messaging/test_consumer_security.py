"""The chat socket against hostile frames and ended sessions (real ASGI app, real database)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from messaging import services
from messaging.models import Conversation, Message
from tests.factories import MemberFactory

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

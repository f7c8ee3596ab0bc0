"""The /ws/chat/ protocol through the real ASGI application (origin check and session auth included)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import AsyncClient

from community.asgi import application
from community.notifications.services import notify
from messaging import services
from messaging.models import ChatConnection, ChatProcess, Conversation, Message, Participant
from tests.factories import MemberFactory, SpaceFactory
from tests.fixtures.daphne import cookie_header

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
def send(sender, conversation, body: str, client_id: str):
    return services.message_send(sender=sender, conversation=conversation, body=body, client_id=client_id)


@database_sync_to_async
def count_messages(**filters) -> int:
    return Message.objects.filter(**filters).count()


# --- send, ack, broadcast ------------------------------------------------------------------


async def test_a_sent_message_is_acked_and_reaches_every_tab_of_both_members(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    alice_tab, alice_other_tab, bob_tab = await tabs(alice), await tabs(alice), await tabs(bob)

    await alice_tab.send(
        {"type": "send", "conversation": conversation.pk, "body": "  Bonjour Bob !  ", "client_id": "c-1"}
    )

    ack = await alice_tab.receive_type("ack")
    assert ack["client_id"] == "c-1"
    message = ack["message"]
    assert message["body"] == "Bonjour Bob !"
    assert message["seq"] == 1
    assert message["sender"] == alice.username
    assert message["conversation"] == conversation.pk
    assert set(message) == {
        "id", "conversation", "seq", "sender", "sender_name", "sender_avatar", "body", "created",
        "version", "edited", "deleted", "reactions", "attachments",
    }  # fmt: skip
    assert message["attachments"] == []
    assert (await alice_other_tab.receive_type("message"))["message"] == message
    assert (await bob_tab.receive_type("message"))["message"] == message
    # The ack carries the message to the sending tab: it is not sent there twice.
    assert "message" not in {frame["type"] for frame in alice_tab.skipped + await alice_tab.drain()}


async def test_seq_counts_one_two_three_within_a_conversation(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    tab = await tabs(alice)

    seqs = []
    for n in range(3):
        await tab.send(
            {"type": "send", "conversation": conversation.pk, "body": f"m{n}", "client_id": f"s-{n}"}
        )
        seqs.append((await tab.receive_type("ack"))["message"]["seq"])

    assert seqs == [1, 2, 3]


async def test_resent_client_id_does_not_duplicate_the_message(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    alice_tab, bob_tab = await tabs(alice), await tabs(bob)
    frame = {"type": "send", "conversation": conversation.pk, "body": "Once", "client_id": "same-key"}

    await alice_tab.send(frame)
    first = await alice_tab.receive_type("ack")
    await alice_tab.send(frame)
    second = await alice_tab.receive_type("ack")

    assert first == second
    assert await count_messages(sender=alice) == 1
    assert (await bob_tab.receive_type("message"))["message"]["id"] == first["message"]["id"]
    assert await bob_tab.nothing()


async def test_a_resend_after_reconnecting_gets_the_same_ack(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    tab = await tabs(alice)
    frame = {
        "type": "send",
        "conversation": conversation.pk,
        "body": "Sent before the network dropped",
        "client_id": "k-9",
    }
    await tab.send(frame)
    first = await tab.receive_type("ack")
    await tab.close()

    again = await tabs(alice)
    await again.send(frame)

    assert await again.receive_type("ack") == first
    assert await count_messages(sender=alice) == 1


# --- sync ----------------------------------------------------------------------------------


async def test_sync_replays_what_a_closed_tab_missed_oldest_first_then_synced(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    seen = await send(alice, conversation, "Before", "b-0")
    missed = [await send(alice, conversation, f"While away {n}", f"b-{n + 1}") for n in range(3)]

    bob_tab = await tabs(bob)
    await bob_tab.send({"type": "sync", "after": seen.pk})
    frames = await bob_tab.frames_until("synced")

    replayed = [f["message"] for f in frames if f["type"] == "message"]
    assert [m["id"] for m in replayed] == [m.pk for m in missed]
    assert [m["seq"] for m in replayed] == [2, 3, 4]
    assert frames[-1] == {"type": "synced", "last": missed[-1].pk}


async def test_sync_is_followed_by_the_unread_counts(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    await send(alice, conversation, "One", "u-1")
    await send(alice, conversation, "Two", "u-2")

    bob_tab = await tabs(bob)
    await bob_tab.send({"type": "sync", "after": 0})
    await bob_tab.receive_type("synced")

    assert await bob_tab.receive_type("unread") == {
        "type": "unread",
        "conversation": conversation.pk,
        "count": 2,
        "total": 2,
    }


async def test_sync_never_replays_other_members_conversations(tabs):
    alice, bob, carol = await members(3)
    conversation = await direct(alice, bob)
    await send(alice, conversation, "Private", "p-1")

    carol_tab = await tabs(carol)
    await carol_tab.send({"type": "sync", "after": 0})

    assert await carol_tab.receive() == {"type": "synced", "last": 0}
    assert await carol_tab.nothing()


async def test_sync_with_nothing_new_answers_synced_with_the_same_id(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    last = await send(alice, conversation, "Seen already", "n-1")
    tab = await tabs(bob)

    await tab.send({"type": "sync", "after": last.pk})

    assert (await tab.receive_type("synced"))["last"] == last.pk


# --- typing, read, unread ------------------------------------------------------------------


async def test_typing_reaches_the_others_not_the_typist(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    alice_tab, bob_tab = await tabs(alice), await tabs(bob)

    await alice_tab.send({"type": "typing", "conversation": conversation.pk})

    assert await bob_tab.receive_type("typing") == {
        "type": "typing",
        "conversation": conversation.pk,
        "username": alice.username,
    }
    assert await alice_tab.got("typing") == []


async def test_read_moves_the_unread_count_and_sends_a_receipt(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    first = await send(alice, conversation, "First", "r-1")
    second = await send(alice, conversation, "Second", "r-2")
    alice_tab, bob_tab, bob_other_tab = await tabs(alice), await tabs(bob), await tabs(bob)

    await bob_tab.send({"type": "read", "conversation": conversation.pk, "message": first.pk})

    receipt = {"type": "read", "conversation": conversation.pk, "username": bob.username, "message": first.pk}
    assert await alice_tab.receive_type("read") == receipt
    assert await bob_tab.receive_type("unread") == {
        "type": "unread",
        "conversation": conversation.pk,
        "count": 1,
        "total": 1,
    }
    assert await bob_other_tab.receive_type("unread") == {
        "type": "unread",
        "conversation": conversation.pk,
        "count": 1,
        "total": 1,
    }

    await bob_tab.send({"type": "read", "conversation": conversation.pk, "message": second.pk})
    assert (await bob_tab.receive_type("unread"))["count"] == 0


async def test_read_state_never_moves_backwards(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    first = await send(alice, conversation, "First", "rb-1")
    second = await send(alice, conversation, "Second", "rb-2")
    bob_tab = await tabs(bob)
    await bob_tab.send({"type": "read", "conversation": conversation.pk, "message": second.pk})
    await bob_tab.receive_type("unread")

    await bob_tab.send({"type": "read", "conversation": conversation.pk, "message": first.pk})

    assert (await bob_tab.receive_type("unread"))["count"] == 0
    participant = await database_sync_to_async(Participant.objects.get)(member=bob, conversation=conversation)
    assert participant.last_read_id == second.pk


# --- presence ------------------------------------------------------------------------------


async def test_presence_online_while_at_least_one_tab_is_open(tabs):
    alice, bob = await members(2)
    await direct(alice, bob)
    bob_tab = await tabs(bob)

    first = await tabs(alice)
    assert await bob_tab.receive_type("presence") == {
        "type": "presence",
        "username": alice.username,
        "online": True,
    }
    second = await tabs(alice)
    await first.close()
    assert await bob_tab.nothing()

    await second.close()
    assert await bob_tab.receive_type("presence") == {
        "type": "presence",
        "username": alice.username,
        "online": False,
    }


async def test_a_new_tab_is_told_which_contacts_are_online(tabs):
    alice, bob = await members(2)
    await direct(alice, bob)
    await tabs(bob)

    alice_tab = await tabs(alice)

    assert await alice_tab.receive_type("presence") == {
        "type": "presence",
        "username": bob.username,
        "online": True,
    }


async def test_presence_is_counted_in_the_database_not_in_the_process(tabs):
    alice, bob = await members(2)
    await direct(alice, bob)
    bob_tab = await tabs(bob)
    # Another process holds a tab of Alice: a fresh row written by it.
    await database_sync_to_async(ChatProcess.objects.create)(name="elsewhere")
    await database_sync_to_async(ChatConnection.objects.create)(
        member=alice, channel_name="other!x", process="elsewhere"
    )
    alice_tab = await tabs(alice)

    await alice_tab.close()

    assert await bob_tab.nothing()
    assert await database_sync_to_async(ChatConnection.objects.filter(member=alice).count)() == 1


async def test_strangers_do_not_see_presence(tabs):
    alice, carol = await members(2)
    carol_tab = await tabs(carol)

    await tabs(alice)

    assert await carol_tab.nothing()


async def test_a_request_not_yet_accepted_does_not_share_presence(tabs):
    alice, bob = await members(2)
    await direct(alice, bob, accepted=False)
    alice_tab = await tabs(alice)

    await tabs(bob)

    assert await alice_tab.nothing()


# --- errors: the socket stays open ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json at all", "invalid_json"),
        ("[1, 2, 3]", "invalid_frame"),
        ('{"no": "type"}', "invalid_frame"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "send", "body": "hi", "client_id": "x"}', "invalid_frame"),
        ('{"type": "send", "conversation": "1", "body": "hi", "client_id": "x"}', "invalid_frame"),
        ('{"type": "send", "conversation": true, "body": "hi", "client_id": "x"}', "invalid_frame"),
        ('{"type": "sync"}', "invalid_frame"),
        ('{"type": "sync", "after": -1}', "invalid_frame"),
        # Beyond a 64-bit id: no such conversation or message, and no overflow in the database.
        (
            '{"type": "send", "conversation": 99999999999999999999, "body": "hi", "client_id": "x"}',
            "invalid_frame",
        ),
        ('{"type": "sync", "after": 99999999999999999999}', "invalid_frame"),
        ('{"type": "read", "conversation": 99999999999999999999, "message": 1}', "invalid_frame"),
        ('{"type": "typing"}', "invalid_frame"),
        ('{"type": "read", "conversation": 1}', "invalid_frame"),
    ],
)
async def test_a_bad_frame_gets_an_error_and_the_socket_stays_open(tabs, raw, code):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    tab = await tabs(alice)

    await tab.send_text(raw)
    error = await tab.receive_type("error")

    assert error["type"] == "error"
    assert error["code"] == code
    assert error["detail"]
    await tab.send(
        {"type": "send", "conversation": conversation.pk, "body": "still here", "client_id": "after-error"}
    )
    assert (await tab.receive_type("ack"))["client_id"] == "after-error"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("", "empty_body"),
        ("   \n\t ", "empty_body"),
        (None, "empty_body"),
        (42, "empty_body"),
        ("x" * 4001, "body_too_long"),
    ],
)
async def test_a_bad_body_is_refused_with_the_client_id(tabs, body, code):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    tab = await tabs(alice)

    await tab.send({"type": "send", "conversation": conversation.pk, "body": body, "client_id": "bad-body"})

    error = await tab.receive_type("error")
    assert (error["code"], error["client_id"]) == (code, "bad-body")
    assert await count_messages() == 0


async def test_a_body_of_exactly_4000_characters_is_accepted(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    tab = await tabs(alice)

    await tab.send({"type": "send", "conversation": conversation.pk, "body": "é" * 4000, "client_id": "max"})

    assert len((await tab.receive_type("ack"))["message"]["body"]) == 4000


@pytest.mark.parametrize("client_id", [None, "", "x" * 65, 17])
async def test_a_missing_or_bad_client_id_is_refused(tabs, client_id):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    tab = await tabs(alice)

    await tab.send({"type": "send", "conversation": conversation.pk, "body": "hi", "client_id": client_id})

    assert (await tab.receive_type("error"))["code"] == "invalid_client_id"


async def test_an_oversized_frame_is_refused(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    tab = await tabs(alice)

    await tab.send(
        {"type": "send", "conversation": conversation.pk, "body": "x" * 70000, "client_id": "huge"}
    )

    assert (await tab.receive_type("error"))["code"] == "frame_too_large"


async def test_sending_too_fast_is_rate_limited(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    tab = await tabs(alice)

    for n in range(services.RATE_LIMIT_MESSAGES):
        await tab.send(
            {"type": "send", "conversation": conversation.pk, "body": f"{n}", "client_id": f"rl-{n}"}
        )
        await tab.receive_type("ack")
    await tab.send(
        {"type": "send", "conversation": conversation.pk, "body": "one too many", "client_id": "rl-x"}
    )

    error = await tab.receive_type("error")
    assert (error["code"], error["client_id"]) == ("rate_limited", "rl-x")
    assert await count_messages(sender=alice) == services.RATE_LIMIT_MESSAGES


async def test_a_flood_of_typing_frames_is_throttled(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    tab = await tabs(alice)

    for _ in range(61):
        await tab.send({"type": "typing", "conversation": conversation.pk})

    assert (await tab.receive_type("error"))["code"] == "rate_limited"


async def test_a_blocked_sender_only_learns_not_delivered(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    await database_sync_to_async(services.member_block)(blocker=bob, blocked=alice)
    alice_tab, bob_tab = await tabs(alice), await tabs(bob)

    await alice_tab.send(
        {"type": "send", "conversation": conversation.pk, "body": "Hello?", "client_id": "blk"}
    )

    error = await alice_tab.receive_type("error")
    assert error == {"type": "error", "code": "not_delivered", "detail": "Not delivered.", "client_id": "blk"}
    assert await bob_tab.nothing()
    assert await count_messages(sender=alice) == 0


# --- nothing leaks to a non-participant ----------------------------------------------------


async def test_an_outsider_hears_nothing_of_a_conversation(tabs):
    alice, bob, carol = await members(3)
    conversation = await direct(alice, bob)
    alice_tab, carol_tab = await tabs(alice), await tabs(carol)

    await alice_tab.send(
        {"type": "send", "conversation": conversation.pk, "body": "Secret", "client_id": "l-1"}
    )
    await alice_tab.send({"type": "typing", "conversation": conversation.pk})
    await alice_tab.receive_type("ack")

    assert await carol_tab.nothing(0.5)


async def test_an_outsider_cannot_write_type_or_read_and_cannot_tell_if_it_exists(tabs):
    alice, bob, carol = await members(3)
    conversation = await direct(alice, bob)
    carol_tab = await tabs(carol)
    missing_id = conversation.pk + 1000

    errors = []
    for target in (conversation.pk, missing_id):
        await carol_tab.send(
            {"type": "send", "conversation": target, "body": "Let me in", "client_id": f"o-{target}"}
        )
        errors.append(await carol_tab.receive_type("error"))
        await carol_tab.send({"type": "typing", "conversation": target})
        errors.append(await carol_tab.receive_type("error"))
        await carol_tab.send({"type": "read", "conversation": target, "message": 1})
        errors.append(await carol_tab.receive_type("error"))

    assert {e["code"] for e in errors} == {"not_participant"}
    assert len({e["detail"] for e in errors}) == 1
    assert await count_messages() == 0


async def test_a_declined_participant_no_longer_receives_messages(tabs):
    alice, bob, carol = await members(3)
    group = await database_sync_to_async(services.group_create)(
        creator=alice, title="Atelier", members=[bob, carol]
    )
    await database_sync_to_async(services.request_decline)(member=carol, conversation=group)
    bob_tab, carol_tab = await tabs(bob), await tabs(carol)

    await send(alice, group, "Welcome", "g-1")

    assert (await bob_tab.receive_type("message"))["message"]["body"] == "Welcome"
    assert await carol_tab.nothing()


# --- space lobby rooms ---------------------------------------------------------------------


async def test_members_of_a_space_share_its_lobby_room(tabs):
    space = await database_sync_to_async(SpaceFactory)()
    alice, bob = await members(2, home_space=space)
    (outsider,) = await members(1)
    room = await database_sync_to_async(services.space_room_for)(space)
    alice_tab, bob_tab, outsider_tab = await tabs(alice), await tabs(bob), await tabs(outsider)

    await alice_tab.send(
        {"type": "send", "conversation": room.pk, "body": "Qui a une agrafeuse ?", "client_id": "room-1"}
    )

    assert (await bob_tab.receive_type("message"))["message"]["body"] == "Qui a une agrafeuse ?"
    assert (await alice_tab.receive_type("ack"))["message"]["conversation"] == room.pk
    assert await outsider_tab.nothing()


async def test_a_tab_follows_a_space_joined_while_it_is_open(tabs):
    space = await database_sync_to_async(SpaceFactory)()
    (alice,) = await members(1, home_space=space)
    (bob,) = await members(1)
    room = await database_sync_to_async(services.space_room_for)(space)
    bob_tab = await tabs(bob)

    await database_sync_to_async(bob.other_spaces.add)(space)
    await bob_tab.roundtrip()
    await send(alice, room, "Bienvenue !", "w-1")

    assert (await bob_tab.receive_type("message"))["message"]["body"] == "Bienvenue !"

    await database_sync_to_async(bob.other_spaces.remove)(space)
    await bob_tab.roundtrip()
    await send(alice, room, "Au revoir", "w-2")
    assert await bob_tab.nothing()


async def test_typing_in_a_room_reaches_the_room_but_not_the_typist(tabs):
    space = await database_sync_to_async(SpaceFactory)()
    alice, bob = await members(2, home_space=space)
    room = await database_sync_to_async(services.space_room_for)(space)
    alice_tab, bob_tab = await tabs(alice), await tabs(bob)

    await alice_tab.send({"type": "typing", "conversation": room.pk})

    assert (await bob_tab.receive_type("typing"))["username"] == alice.username
    assert await alice_tab.got("typing") == []


# --- other ways in ---------------------------------------------------------------------------


async def test_a_message_posted_by_the_plain_form_reaches_the_sockets(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    bob_tab = await tabs(bob)
    client = AsyncClient()
    await database_sync_to_async(client.force_login)(alice)

    response = await client.post(
        f"/messages/{conversation.pk}/", {"body": "Sans JavaScript", "client_id": "form-1"}
    )

    assert response.status_code == 302
    assert (await bob_tab.receive_type("message"))["message"]["body"] == "Sans JavaScript"


async def test_a_notification_reaches_every_tab_of_its_recipient(tabs):
    alice, bob = await members(2)
    alice_tab, alice_other_tab, bob_tab = await tabs(alice), await tabs(alice), await tabs(bob)

    notification = await database_sync_to_async(notify)(
        recipient=alice,
        kind="help_reply",
        actor=bob,
        params={"title": "Logo", "excerpt": "I can help"},
        url="/help/1/",
    )

    for tab in (alice_tab, alice_other_tab):
        frame = await tab.receive_type("notification")
        assert frame["notification"] == {
            "id": notification.pk,
            "kind": "help_reply",
            "title": f"{bob} replied to your request: Logo",
            "body": "I can help",
            "url": "/help/1/",
            "created": notification.created.isoformat(),
            "read": False,
        }
        assert await tab.receive_type("notification_unread") == {"type": "notification_unread", "count": 1}
    assert await bob_tab.nothing()


async def test_html_in_a_body_travels_as_text(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    tab = await tabs(alice)
    body = '<img src=x onerror="alert(1)">'

    await tab.send({"type": "send", "conversation": conversation.pk, "body": body, "client_id": "xss"})

    assert (await tab.receive_type("ack"))["message"]["body"] == body


# --- who may connect -------------------------------------------------------------------------


async def test_an_anonymous_socket_is_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/chat/", headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")]
    )

    connected, _ = await communicator.connect()

    assert not connected
    await communicator.disconnect()


async def test_a_socket_from_a_foreign_origin_is_refused_even_when_logged_in():
    (alice,) = await members(1)
    cookie = await database_sync_to_async(cookie_header)(alice)
    communicator = WebsocketCommunicator(
        application, "/ws/chat/", headers=[(b"origin", b"https://evil.example"), (b"cookie", cookie.encode())]
    )

    connected, _ = await communicator.connect()

    assert not connected
    await communicator.disconnect()


async def test_an_inactive_member_is_refused():
    (alice,) = await members(1, is_active=False)
    cookie = await database_sync_to_async(cookie_header)(alice)
    communicator = WebsocketCommunicator(
        application,
        "/ws/chat/",
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie.encode())],
    )

    connected, _ = await communicator.connect()

    assert not connected
    await communicator.disconnect()


async def test_a_closed_socket_leaves_no_connection_row(tabs):
    (alice,) = await members(1)
    tab = await tabs(alice)

    await tab.close()

    assert await database_sync_to_async(ChatConnection.objects.count)() == 0

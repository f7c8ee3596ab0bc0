"""Real processes: two Daphne servers sharing Redis and the database; a server killed mid-conversation."""

from __future__ import annotations

import asyncio
import threading

import pytest
from django.db import connection

from messaging import services
from messaging.models import Message
from tests.factories import MemberFactory, SpaceFactory
from tests.fixtures.daphne import cookie_header
from tests.messaging.live_client import LiveChatClient

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _pair():
    space = SpaceFactory(name="Coworking Liège")
    alice = MemberFactory(username="alice", home_space=space)
    bob = MemberFactory(username="bob", home_space=space)
    conversation = services.conversation_direct_get_or_create(member=alice, other=bob)
    services.request_accept(member=bob, conversation=conversation)
    return alice, bob, conversation


def _client(server, member) -> LiveChatClient:
    return LiveChatClient(
        ws_url=server.ws_url(), origin=server.origin, cookie=cookie_header(member), name=member.username
    )


def _in_thread(fn, *args, **kwargs):
    """Run ORM code from inside the event loop (as another process would), closing its connection."""
    result: list = []

    def target() -> None:
        try:
            result.append(fn(*args, **kwargs))
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    return result[0] if result else None


def test_a_message_sent_on_one_server_reaches_a_client_of_the_other(daphne_factory, redis_url):
    alice, bob, conversation = _pair()
    room = services.space_room_for(alice.home_space)
    server_a = daphne_factory(redis_url=redis_url)
    server_b = daphne_factory(redis_url=redis_url)
    alice_client, bob_client = _client(server_a, alice), _client(server_b, bob)

    async def scenario() -> tuple[dict, dict, dict]:
        await bob_client.connect()
        await alice_client.connect()
        presence = await bob_client.wait_for(lambda f: f["type"] == "presence" and f["online"])
        # Idle past redis-py's default 5 s read timeout: the layer's blocking pop must survive it.
        await asyncio.sleep(6)
        client_id = await alice_client.send(conversation.pk, "Hallo Bob, vanuit de andere server!")
        received = await bob_client.wait_for(lambda f: f["type"] == "message")
        ack = await alice_client.wait_for(lambda f: f["type"] == "ack" and f["client_id"] == client_id)
        # The space's lobby room too (one relay channel per process in the room's group).
        await alice_client.send(room.pk, "Quelqu'un pour un café ?")
        in_room = await bob_client.wait_for(
            lambda f: f["type"] == "message" and f["message"]["conversation"] == room.pk
        )
        assert in_room["message"]["body"] == "Quelqu'un pour un café ?"
        await alice_client.close()
        presence_off = await bob_client.wait_for(lambda f: f["type"] == "presence" and not f["online"])
        await bob_client.close()
        return presence | {"off": presence_off}, received, ack

    presence, received, ack = asyncio.run(scenario())

    assert presence["username"] == "alice" and presence["off"]["online"] is False
    assert received["message"] == ack["message"]
    assert received["message"]["body"] == "Hallo Bob, vanuit de andere server!"
    assert server_a.port != server_b.port


def test_after_a_crash_and_restart_every_message_arrives_exactly_once(daphne_factory, redis_url):
    alice, bob, conversation = _pair()
    carol = MemberFactory(username="carol")
    with_carol = services.conversation_direct_get_or_create(member=carol, other=bob)
    services.request_accept(member=bob, conversation=with_carol)
    server = daphne_factory(redis_url=redis_url)
    alice_client, bob_client = _client(server, alice), _client(server, bob)

    async def scenario() -> None:
        await bob_client.connect()
        await alice_client.connect()
        for n in range(5):
            client_id = await alice_client.send(conversation.pk, f"before the crash {n}")
            await alice_client.wait_for(lambda f, c=client_id: f["type"] == "ack" and f["client_id"] == c)
        # The last one goes out and the server dies before anyone hears back.
        await alice_client.send(conversation.pk, "in flight when the server died")
        server.kill()
        await asyncio.sleep(0.2)
        # Typed while offline: stays in the outbox.
        await alice_client.send(conversation.pk, "typed offline 1")
        await alice_client.send(conversation.pk, "typed offline 2")
        # Written meanwhile through another way in (another process, the plain form...).
        await asyncio.to_thread(
            _in_thread,
            services.message_send,
            sender=carol,
            conversation=with_carol,
            body="while you were away",
            client_id="carol-1",
        )
        server.start()
        await bob_client.connect_retrying()
        await alice_client.connect_retrying()
        loop = asyncio.get_running_loop()
        end = loop.time() + 15
        while (alice_client.outbox or len(set(bob_client.received_ids())) < 9) and loop.time() < end:
            await asyncio.sleep(0.05)
        await alice_client.close()
        await bob_client.close()

    asyncio.run(scenario())

    stored = list(
        Message.objects.filter(conversation__participants__member=bob)
        .order_by("id")
        .values_list("id", flat=True)
    )
    assert len(stored) == 9  # 5 + the one in flight + 2 typed offline + carol's
    assert Message.objects.filter(sender=alice).values("client_id").distinct().count() == 8
    assert bob_client.duplicates() == []
    assert sorted(bob_client.received_ids()) == stored
    assert alice_client.outbox == {}
    assert [m.seq for m in Message.objects.filter(conversation=conversation).order_by("id")] == list(
        range(1, 9)
    )


def _post_logout(server, cookie: str) -> int:
    """Log out over HTTP on `server`, as the browser's logout button (a POST with a CSRF token)."""
    import secrets
    import urllib.error
    import urllib.request

    token = secrets.token_hex(16)  # a 32-character CSRF secret, sent as cookie and field alike
    request = urllib.request.Request(
        f"{server.http_url}/accounts/logout/",
        data=f"csrfmiddlewaretoken={token}".encode(),
        headers={"Cookie": f"{cookie}; csrftoken={token}"},
        method="POST",
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        return urllib.request.build_opener(NoRedirect).open(request, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_logout_on_one_server_closes_that_sessions_socket_on_the_other(daphne_factory, redis_url):
    alice, bob, conversation = _pair()
    server_a = daphne_factory(redis_url=redis_url)
    server_b = daphne_factory(redis_url=redis_url)
    laptop_cookie, phone_cookie = cookie_header(alice), cookie_header(alice)
    laptop = LiveChatClient(ws_url=server_b.ws_url(), origin=server_b.origin, cookie=laptop_cookie)
    phone = LiveChatClient(ws_url=server_b.ws_url(), origin=server_b.origin, cookie=phone_cookie)

    async def scenario() -> tuple[int, int | None, dict]:
        await laptop.connect()
        await phone.connect()
        status = await asyncio.to_thread(_post_logout, server_a, laptop_cookie)
        await asyncio.wait_for(laptop.socket.wait_closed(), 10)
        client_id = await phone.send(conversation.pk, "still logged in on the phone")
        ack = await phone.wait_for(lambda f: f["type"] == "ack" and f["client_id"] == client_id)
        await laptop.close()
        await phone.close()
        return status, laptop.socket.close_code, ack

    status, close_code, ack = asyncio.run(scenario())

    assert status == 302
    assert close_code == 4001
    assert ack["message"]["body"] == "still logged in on the phone"

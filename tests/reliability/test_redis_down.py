"""Redis down with REDIS_URL set: a message sent meanwhile fails with a clear error frame, nothing
is half-written, and the chat recovers by itself when Redis comes back.

A real Daphne on the test database and a real redis-server of this test's own (stopped and
started again at the same Unix socket), with a WebSocket client that behaves like chat.js.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from messaging import services
from messaging.models import Message
from tests.factories import MemberFactory
from tests.fixtures.daphne import cookie_header
from tests.reliability.helpers import RecordingChatClient, in_thread

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


class RestartableRedis:
    """A redis-server of this test's own on a Unix socket: stopped and started again at the same
    address, which (unlike a TCP port) no other test running meanwhile can take in between."""

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="coworking-redis-down-"))
        self.socket = self.workdir / "redis.sock"
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def ping(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(1)
                sock.connect(str(self.socket))
                sock.sendall(b"*1\r\n$4\r\nPING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            pytest.skip("redis-server is not installed (Debian package redis-server)")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--unixsocketperm",
                "700",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while not self.ping():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def redis():
    redis = RestartableRedis()
    yield redis
    redis.stop()
    shutil.rmtree(redis.workdir, ignore_errors=True)


def _pair():
    alice, bob = MemberFactory(username="alice"), MemberFactory(username="bob")
    conversation = services.conversation_direct_get_or_create(member=alice, other=bob)
    services.request_accept(member=bob, conversation=conversation)
    return alice, bob, conversation


def _client(server, member):
    return RecordingChatClient(
        ws_url=server.ws_url(), origin=server.origin, cookie=cookie_header(member), name=member.username
    )


def _bodies(conversation) -> list[str]:
    return in_thread(
        lambda: list(
            Message.objects.filter(conversation=conversation).order_by("seq").values_list("body", flat=True)
        )
    )


def test_send_while_redis_is_down_fails_clearly_and_recovers(daphne_factory, redis):
    alice, bob, conversation = _pair()
    server = daphne_factory(redis_url=redis.url)
    sender, receiver = _client(server, alice), _client(server, bob)

    async def scenario() -> None:
        await receiver.connect()
        await sender.connect()
        await sender.send(conversation.pk, "before", client_id="c-before")
        await sender.next_frame(lambda f: f.get("type") == "ack" and f["client_id"] == "c-before", since=0)
        await receiver.next_frame(
            lambda f: f.get("type") == "message" and f["message"]["body"] == "before", since=0
        )

        # When Redis goes away and Alice sends
        redis.stop()
        await asyncio.sleep(1)  # the consumers notice (their blocking receive on Redis fails)
        since = len(sender.seen)
        await sender.send(conversation.pk, "during", client_id="c-during")
        answer = await sender.next_frame(lambda f: f.get("client_id") == "c-during", since=since)

        # Then she gets a clear error for that message, and nothing was stored
        assert answer["type"] == "error", answer
        assert answer["code"] == "unavailable", answer
        assert answer["detail"]
        assert _bodies(conversation) == ["before"]

        # When Redis is back, the server notices, re-joins the groups and asks each client to
        # reconnect (close code 4012); a client that does so syncs and sends again, once.
        redis.start()
        for client in (sender, receiver):
            await asyncio.wait_for(client.socket.wait_closed(), 30)
            assert client.socket.close_code == 4012, client.socket.close_code
            await client.connect_retrying(deadline=30)
        since = len(sender.seen)
        await sender.send(conversation.pk, "during", client_id="c-during")
        answer = await sender.next_frame(lambda f: f.get("client_id") == "c-during", since=since)
        assert answer["type"] == "ack", answer
        await receiver.next_frame(
            lambda f: f.get("type") == "message" and f["message"]["body"] == "during", since=0, timeout=40
        )
        await sender.close()
        await receiver.close()

    asyncio.run(scenario())

    assert _bodies(conversation) == ["before", "during"]
    assert receiver.duplicates() == []
    assert "Exception inside application" not in server.log(), server.log()[-3000:]

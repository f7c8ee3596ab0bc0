"""Helpers for chat protocol tests: real sockets through community.asgi.application."""

from __future__ import annotations

import json
from collections.abc import Iterable

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from community.asgi import application
from tests.fixtures.daphne import cookie_header

ORIGIN = (b"origin", b"http://localhost")
# Every browser sends Host (RFC 6455); the origin check compares the Origin with it.
HOST = (b"host", b"localhost")


class Tab:
    """One browser tab's socket, remembering frames it skipped while waiting for another type."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.skipped: list[dict] = []
        self.closed = False

    async def send(self, frame: dict) -> None:
        await self.communicator.send_to(text_data=json.dumps(frame))

    async def send_text(self, text: str) -> None:
        await self.communicator.send_to(text_data=text)

    async def receive(self, timeout: float = 3) -> dict:
        return json.loads(await self.communicator.receive_from(timeout=timeout))

    async def receive_type(self, kind: str, timeout: float = 3) -> dict:
        """The next frame of this type; frames of other types are kept in `skipped`."""
        while True:
            frame = await self.receive(timeout=timeout)
            if frame["type"] == kind:
                return frame
            self.skipped.append(frame)

    async def frames_until(self, kind: str, timeout: float = 3) -> list[dict]:
        """Every frame up to and including the first of this type."""
        frames = []
        while True:
            frame = await self.receive(timeout=timeout)
            frames.append(frame)
            if frame["type"] == kind:
                return frames

    async def nothing(self, timeout: float = 0.3) -> bool:
        return await self.communicator.receive_nothing(timeout=timeout)

    async def drain(self, timeout: float = 0.2) -> list[dict]:
        frames = []
        while not await self.communicator.receive_nothing(timeout=timeout):
            frames.append(await self.receive())
        return frames

    async def roundtrip(self) -> None:
        """Wait until the server has handled everything sent to this socket so far."""
        await self.send({"type": "sync", "after": 2**53})
        await self.receive_type("synced")

    async def got(self, kind: str, timeout: float = 0.3) -> list[dict]:
        """Frames of this type among those that arrive until the socket falls quiet."""
        return [f for f in await self.drain(timeout) if f["type"] == kind]

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self.communicator.disconnect()


async def open_tab(member, *, headers: Iterable[tuple[bytes, bytes]] | None = None) -> Tab:
    cookie = await database_sync_to_async(cookie_header)(member)
    communicator = WebsocketCommunicator(
        application, "/ws/chat/", headers=list(headers or [ORIGIN, HOST]) + [(b"cookie", cookie.encode())]
    )
    connected, _ = await communicator.connect()
    assert connected, "the socket was refused"
    return Tab(communicator)

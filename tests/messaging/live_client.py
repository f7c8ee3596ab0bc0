"""A chat client over a real WebSocket (the `websockets` library), doing what chat.js does.

It remembers the last message id it saw, asks for `sync` after every (re)connection, keeps
unacknowledged sends in an outbox and resends them with the same client_id, and records every
message it is shown, so a test can check that each arrived exactly once.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter

from websockets.asyncio.client import ClientConnection, connect


class LiveChatClient:
    def __init__(self, *, ws_url: str, origin: str, cookie: str, name: str = "") -> None:
        self.ws_url, self.origin, self.cookie, self.name = ws_url, origin, cookie, name
        self.socket: ClientConnection | None = None
        self.last_id = 0
        self.frames: list[dict] = []  # every frame, in order
        self.received: list[dict] = []  # every message frame shown, duplicates included
        self.acks: dict[str, dict] = {}
        self.errors: list[dict] = []
        self.presence: list[tuple[str, bool]] = []
        self.outbox: dict[str, dict] = {}
        self.synced = asyncio.Event()
        self._reader: asyncio.Task | None = None
        self._waiters: list[tuple[callable, asyncio.Future]] = []

    # --- connection ------------------------------------------------------------------------

    async def connect(self, *, timeout: float = 10.0) -> None:
        self.synced.clear()
        self.socket = await asyncio.wait_for(
            connect(
                self.ws_url,
                origin=self.origin,
                additional_headers={"Cookie": self.cookie},
                open_timeout=timeout,
            ),
            timeout,
        )
        self._reader = asyncio.create_task(self._read(self.socket))
        await self.socket.send(json.dumps({"type": "sync", "after": self.last_id}))
        await asyncio.wait_for(self.synced.wait(), timeout)
        for client_id, frame in list(self.outbox.items()):
            await self.socket.send(json.dumps(frame | {"client_id": client_id}))

    async def connect_retrying(self, *, deadline: float = 30.0) -> None:
        """Reconnect with backoff until the server is back (as chat.js does)."""
        loop = asyncio.get_running_loop()
        end, delay = loop.time() + deadline, 0.1
        while True:
            try:
                await self.connect()
                return
            except Exception:  # refused, reset or timed out while the server restarts
                if loop.time() > end:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass

    async def _read(self, socket: ClientConnection) -> None:
        try:
            async for raw in socket:
                self._handle(json.loads(raw))
        except Exception:
            pass  # the server went away; the test decides what happens next

    def _handle(self, frame: dict) -> None:
        self.frames.append(frame)
        kind = frame.get("type")
        if kind == "message":
            message = frame["message"]
            self.received.append(message)  # duplicates too: the test must be able to see them
            self.last_id = max(self.last_id, message["id"])
        elif kind == "ack":
            self.acks[frame["client_id"]] = frame["message"]
            self.outbox.pop(frame["client_id"], None)
            self.last_id = max(self.last_id, frame["message"]["id"])
        elif kind == "synced":
            self.last_id = max(self.last_id, frame["last"])
            self.synced.set()
        elif kind == "error":
            self.errors.append(frame)
            if frame.get("client_id"):
                self.outbox.pop(frame["client_id"], None)
        elif kind == "presence":
            self.presence.append((frame["username"], frame["online"]))
        for predicate, future in list(self._waiters):
            if not future.done() and predicate(frame):
                future.set_result(frame)

    async def wait_for(self, predicate, timeout: float = 10.0, *, since: int = 0) -> dict:
        """The first frame (from index `since` on, already arrived or still to come) matching `predicate`."""
        for frame in self.frames[since:]:
            if predicate(frame):
                return frame
        future = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._waiters.remove((predicate, future))

    # --- sending ---------------------------------------------------------------------------

    async def send(self, conversation: int, body: str, *, client_id: str | None = None) -> str:
        """Queue a message and send it if connected; it stays queued until acked."""
        client_id = client_id or uuid.uuid4().hex
        frame = {"type": "send", "conversation": conversation, "body": body}
        self.outbox[client_id] = frame
        if self.socket is not None:
            try:
                await self.socket.send(json.dumps(frame | {"client_id": client_id}))
            except Exception:
                pass  # offline: sent again after the next connect
        return client_id

    # --- what the test checks --------------------------------------------------------------

    def received_ids(self) -> list[int]:
        return [m["id"] for m in self.received]

    def duplicates(self) -> list[int]:
        return [i for i, n in Counter(self.received_ids()).items() if n > 1]

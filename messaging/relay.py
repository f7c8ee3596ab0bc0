"""Fan-out inside a process: one channel-layer channel per process instead of one per socket.

Every frame for a member (a direct message, a read receipt, presence, a notification) goes to
the member's group, and every lobby-room message to the room's group. Rather than have each
socket's consumer join those groups with its own channel, and wake its own dispatch loop for
each frame, each process holds one relay channel that joins a group once (when its first
local socket needs it) and writes the frame to the local sockets itself. A message to a
200-member room is one channel-layer delivery per process rather than 200, and a direct
message reaches the recipient's socket one loop turn after it is committed. With
channels-redis it is also one Redis delivery per process instead of one per socket.

Layer events name their target (`room` or `member`; see messaging.delivery) so the relay knows
which local sockets get them. The relay knows sockets only as `Listener`s (the chat consumer is
one) and the layer's health only as `Health`: it imports neither of them. messaging.consumers
builds the process's relay with its LayerHealth.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Protocol

from channels.consumer import get_handler_name
from channels.layers import get_channel_layer

from messaging.delivery import member_group, room_group
from messaging.layers import LAYER_ERRORS

logger = logging.getLogger(__name__)

# The relay's channel takes every frame for every socket of the process, so it gets a far
# larger capacity than a single socket's channel (CHANNEL_LAYERS' channel_capacity matches this).
RELAY_MARK = "!relay"


def relay_channel_name(channel: str) -> str:
    """`channel` (a fresh layer channel) marked as a relay channel.

    The layer's own prefix stays: channels-redis reads all of a process's channels through one
    shared receive loop keyed on it (another prefix would starve one or the other).
    """
    return channel.replace("!", RELAY_MARK, 1)


def event_group(event: dict) -> str | None:
    if "room" in event:
        return room_group(event["room"])
    if "member" in event:
        return member_group(event["member"])
    return None


class Listener(Protocol):
    """A local socket as the relay sees it: one handler per layer event type it is sent.

    The types are messaging.delivery's (`chat.frame` is handled by `chat_frame`, and so on).
    """

    async def chat_frame(self, event: dict) -> None: ...

    async def chat_room_join(self, event: dict) -> None: ...

    async def chat_room_leave(self, event: dict) -> None: ...

    async def chat_session_check(self, event: dict) -> None: ...


class Health(Protocol):
    """Who is told when the layer's server is away, and decides when it is back."""

    def mark_down(self, error: BaseException) -> None: ...

    async def try_recover(self, probe: Callable[[], Awaitable[None]]) -> bool: ...


class GroupRelay:
    def __init__(self, *, health: Health | None = None) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.channel: str | None = None
        self.task: asyncio.Task | None = None
        self.groups: dict[str, weakref.WeakSet[Listener]] = {}
        self.health = health

    async def _ensure_started(self) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is not loop or self.task is None or self.task.done():
            # A new event loop (a test) or a relay that stopped: start over with a fresh channel.
            self.loop, self.groups = loop, {}
            self.channel = relay_channel_name(await get_channel_layer().new_channel())
            self.task = loop.create_task(self._run(self.channel))

    async def join(self, consumer: Listener, group: str) -> None:
        await self._ensure_started()
        members = self.groups.get(group)
        if members is None:
            await get_channel_layer().group_add(group, self.channel)
            members = self.groups[group] = weakref.WeakSet()
        members.add(consumer)

    async def leave(self, consumer: Listener, group: str) -> None:
        if self.loop is not asyncio.get_running_loop():
            return
        members = self.groups.get(group)
        if members is None:
            return
        members.discard(consumer)
        if not members:
            del self.groups[group]
            await get_channel_layer().group_discard(group, self.channel)

    async def refresh(self) -> None:
        """Join every group again, within the layer's group_expiry (called by the heartbeat)."""
        if self.loop is not asyncio.get_running_loop() or self.channel is None:
            return
        layer = get_channel_layer()
        for group in list(self.groups):
            await layer.group_add(group, self.channel)

    async def probe(self) -> None:
        """Raises while the layer's server is unreachable; re-joins the groups once it answers."""
        await self._ensure_started()
        layer = get_channel_layer()
        await layer.group_add("chat.probe", self.channel)
        await layer.group_discard("chat.probe", self.channel)
        await self.refresh()

    async def _run(self, channel: str) -> None:
        layer = get_channel_layer()
        delay = 0.5
        while True:
            try:
                event = await layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except LAYER_ERRORS as error:
                # The layer's server is away (Redis): keep trying; once it answers, every socket
                # asks its client to reconnect and sync, and the groups are joined again.
                if self.health is not None:
                    self.health.mark_down(error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                if self.health is not None:
                    await self.health.try_recover(self.probe)
                continue
            delay = 0.5
            await self.deliver(event)

    async def deliver(self, event: dict) -> None:
        group = event_group(event)
        for consumer in list(self.groups.get(group, ())):
            handler = getattr(consumer, get_handler_name(event), None)
            if handler is None:
                logger.error("chat relay: no handler for %r", event.get("type"))
                return
            try:
                await handler(event)
            except Exception:  # one broken socket must not stop the others
                logger.exception("chat relay: delivery to a socket failed")

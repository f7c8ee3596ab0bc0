"""Room fan-out inside a process: one channel per process per room instead of one per socket.

A message to a 200-member lobby room used to be 200 channel-layer deliveries, each woken,
dispatched and handled by its own consumer. Here each process holds one relay channel that
joins the room's group once (when its first local socket enters the room) and writes the frame
to every local socket of the room itself. With channels-redis that is also one Redis delivery
per process instead of one per member.

Frames of direct and group conversations still go through each member's own group.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import TYPE_CHECKING

from channels.layers import get_channel_layer

from messaging.realtime import room_group

if TYPE_CHECKING:
    from messaging.consumers import ChatConsumer

logger = logging.getLogger(__name__)


class RoomRelay:
    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.channel: str | None = None
        self.task: asyncio.Task | None = None
        self.rooms: dict[int, weakref.WeakSet[ChatConsumer]] = {}
        self.layer_errors: tuple[type[BaseException], ...] = (OSError,)
        self.health = None  # the consumers' LayerHealth, set by messaging.consumers

    async def _ensure_started(self) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is not loop or self.task is None or self.task.done():
            # A new event loop (a test) or a relay that stopped: start over with a fresh channel.
            self.loop, self.rooms = loop, {}
            # The layer's default prefix: channels-redis reads all of a process's channels through
            # one shared receive loop keyed on it (another prefix would starve one or the other).
            self.channel = await get_channel_layer().new_channel()
            self.task = loop.create_task(self._run(self.channel))

    async def join(self, consumer: ChatConsumer, room: int) -> None:
        await self._ensure_started()
        members = self.rooms.get(room)
        if members is None:
            members = self.rooms[room] = weakref.WeakSet()
            await get_channel_layer().group_add(room_group(room), self.channel)
        members.add(consumer)

    async def leave(self, consumer: ChatConsumer, room: int) -> None:
        if self.loop is not asyncio.get_running_loop():
            return
        members = self.rooms.get(room)
        if members is None:
            return
        members.discard(consumer)
        if not members:
            del self.rooms[room]
            await get_channel_layer().group_discard(room_group(room), self.channel)

    async def refresh(self) -> None:
        """Join every room group again, within the layer's group_expiry (called by the heartbeat)."""
        if self.loop is not asyncio.get_running_loop() or self.channel is None:
            return
        layer = get_channel_layer()
        for room in list(self.rooms):
            await layer.group_add(room_group(room), self.channel)

    async def probe(self) -> None:
        """Raises while the layer's server is unreachable; re-joins the rooms once it answers."""
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
            except self.layer_errors as error:
                # The layer's server is away (Redis): keep trying; once it answers, every socket
                # asks its client to reconnect and sync, and the rooms are joined again.
                if self.health is not None:
                    self.health.mark_down(error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                if self.health is not None:
                    await self.health.try_recover(self.probe)
                continue
            delay = 0.5
            room = event.get("room")
            for consumer in list(self.rooms.get(room, ())):
                try:
                    await consumer.chat_frame(event)
                except Exception:  # one broken socket must not stop the room
                    logger.exception("chat relay: delivery to a socket failed")


relay = RoomRelay()

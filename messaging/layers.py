"""Channel layers: what their errors look like, and the in-process layer of the embedded setup.

LAYER_ERRORS is what a layer raises while its server (Redis) is unreachable; the relay and the
chat socket both catch it.

The in-process layer serves the embedded, one-process setup (no REDIS_URL).

channels' InMemoryChannelLayer walks every channel and every group membership on each
`receive` and `group_send` to expire old entries. With a thousand sockets that is a thousand
walks per room message, and fan-out time grows with the square of the sockets. This layer
keeps the same semantics (capacity, message expiry, group expiry) but sweeps at most once a
second, and sends to a group's channels in one pass instead of one task per channel.
"""

from __future__ import annotations

import asyncio
import time
from copy import deepcopy

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

try:  # channels-redis (REDIS_URL) raises redis' own errors when Redis is unreachable
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - redis comes with channels-redis
    RedisError = OSError
LAYER_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)

_SCALARS = (str, int, float, bool, type(None))


class InProcessChannelLayer(InMemoryChannelLayer):
    sweep_interval = 1.0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # channels' base layer keeps `channel_capacity` as given, but get_capacity() expects the
        # compiled (regex, capacity) pairs that channels-redis builds: build them the same way.
        self.channel_capacity = self.compile_capacities(kwargs.get("channel_capacity") or {})
        self._next_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.sweep_interval
        super()._clean_expired()

    async def send(self, channel: str, message: dict) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = self._new_queue(channel)
        # A flat event of strings and numbers (all of ours) needs no deep copy.
        copy = dict(message) if all(isinstance(v, _SCALARS) for v in message.values()) else deepcopy(message)
        try:
            queue.put_nowait((time.time() + self.expiry, copy))
        except Exception as error:  # asyncio.QueueFull
            raise ChannelFull(channel) from error

    def _new_queue(self, channel: str):
        return asyncio.Queue(maxsize=self.get_capacity(channel))

    async def group_send(self, group: str, message: dict) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            try:
                await self.send(channel, message)
            except ChannelFull:
                pass  # that socket is behind: it recovers through seq gaps and sync

    async def receive(self, channel: str) -> dict:
        self.require_valid_channel_name(channel)
        self._clean_expired()
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = self._new_queue(channel)
        try:
            _, message = await queue.get()
        finally:
            if queue.empty() and self.channels.get(channel) is queue:
                self.channels.pop(channel, None)
        return message

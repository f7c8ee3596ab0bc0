"""The in-process channel layer: the in-memory layer's semantics without its quadratic sweeps."""

from __future__ import annotations

import asyncio
import time

import pytest
from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

from messaging.layers import InProcessChannelLayer


async def test_group_send_reaches_every_member_of_the_group_and_nobody_else():
    layer = InProcessChannelLayer()
    await layer.group_add("room", "a!1")
    await layer.group_add("room", "b!1")

    await layer.group_send("room", {"type": "chat.frame", "text": "hi"})

    assert await layer.receive("a!1") == {"type": "chat.frame", "text": "hi"}
    assert await layer.receive("b!1") == {"type": "chat.frame", "text": "hi"}
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(layer.receive("c!1"), 0.05)


async def test_a_full_channel_raises_on_send_and_is_skipped_by_group_send():
    layer = InProcessChannelLayer(capacity=2)
    await layer.group_add("room", "slow!1")
    await layer.group_add("room", "fast!1")
    await layer.send("slow!1", {"n": 1})
    await layer.send("slow!1", {"n": 2})

    with pytest.raises(ChannelFull):
        await layer.send("slow!1", {"n": 3})
    await layer.group_send("room", {"n": 4})

    assert await layer.receive("fast!1") == {"n": 4}
    assert [await layer.receive("slow!1"), await layer.receive("slow!1")] == [{"n": 1}, {"n": 2}]


async def test_expired_messages_are_swept_and_their_channel_leaves_its_groups():
    layer = InProcessChannelLayer(expiry=0.01)
    layer.sweep_interval = 0
    await layer.group_add("room", "gone!1")
    await layer.send("gone!1", {"n": 1})
    time.sleep(0.02)

    await layer.group_send("room", {"n": 2})

    assert "gone!1" not in layer.groups.get("room", {})


async def test_nested_events_are_copied_not_shared():
    layer = InProcessChannelLayer()
    event = {"type": "x", "data": {"list": [1]}}
    await layer.send("a!1", event)
    event["data"]["list"].append(2)

    assert (await layer.receive("a!1"))["data"] == {"list": [1]}


async def _room_fan_out_seconds(layer) -> float:
    for n in range(1000):
        await layer.group_add(f"chat.member.{n}", f"s!{n}")
        if n < 200:
            await layer.group_add("chat.room.1", f"s!{n}")
    started = time.perf_counter()
    await layer.group_send("chat.room.1", {"type": "chat.frame", "text": "x"})
    for n in range(200):
        await layer.receive(f"s!{n}")
    return time.perf_counter() - started


async def test_a_room_message_to_a_thousand_sockets_does_not_walk_every_group_each_time():
    # Best of three each, so a warm-up or a busy moment on the machine does not decide.
    ours = min([await _room_fan_out_seconds(InProcessChannelLayer()) for _ in range(3)])
    stock = min([await _room_fan_out_seconds(InMemoryChannelLayer()) for _ in range(3)])

    # channels' layer sweeps all 1,200 memberships on each of the 200 receives (20x here).
    assert ours * 5 < stock

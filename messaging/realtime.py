"""Frames and channel-layer groups: the one place that knows the shape of what goes on the wire.

Groups:
- `chat.member.<id>`: every socket (tab) of one member, whatever process holds it. Direct and
  group conversations fan out here (a handful of members each), so a socket never has to join
  a group before it can receive a new conversation's first message.
- `chat.room.<conversation id>`: the sockets of the members of a space lobby room, so a message
  to a 200-member room is one group send.

Events carry the frame already serialised (`text`): a room of 200 sockets serialises it once.
They also name their target (`member` or `room`, see to_member/to_room): each process reads
them through one relay channel (messaging.relay), which hands them to its local sockets.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

if TYPE_CHECKING:
    from messaging.models import Message, Notification


def member_group(member_id: int) -> str:
    return f"chat.member.{member_id}"


def room_group(conversation_id: int) -> str:
    return f"chat.room.{conversation_id}"


def to_member(member_id: int, event: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A send to every socket of one member; the event names the member for the process relay."""
    return member_group(member_id), {**event, "member": member_id}


def to_room(conversation_id: int, event: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A send to every socket in a lobby room; the event names the room for the process relay."""
    return room_group(conversation_id), {**event, "room": conversation_id}


def message_payload(message: Message) -> dict[str, Any]:
    """The `message` object of the `message` and `ack` frames and of the JSON API."""
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "seq": message.seq,
        "sender": message.sender.username,
        "body": message.body,
        "created": message.created.isoformat(),
    }


def notification_payload(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": notification.url,
        "created": notification.created.isoformat(),
        "read": notification.read_at is not None,
    }


def dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def frame_event(frame: dict[str, Any], *, exclude_member: int | None = None) -> dict:
    """A channel-layer event that a ChatConsumer turns into one frame on its socket."""
    event: dict[str, Any] = {"type": "chat.frame", "text": dumps(frame)}
    if exclude_member is not None:
        event["exclude_member"] = exclude_member
    return event


def send_to_groups(sends: Iterable[tuple[str, dict]]) -> None:
    """Send events now (from synchronous code; the channel layer is asynchronous)."""
    sends = list(sends)
    if not sends:
        return
    layer = get_channel_layer()
    if layer is None:
        return

    async def _send_all() -> None:
        for group, event in sends:
            await layer.group_send(group, event)

    async_to_sync(_send_all)()


def send_after_commit(sends: Iterable[tuple[str, dict]]) -> None:
    """Send once the current transaction commits: nobody hears of a write that might roll back."""
    sends = list(sends)
    # robust: the write is committed and the database is the truth; a channel layer that is down
    # (Redis restarting) only costs the live hint, which clients recover through `sync`.
    transaction.on_commit(lambda: send_to_groups(sends), robust=True)

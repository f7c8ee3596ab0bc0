"""Delivery: domain events (messaging.events) turned into frames on the channel layer.

The one module that knows the wire: frame layouts, channel-layer groups and the consumer
handlers that layer events name. Services only announce what happened (`announce`, once the
transaction commits); every entry point (the chat socket, the HTML views, the JSON API, the help
board, management commands) reaches the sockets through `sends_for` below.

Two ways out, one way to build the frames:
- `announce(event)`: from synchronous code, delivered once the current transaction commits.
- `collecting()` + `deliver(sends)`: the chat socket runs its service call inside
  `collecting()` on the database thread, gets back the sends of what was announced and
  committed, and awaits `deliver` from its event loop. The recipient's frame is on the layer before the
  sender's ack is written, with no round trip from the database thread to the loop.

Groups:
- `chat.member.<id>`: every socket (tab) of one member, whatever process holds it. Direct and
  group conversations fan out here (a handful of members each), so a socket never has to join
  a group before it can receive a new conversation's first message.
- `chat.room.<conversation id>`: the sockets of the members of a space lobby room, so a message
  to a 200-member room is one group send.

Layer events carry the frame already serialised (`text`): a room of 200 sockets serialises it
once. They also name their target (`member` or `room`): each process reads them through one
relay channel (messaging.relay), which hands them to its local sockets' handlers
(`chat.frame` -> ChatConsumer.chat_frame, `chat.room_join`, `chat.room_leave`,
`chat.session_check`: the sockets of a member whose session may have ended check theirs).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import translation

from community.notifications.kinds import render
from messaging.attachments import attachments_payload
from messaging.events import (
    ConversationRead,
    Event,
    MemberTyping,
    MessageChanged,
    MessageSent,
    NotificationCreated,
    NotificationsRead,
    PresenceChanged,
    RoomsChanged,
    SessionsEnded,
    UnreadChanged,
)
from messaging.models import REACTIONS

if TYPE_CHECKING:
    from community.notifications.models import Notification
    from messaging.models import Message

Send = tuple[str, dict[str, Any]]

# Layer event types, each the name of a ChatConsumer handler (channels maps "a.b" to a_b).
FRAME = "chat.frame"
ROOM_JOIN = "chat.room_join"
ROOM_LEAVE = "chat.room_leave"
SESSION_CHECK = "chat.session_check"


# --- frames (the protocol: ARCHITECTURE.md and the README's "WebSocket protocol additions") ---


def message_payload(message: Message) -> dict[str, Any]:
    """The `message` object of the `message`, `ack` and `message_updated` frames and of the JSON API."""
    sender = message.sender
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "seq": message.seq,
        "sender": sender.username,
        "sender_name": str(sender),
        "sender_avatar": sender.avatar.url if sender.avatar else None,
        "body": message.body,
        "created": message.created.isoformat(),
        "version": message.version,
        "edited": message.edited_at.isoformat() if message.edited_at else None,
        "deleted": message.deleted_at is not None,
        "reactions": reaction_summary(message),
        "attachments": attachments_payload(message),
    }


def reaction_summary(message: Message) -> list[dict[str, Any]]:
    """[{emoji, count, usernames}] in the order of the offered reactions.

    Reads the prefetched reactions (selectors prefetch them for pages and `sync`); a message still
    at version 1 has never been reacted to (every reaction bumps the version), so the send path
    asks nothing.
    """
    cache = getattr(message, "_prefetched_objects_cache", {})
    if "reactions" in cache:
        reactions = cache["reactions"]
    elif message.version == 1:
        return []
    else:
        reactions = message.reactions.select_related("member")
    by_emoji: dict[str, list[str]] = {}
    for reaction in reactions:
        by_emoji.setdefault(reaction.emoji, []).append(reaction.member.username)
    return [
        {"emoji": emoji, "count": len(by_emoji[emoji]), "usernames": by_emoji[emoji]}
        for emoji in REACTIONS
        if emoji in by_emoji
    ]


def notification_payload(notification: Notification) -> dict[str, Any]:
    """The notification in its recipient's language (a fact is worded when shown)."""
    with translation.override(notification.recipient.reading_language):
        words = render(notification)
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": words.title,
        "body": words.body,
        "url": notification.url,
        "created": notification.created.isoformat(),
        "read": notification.read_at is not None,
    }


def message_frame(message: Message) -> dict[str, Any]:
    return {"type": "message", "message": message_payload(message)}


def message_updated_frame(message: Message) -> dict[str, Any]:
    return {"type": "message_updated", "message": message_payload(message)}


def ack_frame(client_id: str, message: Message) -> dict[str, Any]:
    return {"type": "ack", "client_id": client_id, "message": message_payload(message)}


def synced_frame(last: int) -> dict[str, Any]:
    return {"type": "synced", "last": last}


def unread_frame(conversation_id: int, count: int, total: int) -> dict[str, Any]:
    return {"type": "unread", "conversation": conversation_id, "count": count, "total": total}


def presence_frame(username: str, online: bool) -> dict[str, Any]:
    return {"type": "presence", "username": username, "online": online}


def error_frame(code: str, detail: str, client_id: str | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "code": code, "detail": detail}
    if client_id is not None:
        frame["client_id"] = client_id
    return frame


def dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


# --- groups and layer events ------------------------------------------------------------------


def session_digest(session_key: str) -> str:
    """What a layer event names a session by: not the key itself, a credential, kept off Redis."""
    return hashlib.sha256(session_key.encode()).hexdigest()


def member_group(member_id: int) -> str:
    return f"chat.member.{member_id}"


def room_group(conversation_id: int) -> str:
    return f"chat.room.{conversation_id}"


def _to_member(member_id: int, event: dict[str, Any]) -> Send:
    """A send to every socket of one member; the event names the member for the process relay."""
    return member_group(member_id), {**event, "member": member_id}


def _to_members(member_ids: Iterable[int], event: dict[str, Any]) -> list[Send]:
    return [_to_member(pk, event) for pk in member_ids]


def _to_room(conversation_id: int, event: dict[str, Any]) -> Send:
    """A send to every socket in a lobby room; the event names the room for the process relay."""
    return room_group(conversation_id), {**event, "room": conversation_id}


def _frame(frame: dict[str, Any], *, exclude_member: int | None = None) -> dict[str, Any]:
    """A layer event that a ChatConsumer writes as one frame on its socket."""
    event: dict[str, Any] = {"type": FRAME, "text": dumps(frame)}
    if exclude_member is not None:
        event["exclude_member"] = exclude_member
    return event


def _to_member_frames(member_id: int, *frames: dict[str, Any]) -> list[Send]:
    return [_to_member(member_id, _frame(frame)) for frame in frames]


def sends_for(event: Event) -> list[Send]:
    """The (group, layer event) pairs that tell the sockets concerned of `event`, in order."""
    match event:
        case MessageSent(message=message, room=True):
            return [_to_room(message.conversation_id, _frame(message_frame(message)))]
        case MessageSent(message=message, member_ids=member_ids):
            return _to_members(member_ids, _frame(message_frame(message)))
        case MessageChanged(message=message, room=True):
            # `message_id`: a socket whose lobby history starts later does not get the change.
            changed = {**_frame(message_updated_frame(message)), "message_id": message.pk}
            return [_to_room(message.conversation_id, changed)]
        case MessageChanged(message=message, member_ids=member_ids):
            return _to_members(member_ids, _frame(message_updated_frame(message)))
        case ConversationRead():
            receipt = {
                "type": "read",
                "conversation": event.conversation_id,
                "username": event.username,
                "message": event.message_id,
            }
            return _to_members(event.member_ids, _frame(receipt))
        case UnreadChanged():
            return _to_member_frames(
                event.member_id, unread_frame(event.conversation_id, event.count, event.total)
            )
        case MemberTyping():
            typing = {"type": "typing", "conversation": event.conversation_id, "username": event.username}
            if event.room:
                return [_to_room(event.conversation_id, _frame(typing, exclude_member=event.member_id))]
            return _to_members(event.member_ids, _frame(typing))
        case PresenceChanged():
            return _to_members(event.member_ids, _frame(presence_frame(event.username, event.online)))
        case NotificationCreated(notification=notification):
            frame = {"type": "notification", "notification": notification_payload(notification)}
            count = {"type": "notification_unread", "count": event.unread}
            return _to_member_frames(notification.recipient_id, frame, count)
        case NotificationsRead():
            return _to_member_frames(event.member_id, {"type": "notification_unread", "count": event.unread})
        case RoomsChanged():
            joins = [{"type": ROOM_JOIN, "conversation": c} for c in event.joined]
            leaves = [{"type": ROOM_LEAVE, "conversation": c} for c in event.left]
            return [_to_member(event.member_id, control) for control in joins + leaves]
        case SessionsEnded():
            ended = session_digest(event.session_key) if event.session_key else None
            return [_to_member(event.member_id, {"type": SESSION_CHECK, "session": ended})]
    raise TypeError(f"not a messaging event: {event!r}")


# --- delivery ---------------------------------------------------------------------------------

# Set by `collecting()`: the list that takes the sends of what is announced meanwhile, once committed.
_collector: ContextVar[list[Send] | None] = ContextVar("messaging_delivery_collector", default=None)


def _send_now(sends: list[Send]) -> None:
    """Send from synchronous code (the channel layer is asynchronous)."""
    if not sends:
        return
    layer = get_channel_layer()
    if layer is None:
        return

    async def _send_all() -> None:
        for group, layer_event in sends:
            await layer.group_send(group, layer_event)

    async_to_sync(_send_all)()


def announce(*happened: Event) -> None:
    """Tell the sockets concerned, once the current transaction commits (at once outside one).

    Nobody hears of a write that might still roll back. Robust: the write is committed and the
    database is the truth; a channel layer that is down (Redis restarting) only costs the live
    hint, which clients recover through `sync`. Inside `collecting()` the sends go to the
    collector on commit instead, for the caller to `deliver`.
    """
    if not happened:
        return
    # Built now, on the caller's thread (the database thread, for the chat socket).
    sends = [send for event in happened for send in sends_for(event)]
    collector = _collector.get()
    if collector is not None:
        transaction.on_commit(lambda: collector.extend(sends), robust=True)
    else:
        transaction.on_commit(lambda: _send_now(sends), robust=True)


def announce_now(*happened: Event) -> None:
    """Tell the sockets concerned now, for what nothing was stored for (typing).

    Unlike `announce`, a channel layer that is down raises (the chat socket answers
    `unavailable`).
    """
    _send_now([send for event in happened for send in sends_for(event)])


@contextmanager
def collecting() -> Iterator[list[Send]]:
    """Within: the sends of what the services announce are collected into the list yielded once
    it commits, instead of being sent from this thread. The caller passes the list to `deliver`.
    """
    collected: list[Send] = []
    token = _collector.set(collected)
    try:
        yield collected
    finally:
        _collector.reset(token)


async def deliver(sends: Iterable[Send], *, exclude_socket: str | None = None) -> None:
    """Send what `collecting()` gathered now, from the event loop (the chat socket, once its
    service call committed).

    `exclude_socket`: the socket whose own reply already tells it (the ack carries the message),
    so the frame is not written back to it. Layer errors propagate to the caller.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    for group, layer_event in sends:
        if exclude_socket is not None:
            layer_event = {**layer_event, "exclude_socket": exclude_socket}
        await layer.group_send(group, layer_event)

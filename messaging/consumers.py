"""The chat socket at /ws/chat/: one per browser tab, every conversation of the member on it.

The consumer is thin: it parses frames, calls services and selectors (in a thread, through
database_sync_to_async) and writes frames, which messaging.delivery builds. The protocol is in
ARCHITECTURE.md; error codes:

    invalid_json, invalid_frame, unknown_type, frame_too_large, empty_body, body_too_long,
    invalid_body, invalid_client_id, client_id_reused, not_participant, not_delivered, rate_limited,
    too_many_new_contacts,
    not_found (no such message, or not in one of the member's conversations), not_author,
    message_deleted, invalid_reaction,
    invalid_attachments, too_many, attachment_unavailable (messaging.attachments),
    unavailable (the channel layer's server, Redis, is unreachable: nothing was written)

A recoverable error never closes the socket. When the channel layer's server goes away the socket
stays open and sends answer `unavailable`; once it is back, the socket is closed with 4012 so the
client reconnects and `sync`s what it missed.

A socket lives by the session it was opened with: once that session ends (logged out, member
deactivated, password changed in another session; the tab where it was changed has a new session
key and reconnects with it), the socket is closed with 4001, on whatever process holds it, and
frames still arriving are ignored. The presence heartbeat re-checks every socket's session every
CHAT_SESSION_CHECK_SECONDS (300) in case the news was lost (the channel layer down).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
import weakref
from typing import TYPE_CHECKING, Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from community.core.errors import ServiceError
from community.core.text import is_storable_text
from messaging import delivery, selectors, services
from messaging.delivery import dumps, member_group, room_group
from messaging.layers import LAYER_ERRORS
from messaging.relay import GroupRelay

if TYPE_CHECKING:
    from messaging.models import Message

logger = logging.getLogger(__name__)

try:  # Daphne (autobahn) raises this when a frame is written to a socket that has just closed
    from autobahn.exception import Disconnected as SocketGone
except ImportError:  # pragma: no cover - another ASGI server
    SocketGone = ConnectionError
# Close code asking the client to reconnect now (the layer is back; groups were re-joined).
CLOSE_RECONNECT = 4012
# Close code for a socket whose session ended (logout, deactivated, password changed elsewhere).
CLOSE_SESSION_ENDED = 4001
# How many sockets' sessions one trip to the database thread checks (the heartbeat's safety net),
# so sends of other sockets wait behind a short batch rather than behind a thousand checks.
SESSION_CHECK_BATCH = 100

# Daphne's own limit (--websocket_max_message_size 65536) closes bigger frames before we see
# them; this keeps the same bound when the app runs under another server.
MAX_FRAME_BYTES = 65536
SYNC_BATCH = 1000
# Typing and read frames are cheap but not free: a socket may send this many per window.
SOCKET_FRAMES_PER_WINDOW = 60
SOCKET_WINDOW_SECONDS = 10.0


# Ids are 64-bit signed integers in the database; a bigger number is no id (and would overflow).
MAX_ID = 2**63 - 1


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def _is_cursor(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID


class FrameError(ServiceError):
    """A frame the socket refuses: answered with an `error` frame naming the frame's client_id."""

    def __init__(self, code: str, detail, client_id: str | None = None) -> None:
        super().__init__(code, detail)
        self.client_id = client_id


class PresenceKeeper:
    """Per process: refreshes this process's connection rows while it holds sockets.

    Presence itself lives in the database (ChatConnection), so it holds across processes; this
    only keeps our rows fresh, sweeps rows of dead processes and has the relay re-join its
    groups before the channel layer's group_expiry forgets them.
    """

    def __init__(self) -> None:
        self.consumers: weakref.WeakSet[ChatConsumer] = weakref.WeakSet()
        self.task: asyncio.Task | None = None
        self.relay_refreshed = time.monotonic()
        self.sessions_checked = time.monotonic()

    def interval(self) -> float:
        return float(getattr(settings, "CHAT_PRESENCE_HEARTBEAT_SECONDS", 30))

    def session_check_interval(self) -> float:
        return float(getattr(settings, "CHAT_SESSION_CHECK_SECONDS", 300))

    def add(self, consumer: ChatConsumer) -> None:
        self.consumers.add(consumer)
        loop = asyncio.get_running_loop()
        if self.task is None or self.task.done() or self.task.get_loop() is not loop:
            self.task = loop.create_task(self._run())

    def discard(self, consumer: ChatConsumer) -> None:
        self.consumers.discard(consumer)
        if not self.consumers and self.task is not None:
            self.task.cancel()
            self.task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval())
            try:
                await database_sync_to_async(services.connections_heartbeat)()
                if time.monotonic() - self.relay_refreshed > services.group_refresh_interval():
                    self.relay_refreshed = time.monotonic()
                    await relay.refresh()
                if time.monotonic() - self.sessions_checked > self.session_check_interval():
                    self.sessions_checked = time.monotonic()
                    await self.check_sessions()
            except asyncio.CancelledError:
                raise
            except Exception:  # a database hiccup must not stop the heartbeat for good
                logger.exception("chat presence heartbeat failed")

    async def check_sessions(self) -> None:
        """Close the sockets whose session ended without their hearing of it (the layer was down)."""
        sockets = [c for c in list(self.consumers) if c.accepted and not c.session_ended]
        for start in range(0, len(sockets), SESSION_CHECK_BATCH):
            batch = sockets[start : start + SESSION_CHECK_BATCH]
            valid = await database_sync_to_async(_sessions_valid)(
                [(c.session_key, c.member.pk) for c in batch]
            )
            for consumer, ok in zip(batch, valid, strict=True):
                if not ok:
                    await consumer.end_session()


def _sessions_valid(sessions: list[tuple[str | None, int]]) -> list[bool]:
    return [selectors.session_is_valid(session_key=key, member_id=member_id) for key, member_id in sessions]


presence_keeper = PresenceKeeper()


class LayerHealth:
    """Process-wide: is the channel layer's server (Redis) reachable?

    The relay reads the process's only layer channel, so it is the one that notices Redis going
    away (or a failed send does). Once Redis answers again, the relay re-joins its groups, which
    a restarted Redis no longer has, and every socket asks its client to reconnect and sync (4012).
    """

    def __init__(self) -> None:
        self.down = False

    def mark_down(self, error: BaseException) -> None:
        if not self.down:
            logger.warning("chat: channel layer unreachable (%s); sends answer 'unavailable'", error)
        self.down = True

    async def try_recover(self, probe) -> bool:
        """After a failure: True once the layer answers again (probed with `probe()`)."""
        if not self.down:
            return True
        try:
            await probe()
        except LAYER_ERRORS:
            return False
        if self.down:
            self.down = False
            logger.warning("chat: channel layer reachable again; asking every client to reconnect")
            for consumer in list(presence_keeper.consumers):
                asyncio.ensure_future(consumer.layer_recovered())
            try:
                await relay.refresh()
            except LAYER_ERRORS:
                pass
        return True


layer_health = LayerHealth()
# The process's one relay channel (messaging.relay): every frame for a socket of this process
# comes through it, and it tells layer_health when the layer's server goes away.
relay = GroupRelay(health=layer_health)


def _send_into(
    member, conversation_id: int, body, client_id, attachments=None
) -> tuple[Message, list[delivery.Send]]:
    # Collected rather than sent from this (the database) thread: the socket delivers them from
    # its event loop. Empty for a resend: it was broadcast the first time.
    with delivery.collecting() as announced:
        message = services.message_send_to(
            sender=member,
            conversation_id=conversation_id,
            body=body,
            client_id=client_id,
            attachments=attachments,
        )
    return message, announced


send_into = database_sync_to_async(_send_into)


def _sync_frames(member, after: int) -> tuple[list[str], int, bool, dict[int, int], int]:
    messages = selectors.messages_after(member=member, after=after, limit=SYNC_BATCH)
    frames = [dumps(delivery.message_frame(m)) for m in messages]
    last = messages[-1].pk if messages else after
    counts = selectors.unread_counts(member=member)
    total = selectors.unread_total(member=member)
    return frames, last, len(messages) == SYNC_BATCH, counts, total


def _changed_frames(member, after: int, cursor) -> tuple[list[str], tuple[int, int] | None]:
    changed = selectors.messages_changed_since(member=member, after=after, limit=SYNC_BATCH, cursor=cursor)
    frames = [dumps(delivery.message_updated_frame(m)) for m in changed]
    more = len(changed) == SYNC_BATCH
    return frames, (changed[-1].changed_at_id, changed[-1].pk) if more else None


def _change(member, service, **arguments) -> tuple[int, list[delivery.Send], str]:
    """The service's change, the sends it announced once committed, and the message's state as a
    frame (built here: it may read the reactions, which the event loop must not)."""
    with delivery.collecting() as announced:
        message = service(member=member, **arguments)
    return message.pk, announced, dumps(delivery.message_updated_frame(message))


change = database_sync_to_async(_change)


def _mark_read(member, conversation_id: int, message_id: int) -> list[delivery.Send]:
    with delivery.collecting() as announced:
        services.conversation_mark_read(member=member, conversation_id=conversation_id, message_id=message_id)
    return announced


mark_read = database_sync_to_async(_mark_read)


class ChatConsumer(AsyncWebsocketConsumer):
    """One browser tab. Frames for it arrive through the process's relay (messaging.relay).

    The consumer has no channel-layer channel of its own: the relay holds the process's one
    channel and calls the handlers below (chat_frame, chat_room_join, chat_room_leave,
    chat_session_check).
    """

    channel_layer_alias = None
    accepted = False
    session_ended = False

    async def layer_recovered(self) -> None:
        # Back (the relay has re-joined its groups): what was broadcast meanwhile is lost, so
        # the client reconnects and syncs.
        await self.close(code=CLOSE_RECONNECT)

    async def dispatch(self, message: dict) -> None:
        """As channels' dispatch, without its `aclose_old_connections()` before every handler.

        That call is a round trip to the single database thread for each frame delivered: a
        message to a 200-member room queued 200 of them behind the database work of every socket.
        Our handlers reach the database only through database_sync_to_async, which already
        closes stale connections on the database thread itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Whatever ended the consumer (even an error in a handler), its groups and its
            # presence row go with it; after a clean disconnect this finds nothing left to do.
            await self._cleanup()

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=4401)
            return
        self.member = user
        # The session this socket lives by: when it ends, the socket closes (4001).
        session = self.scope.get("session")
        self.session_key = session.session_key if session is not None else None
        self.language = getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE
        # Names this socket in the presence table (ChatConnection.channel_name).
        self.connection_id = f"{services.PROCESS_ID}!{uuid.uuid4().hex}"
        self.rooms: set[int] = set()
        # Lobby room -> the message id its history starts after for this member (readable_messages).
        self.room_history: dict[int, int] = {}
        self.joined: list[str] = []
        self.registered = False
        self.frame_times: list[float] = []
        self.room_history = await database_sync_to_async(selectors.room_history_starts)(member=user)
        rooms = list(self.room_history)
        try:
            await self._join(member_group(user.pk))
            for room in rooms:
                await self._join(room_group(room))
                self.rooms.add(room)
        except LAYER_ERRORS as error:
            # No live delivery possible: refuse (the client retries with backoff) rather than a 500.
            logger.warning("chat: channel layer unreachable at connect (%s)", error)
            await self._leave_groups()
            await self.close(code=1013)
            return
        # Registered before the handshake completes: once the browser sees the socket open, the
        # member counts as online everywhere and the contacts list below is already taken.
        await database_sync_to_async(services.connection_open)(member=user, channel_name=self.connection_id)
        self.registered = True
        presence_keeper.add(self)
        online = await database_sync_to_async(selectors.online_contacts)(member_id=user.pk)
        await self.accept()
        self.accepted = True
        for username in online:
            await self.send_frame(delivery.presence_frame(username, True))

    async def _join(self, group: str) -> None:
        self.joined.append(group)  # first: a failed join is still left on cleanup
        await relay.join(self, group)

    async def _leave(self, group: str) -> None:
        # Dropped at once rather than left to the layer's group_expiry.
        if group in self.joined:
            self.joined.remove(group)
        try:
            await relay.leave(self, group)
        except LAYER_ERRORS:
            pass  # the layer is down: its groups expire on their own

    async def _leave_groups(self) -> None:
        for group in list(getattr(self, "joined", [])):
            await self._leave(group)

    async def disconnect(self, code: int) -> None:
        await self._cleanup()

    async def _cleanup(self) -> None:
        await self._leave_groups()
        self.rooms = set()
        if getattr(self, "registered", False):
            presence_keeper.discard(self)
            self.registered = False
            await database_sync_to_async(services.connection_close)(
                member=self.member, channel_name=self.connection_id
            )

    # --- frames from the browser -------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.session_ended:
            return  # closing (4001): frames still in flight are not acted on
        client_id = None
        try:
            if text_data is None:
                raise FrameError("invalid_frame", _("Frames are JSON text."))
            if len(text_data) > MAX_FRAME_BYTES:
                raise FrameError("frame_too_large", _("This frame is too large."))
            try:
                frame = json.loads(text_data)
            except (ValueError, RecursionError):  # RecursionError: `[[[[…` nested thousands deep
                raise FrameError("invalid_json", _("This frame is not JSON.")) from None
            if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
                raise FrameError("invalid_frame", _("A frame is a JSON object with a type."))
            if isinstance(frame.get("client_id"), str):
                if not is_storable_text(frame["client_id"]):
                    # Not echoed: a lone surrogate cannot be written back on the socket.
                    raise FrameError("invalid_client_id", _("client_id must be valid text."))
                client_id = frame["client_id"]
            kind = frame["type"]
            if kind == "send":
                await self.on_send(frame, client_id)
                return
            self._throttle()
            if kind == "sync":
                await self.on_sync(frame)
            elif kind == "typing":
                await self.on_typing(frame)
            elif kind == "read":
                await self.on_read(frame)
            elif kind == "edit":
                await self.on_change(services.message_edit, frame, body=frame.get("body"))
            elif kind == "delete":
                await self.on_change(services.message_delete, frame)
            elif kind == "react":
                on = frame.get("on", True)
                if not isinstance(on, bool):
                    raise FrameError("invalid_frame", _("on is true or false."))
                await self.on_change(services.message_react, frame, emoji=frame.get("emoji"), on=on)
            else:
                raise FrameError("unknown_type", _("Unknown frame type."))
        except FrameError as error:
            await self.send_error(error.code, error.detail, error.client_id or client_id)
        except services.MessagingError as error:
            await self.send_error(error.code, error.detail, client_id)
        except LAYER_ERRORS as error:  # typing/read broadcasts while the layer is down
            logger.warning("chat: channel layer unreachable (%s)", error)
            await self._send_unavailable(client_id)

    async def _send_unavailable(self, client_id: str | None) -> None:
        detail = _("The chat is briefly unavailable: this was not sent. It is retried in a moment.")
        await self.send_error("unavailable", detail, client_id)

    def _throttle(self) -> None:
        now = time.monotonic()
        self.frame_times = [t for t in self.frame_times if now - t < SOCKET_WINDOW_SECONDS]
        if len(self.frame_times) >= SOCKET_FRAMES_PER_WINDOW:
            raise FrameError("rate_limited", _("Too many frames; slow down."))
        self.frame_times.append(now)

    def _conversation_id(self, frame: dict) -> int:
        value = frame.get("conversation")
        if not _is_id(value):
            raise FrameError("invalid_frame", _("conversation must be a conversation id."))
        return value

    async def on_send(self, frame: dict, client_id: str | None) -> None:
        conversation_id = self._conversation_id(frame)
        if client_id is None:
            raise FrameError("invalid_client_id", _("client_id must be a string."))
        if layer_health.down:
            # Checked before writing: a message is stored only when it can also be delivered live.
            await self._send_unavailable(client_id)
            return
        message, announced = await send_into(
            self.member, conversation_id, frame.get("body"), client_id, frame.get("attachments")
        )
        # Committed by now: broadcast from here rather than from the database thread, and not
        # back to this socket (the ack below carries the message to it).
        try:
            await delivery.deliver(announced, exclude_socket=self.connection_id)
        except LAYER_ERRORS as error:
            # Stored but not broadcast: still acked (a resend would change nothing); the others
            # catch up through `sync` when the layer is back and their sockets reconnect.
            logger.warning("chat: message %s stored, broadcast failed (%s)", message.pk, error)
        # One loop turn first: the relay writes the recipients' frames (theirs is the delivery
        # being waited for), then the sender gets the ack.
        await asyncio.sleep(0)
        await self.send_frame(delivery.ack_frame(client_id, message))

    async def on_sync(self, frame: dict) -> None:
        after = frame.get("after")
        if not _is_cursor(after):
            raise FrameError("invalid_frame", _("after must be a message id (0 or more)."))
        while True:
            frames, last, more, counts, total = await database_sync_to_async(_sync_frames)(self.member, after)
            for text in frames:
                await self.send(text_data=text)
            if not more:
                break
            after = last
        # Then what changed since `after` in messages the client already had (edits, deletes,
        # reactions); newer messages came above in their current state.
        cursor = None
        while True:
            frames, cursor = await database_sync_to_async(_changed_frames)(
                self.member, frame["after"], cursor
            )
            for text in frames:
                await self.send(text_data=text)
            if cursor is None:
                break
        await self.send_frame(delivery.synced_frame(last))
        # Authoritative unread counts follow every sync; the client resets its own before.
        for conversation_id, count in counts.items():
            await self.send_frame(delivery.unread_frame(conversation_id, count, total))

    async def on_change(self, service, frame: dict, **arguments) -> None:
        """An edit, delete or reaction: committed, then its new state goes to every tab concerned
        (this one included). A change of nothing answers this socket alone with the current state."""
        message_id = frame.get("message")
        if not _is_id(message_id):
            raise FrameError("invalid_frame", _("message must be a message id."))
        if layer_health.down:
            await self._send_unavailable(None)
            return
        message_id, announced, state = await change(self.member, service, message_id=message_id, **arguments)
        if not announced:
            await self.send(text_data=state)
            return
        try:
            await delivery.deliver(announced)
        except LAYER_ERRORS as error:
            logger.warning("chat: message %s changed, broadcast failed (%s)", message_id, error)
            await self.send(text_data=state)

    async def on_typing(self, frame: dict) -> None:
        conversation_id = self._conversation_id(frame)
        await database_sync_to_async(services.typing_announce)(
            member=self.member, conversation_id=conversation_id
        )

    async def on_read(self, frame: dict) -> None:
        conversation_id = self._conversation_id(frame)
        message_id = frame.get("message")
        if not _is_cursor(message_id):
            raise FrameError("invalid_frame", _("message must be a message id."))
        # As a send: the receipts are collected on the database thread and delivered from here,
        # rather than each one hopping from that thread back to the event loop.
        announced = await mark_read(self.member, conversation_id, message_id)
        await delivery.deliver(announced)

    # --- frames to the browser ---------------------------------------------------------

    async def send(
        self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
    ) -> None:
        try:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
        except SocketGone:
            # The browser left while a frame was on its way; the disconnect event follows.
            pass

    async def send_frame(self, frame: dict) -> None:
        await self.send(text_data=dumps(frame))

    async def send_error(self, code: str, detail, client_id: str | None) -> None:
        # Details are lazy: rendered here, in the member's language (not on every frame).
        with translation.override(self.language):
            detail = str(detail)
        await self.send_frame(delivery.error_frame(code, detail, client_id))

    # --- events from the channel layer -------------------------------------------------

    async def chat_frame(self, event: dict) -> None:
        if not self.accepted:
            return  # the relay may deliver before the handshake ends; the client's sync covers it
        room = event.get("room")
        if room is not None and room not in self.rooms:
            return  # left the room while the frame was on its way
        if room is not None and event.get("message_id", 1 << 62) <= self.room_history.get(room, 0):
            return  # a change to a message from before this member joined the room
        if event.get("exclude_member") == self.member.pk or event.get("exclude_socket") == self.connection_id:
            return
        await self.send(text_data=event["text"])

    async def chat_room_join(self, event: dict) -> None:
        room = event["conversation"]
        if room not in self.rooms:
            self.rooms.add(room)
            starts = await database_sync_to_async(selectors.room_history_starts)(member=self.member)
            self.room_history[room] = starts.get(room, 0)
            await self._join(room_group(room))

    async def chat_room_leave(self, event: dict) -> None:
        room = event["conversation"]
        if room in self.rooms:
            self.rooms.discard(room)
            await self._leave(room_group(room))

    async def chat_session_check(self, event: dict) -> None:
        """A session of this member ended: this one (a logout names it), or maybe this one."""
        if self.session_ended:
            return
        ended = event.get("session")
        if ended is not None:
            if self.session_key and ended == delivery.session_digest(self.session_key):
                await self.end_session()
            return
        # Checked in a task of its own: the relay hands frames to every socket of the process one
        # after the other, and must not wait for this one's trip to the database thread.
        self.session_check = asyncio.ensure_future(self._check_session())

    async def _check_session(self) -> None:
        valid = await database_sync_to_async(selectors.session_is_valid)(
            session_key=self.session_key, member_id=self.member.pk
        )
        if not valid and not self.session_ended:
            await self.end_session()

    async def end_session(self) -> None:
        self.session_ended = True
        await self.close(code=CLOSE_SESSION_ENDED)

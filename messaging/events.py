"""What happened in messaging, as the services announce it (Zulip's events, in our members' terms).

Plain frozen values: what changed and who is concerned (member ids, or everyone in a lobby
room). Services build them and hand them to `messaging.delivery.announce`; only
messaging.delivery knows how they become socket frames, on which channel-layer groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from community.notifications.models import Notification
    from messaging.models import Message


@dataclass(frozen=True)
class MessageSent:
    """A new message was stored (a resend of the same client_id announces nothing).

    In a lobby room (`room`) everyone who has the room open hears it; otherwise the members in
    `member_ids`, the sender's other tabs included. The other member of a direct conversation
    comes first: theirs is the delivery being waited for.
    """

    message: Message
    member_ids: tuple[int, ...] = ()
    room: bool = False


@dataclass(frozen=True)
class MessageChanged:
    """A sent message was edited, deleted or reacted to: its new state, for the same audience as MessageSent."""

    message: Message
    member_ids: tuple[int, ...] = ()
    room: bool = False


@dataclass(frozen=True)
class ConversationRead:
    """`username` read the conversation up to `message_id`: a receipt for `member_ids`."""

    conversation_id: int
    username: str
    message_id: int
    member_ids: tuple[int, ...]


@dataclass(frozen=True)
class UnreadChanged:
    """The member's unread count of one conversation, and of all of them (the badge)."""

    member_id: int
    conversation_id: int
    count: int
    total: int


@dataclass(frozen=True)
class MemberTyping:
    """A member is typing: `member_ids` hear it, or in a lobby room (`room`) everyone but the typist."""

    conversation_id: int
    member_id: int
    username: str
    member_ids: tuple[int, ...] = ()
    room: bool = False


@dataclass(frozen=True)
class PresenceChanged:
    """A member came online (first socket anywhere) or went offline (last one); `member_ids`: their contacts."""

    username: str
    online: bool
    member_ids: tuple[int, ...]


@dataclass(frozen=True)
class NotificationCreated:
    """A notification for its recipient, who now has `unread` unread ones."""

    notification: Notification
    unread: int


@dataclass(frozen=True)
class NotificationsRead:
    """Some of the member's notifications were marked read; `unread` are left."""

    member_id: int
    unread: int


@dataclass(frozen=True)
class RoomsChanged:
    """The member joined and left these lobby rooms (conversation ids): their open sockets follow."""

    member_id: int
    joined: tuple[int, ...] = ()
    left: tuple[int, ...] = ()


@dataclass(frozen=True)
class SessionsEnded:
    """Sessions of the member ended: the one with `session_key` (a logout), or, with None, any of
    them may have (deactivated, password changed): each open socket checks its own session."""

    member_id: int
    session_key: str | None = None


Event = (
    MessageSent
    | MessageChanged
    | ConversationRead
    | UnreadChanged
    | MemberTyping
    | PresenceChanged
    | NotificationCreated
    | NotificationsRead
    | RoomsChanged
    | SessionsEnded
)

"""Writes for messaging. The HTML views, the JSON API, the chat socket and commands all call these.

Every write commits first and then announces what happened (messaging.events, through
`messaging.delivery.announce`, which waits for the commit): a frame never tells of a message
that is not in the database, so `sync` can always replay what a socket missed. Services do not
know about frames, groups or sockets; messaging.delivery does.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, F, Max, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.core.errors import ServiceError
from community.core.text import is_storable_text
from community.network.models import Space
from community.network.selectors import member_space_ids, space_member_ids
from community.notifications import services as notification_services
from community.notifications.models import Notification
from community.notifications.selectors import notifications_unread_count
from messaging import attachments as chat_attachments
from messaging import selectors
from messaging.delivery import announce, announce_now
from messaging.events import (
    ConversationRead,
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
from messaging.models import (
    BODY_MAX_LENGTH,
    CLIENT_ID_MAX_LENGTH,
    REACTIONS,
    Attachment,
    Block,
    ChatConnection,
    ChatProcess,
    Conversation,
    Message,
    Participant,
    Reaction,
)
from messaging.signals import messages_changed
from messaging.tasks import missed_messages_later
from profiles.models import Member

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

logger = logging.getLogger(__name__)

RATE_LIMIT_MESSAGES = 20
RATE_LIMIT_WINDOW = timedelta(seconds=10)
GROUP_TITLE_MAX_LENGTH = 120
GROUP_MAX_MEMBERS = 50

# Names this process in the presence table (several Daphne processes share one database).
PROCESS_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class MessagingError(ServiceError):
    """The chat refuses: `code` is the `code` of an error frame, `detail` the form error or message."""


NOT_PARTICIPANT = "not_participant"


def not_participant_error() -> MessagingError:
    # One wording whether the conversation exists or not: nothing leaks to outsiders.
    return MessagingError(NOT_PARTICIPANT, _("You are not in this conversation."))


# --- direct conversations and consent ------------------------------------------------------


def _direct_key(a: int, b: int) -> str:
    low, high = sorted((a, b))
    return f"{low}:{high}"


def conversation_direct_get_or_create(*, member: Member, other: Member) -> Conversation:
    """The one direct conversation between two members, created on first use.

    The other member's side starts in their "requests" folder: a stranger's first message waits
    for them to accept, decline or block. Safe under concurrent calls (the pair key is unique).
    """
    if member.pk == other.pk:
        raise MessagingError("self", _("You cannot start a conversation with yourself."))
    key = _direct_key(member.pk, other.pk)
    existing = Conversation.objects.filter(direct_key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                kind=Conversation.Kind.DIRECT, direct_key=key, created_by=member
            )
            Participant.objects.bulk_create(
                [
                    Participant(conversation=conversation, member=member, status=Participant.Status.ACCEPTED),
                    Participant(conversation=conversation, member=other, status=Participant.Status.REQUESTED),
                ]
            )
    except IntegrityError:
        return Conversation.objects.get(direct_key=key)
    return conversation


def _participation_or_error(*, member: Member, conversation: Conversation) -> Participant:
    participant = Participant.objects.filter(member=member, conversation=conversation).first()
    if participant is None:
        raise not_participant_error()
    return participant


def request_accept(*, member: Member, conversation: Conversation) -> Participant:
    """Move a conversation from the member's requests to their inbox."""
    participant = _participation_or_error(member=member, conversation=conversation)
    if participant.status != Participant.Status.ACCEPTED:
        participant.status = Participant.Status.ACCEPTED
        participant.save(update_fields=["status"])
    return participant


def request_decline(*, member: Member, conversation: Conversation) -> Participant:
    """Hide a conversation; its other members can no longer reach this one through it.

    They are only ever told "not delivered". Writing in it again re-opens it.
    """
    if conversation.kind == Conversation.Kind.ROOM:
        raise MessagingError("room", _("Space rooms follow your spaces; mute the room instead."))
    participant = _participation_or_error(member=member, conversation=conversation)
    if participant.status != Participant.Status.DECLINED:
        participant.status = Participant.Status.DECLINED
        participant.save(update_fields=["status"])
    return participant


def member_block(*, blocker: Member, blocked: Member) -> Block:
    """`blocked` can no longer send direct messages to `blocker` (they see "not delivered").

    The direct conversation, if any, leaves the blocker's inbox and requests. Idempotent.
    """
    if blocker.pk == blocked.pk:
        raise MessagingError("self", _("You cannot block yourself."))
    with transaction.atomic():
        block, _created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
        Participant.objects.filter(
            member=blocker, conversation__direct_key=_direct_key(blocker.pk, blocked.pk)
        ).update(status=Participant.Status.DECLINED)
    return block


def member_unblock(*, blocker: Member, blocked: Member) -> None:
    """Lift a block (the conversation stays declined until the blocker writes in it)."""
    Block.objects.filter(blocker=blocker, blocked=blocked).delete()


def participant_mute(*, member: Member, conversation: Conversation, muted: bool) -> Participant:
    """A muted conversation still receives messages but no longer counts in the unread badge."""
    participant = _participation_or_error(member=member, conversation=conversation)
    participant.muted = muted
    participant.save(update_fields=["muted"])
    return participant


# --- first contacts ------------------------------------------------------------------------

NEW_CONTACTS_WINDOW = timedelta(hours=24)


def _new_contacts_allowed(member: Member) -> int:
    young = member.date_joined > timezone.now() - timedelta(days=settings.CHAT_NEW_ACCOUNT_DAYS)
    return settings.CHAT_NEW_CONTACTS_PER_DAY_NEW_ACCOUNT if young else settings.CHAT_NEW_CONTACTS_PER_DAY


def _check_new_contacts(member: Member, adding: int) -> None:
    """Refuse reaching `adding` more new people when that goes past the member's daily limit."""
    allowed = _new_contacts_allowed(member)
    made = selectors.new_contacts_count(member_id=member.pk, since=timezone.now() - NEW_CONTACTS_WINDOW)
    if made + adding > allowed:
        raise MessagingError(
            "too_many_new_contacts",
            _(
                "You can reach out to at most %(n)d new people a day (%(made)d in the last 24 "
                "hours). Wait for their answers, or try again later."
            )
            % {"n": allowed, "made": made},
        )


# --- groups and space rooms ----------------------------------------------------------------


def _unknown_members_error(usernames: Iterable[str]) -> MessagingError:
    # The form's wording for a username nobody has: a hidden member is refused in exactly these words.
    return MessagingError(
        "unknown_members",
        _("No member with the username: %(names)s") % {"names": ", ".join(sorted(usernames))},
    )


def _check_invitable(*, by: Member, others: dict[int, Member]) -> None:
    """Refuse members the inviter may not see (hidden, deactivated) as if they did not exist."""
    invitable = set(
        selectors.group_invitable_members(viewer=by).filter(pk__in=others).values_list("pk", flat=True)
    )
    unknown = [m.username for pk, m in others.items() if pk not in invitable]
    if unknown:
        raise _unknown_members_error(unknown)


def _too_many_members_error() -> MessagingError:
    return MessagingError(
        "too_many_members", _("A group has at most %(n)d members.") % {"n": GROUP_MAX_MEMBERS}
    )


def _invitations(*, conversation: Conversation, by: Member, member_ids: Iterable[int], last_read_id: int = 0):
    """Participations for invited members: in their requests, or silently declined for those who
    blocked the inviter (the inviter learns nothing about the block)."""
    ids = list(member_ids)
    blocking = set(Block.objects.filter(blocked=by, blocker_id__in=ids).values_list("blocker_id", flat=True))
    return [
        Participant(
            conversation=conversation,
            member_id=pk,
            status=Participant.Status.DECLINED if pk in blocking else Participant.Status.REQUESTED,
            last_read_id=last_read_id,
        )
        for pk in ids
    ]


def group_create(*, creator: Member, title: str, members: Iterable[Member]) -> Conversation:
    """A group conversation: the creator is in, the others find it in their requests.

    Promises: members the creator may not see (hidden, deactivated) are refused with the answer
    for a username nobody has ("unknown_members"); members who blocked the creator are added
    silently as having declined, so the creator learns nothing about the block; at most
    GROUP_MAX_MEMBERS others; each member invited counts as a new contact of the creator (see
    message_send).
    """
    title = (title or "").strip()
    if not title:
        raise MessagingError("title_required", _("Give the group a name."))
    if len(title) > GROUP_TITLE_MAX_LENGTH:
        raise MessagingError("title_too_long", _("The name is too long."))
    others = {m.pk: m for m in members if m.pk != creator.pk}
    if not others:
        raise MessagingError("members_required", _("Add at least one other member."))
    if len(others) > GROUP_MAX_MEMBERS:
        raise _too_many_members_error()
    _check_invitable(by=creator, others=others)
    with transaction.atomic():
        # Inside the transaction: on SQLite (BEGIN IMMEDIATE) two tabs cannot both pass the count.
        _check_new_contacts(creator, len(others))
        conversation = Conversation.objects.create(
            kind=Conversation.Kind.GROUP, title=title, created_by=creator
        )
        Participant.objects.bulk_create(
            [Participant(conversation=conversation, member=creator, status=Participant.Status.ACCEPTED)]
            + _invitations(conversation=conversation, by=creator, member_ids=others)
        )
    return conversation


def _group_managed_by(*, by: Member, conversation: Conversation) -> None:
    if conversation.kind != Conversation.Kind.GROUP:
        raise MessagingError("not_a_group", _("Members can only be added to or removed from a group."))
    if not Participant.objects.filter(conversation=conversation, member=by).exists():
        raise not_participant_error()
    if conversation.created_by_id != by.pk:
        raise MessagingError(
            "not_creator", _("Only the member who created the group can change its members."), status=403
        )


def group_members_add(
    *, by: Member, conversation: Conversation, members: Iterable[Member]
) -> list[Participant]:
    """Invite more members into a group; only its creator may. Returns the new participations.

    Promises: the rules of group_create (members the creator may not see are "unknown_members",
    those who blocked the creator are added silently as having declined, at most
    GROUP_MAX_MEMBERS others counting those already in, each new one a new contact of the
    creator); members already in (or who declined)
    stay as they are; the new ones find the group in their requests with its history read.
    """
    _group_managed_by(by=by, conversation=conversation)
    others = {m.pk: m for m in members if m.pk != by.pk}
    if not others:
        raise MessagingError("members_required", _("Add at least one other member."))
    _check_invitable(by=by, others=others)
    with transaction.atomic():
        # Lock the conversation (PostgreSQL) so two additions cannot both pass the ceiling.
        Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
        present = set(
            Participant.objects.filter(conversation=conversation)
            .exclude(member=by)
            .values_list("member_id", flat=True)
        )
        new_ids = [pk for pk in others if pk not in present]
        if len(present) + len(new_ids) > GROUP_MAX_MEMBERS:
            raise _too_many_members_error()
        _check_new_contacts(by, len(new_ids))
        last = Message.objects.filter(conversation=conversation).aggregate(m=Max("id"))["m"] or 0
        created = Participant.objects.bulk_create(
            _invitations(conversation=conversation, by=by, member_ids=new_ids, last_read_id=last)
        )
    return created


def _leave(*, member: Member, conversation: Conversation) -> None:
    """Delete the participation: from the commit on, no frame, page or API shows the group to them."""
    with transaction.atomic():
        Participant.objects.filter(conversation=conversation, member=member).delete()
        announce(
            UnreadChanged(
                member_id=member.pk,
                conversation_id=conversation.pk,
                count=0,
                total=selectors.unread_total(member=member),
            )
        )


def group_member_remove(*, by: Member, conversation: Conversation, member: Member) -> None:
    """Take a member out of a group; only its creator may (and leaves with group_leave).

    Promises: the removed member receives none of the group's messages sent after this commits
    (recipients are read at each send) and can no longer open or read it (page, API, socket).
    """
    _group_managed_by(by=by, conversation=conversation)
    if member.pk == by.pk:
        raise MessagingError("self", _("To leave your own group, use Leave the group."))
    if not Participant.objects.filter(conversation=conversation, member=member).exists():
        raise MessagingError("not_member", _("This member is not in the group."))
    _leave(member=member, conversation=conversation)


def group_leave(*, member: Member, conversation: Conversation) -> None:
    """The member leaves a group: as if removed (nothing more reaches them, the group is gone
    from their inbox). Its creator may leave too; the group then has nobody to manage its members.
    """
    if conversation.kind != Conversation.Kind.GROUP:
        raise MessagingError("not_a_group", _("Only a group can be left; decline or block instead."))
    _participation_or_error(member=member, conversation=conversation)
    _leave(member=member, conversation=conversation)


def space_room_for(space: Space) -> Conversation:
    """The lobby room of a space (created on first use; one per space)."""
    room = selectors.space_room_get(space_id=space.pk)
    if room is not None:
        return room
    try:
        with transaction.atomic():
            return Conversation.objects.create(kind=Conversation.Kind.ROOM, space=space, title=space.name)
    except IntegrityError:
        return Conversation.objects.get(kind=Conversation.Kind.ROOM, space=space)


def space_lobby_url(*, space: Space, member: Member | AnonymousUser) -> str | None:
    """Where a space page's "Lobby chat" link takes the member: the space's lobby room.

    None for a visitor who is not logged in. The room is created on first use; if the chat
    fails, the link goes to the inbox rather than taking the space page down.
    """
    if not member.is_authenticated:
        return None
    try:
        return space_room_for(space).get_absolute_url()
    except Exception:
        logger.exception("lobby room of space %s unavailable", space.pk)
        return reverse("messaging:inbox")


def space_rooms_sync(*, member: Member, space_ids: Iterable[int] | None = None) -> None:
    """Put the member in the lobby room of each of their spaces, and out of the others.

    The member's spaces are those they belong to (community.network.selectors), unless
    `space_ids` says otherwise. Sockets already open follow
    at once. A member joining a room starts with its history read.
    """
    wanted = (
        set(space_ids)
        if space_ids is not None
        else member_space_ids(member_ids=[member.pk]).get(member.pk, set())
    )
    current = dict(
        Participant.objects.filter(member=member, conversation__kind=Conversation.Kind.ROOM).values_list(
            "conversation__space_id", "conversation_id"
        )
    )
    joined: list[int] = []
    left: list[int] = []
    with transaction.atomic():
        for space in Space.objects.filter(pk__in=wanted - set(current)):
            room = space_room_for(space)
            last = Message.objects.filter(conversation=room).aggregate(m=Max("id"))["m"] or 0
            # The room's history starts now for them: what was said before they joined the
            # space's community stays with those who were there.
            _participant, created = Participant.objects.get_or_create(
                conversation=room, member=member, defaults={"last_read_id": last, "history_after_id": last}
            )
            if created:
                joined.append(room.pk)
        stale = [cid for sid, cid in current.items() if sid not in wanted]
        if stale:
            Participant.objects.filter(member=member, conversation_id__in=stale).delete()
            left = stale
    if joined or left:
        announce(RoomsChanged(member_id=member.pk, joined=tuple(joined), left=tuple(left)))


def space_room_members_sync(*, space: Space) -> int:
    """Bring every member of a space into its lobby room at once (bulk; for seeding). Returns how many joined."""
    room = space_room_for(space)
    last = Message.objects.filter(conversation=room).aggregate(m=Max("id"))["m"] or 0
    member_ids = space_member_ids(space_ids=[space.pk])
    present = set(Participant.objects.filter(conversation=room).values_list("member_id", flat=True))
    missing = member_ids - present
    Participant.objects.bulk_create(
        [
            Participant(conversation=room, member_id=pk, last_read_id=last, history_after_id=last)
            for pk in sorted(missing)
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    return len(missing)


# --- messages ------------------------------------------------------------------------------
#
# Sending is the hot path (every chat frame, 100 a second in the benchmark), so it is written
# for few round trips: one query for everything the checks need (participation, rate window,
# client_id, the other side of a direct conversation: declined? blocked?), then the insert
# transaction, whose counter UPDATE returns the new seq.


def _validate_client_id(client_id) -> str:
    if (
        not isinstance(client_id, str)
        or not (1 <= len(client_id) <= CLIENT_ID_MAX_LENGTH)
        or not is_storable_text(client_id)
    ):
        raise MessagingError(
            "invalid_client_id",
            _("client_id must be a string of 1 to %(n)d characters.") % {"n": CLIENT_ID_MAX_LENGTH},
        )
    return client_id


def _clean_body(body, *, may_be_empty: bool = False) -> str:
    if may_be_empty and body is None:
        return ""  # a message of attachments only
    if not isinstance(body, str):
        raise MessagingError("empty_body", _("Write a message first."))
    body = body.strip()
    if not body and not may_be_empty:
        raise MessagingError("empty_body", _("Write a message first."))
    if len(body) > BODY_MAX_LENGTH:
        raise MessagingError(
            "body_too_long", _("A message has at most %(n)d characters.") % {"n": BODY_MAX_LENGTH}
        )
    if not is_storable_text(body):
        raise MessagingError("invalid_body", _("This message holds a character that is not valid text."))
    return body


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _db_datetime(value: datetime):
    """A datetime as the ORM would store it (naive UTC text on SQLite), for plain SQL."""
    return connection.ops.adapt_datetimefield_value(value)


def _existing_by_client_id(*, sender: Member, client_id: str) -> tuple[int, int] | None:
    """(id, conversation id) of the sender's message stored under this client_id, if any."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, conversation_id FROM {_table(Message)} WHERE sender_id = %s AND client_id = %s",
            [sender.pk, client_id],
        )
        return cursor.fetchone()


def _stored(*, message_id: int, stored_in: int, conversation_id: int) -> Message:
    if stored_in != conversation_id:
        raise MessagingError(
            "client_id_reused", _("This client_id was already used for another conversation.")
        )
    return (
        Message.objects.select_related("sender")
        .prefetch_related(selectors.with_attachments())
        .get(pk=message_id)
    )


def _serialise_message_ids() -> None:
    """Make message ids grow in commit order (PostgreSQL).

    A sequence hands out ids at insert time, so two transactions could commit 11 before 10;
    a client that saw 11 and then syncs "after 11" would never get 10. One transaction-scoped
    advisory lock around the insert keeps id order and commit order the same. SQLite already
    serialises writers (transaction_mode IMMEDIATE).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x6D736773])  # "msgs"


def _next_seq(conversation_id: int, created: datetime) -> int:
    """Bump the conversation's counter and return it, in one statement.

    The UPDATE locks the conversation's row (PostgreSQL) or the database (SQLite) until the
    transaction ends, so two senders never share a seq and seq follows commit order.
    UPDATE ... RETURNING: PostgreSQL, and SQLite since 3.35.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table(Conversation)} SET last_seq = last_seq + 1, last_message_at = %s"
            " WHERE id = %s RETURNING last_seq",
            [_db_datetime(created), conversation_id],
        )
        return cursor.fetchone()[0]


def _insert_message(
    *, sender: Member, conversation_id: int, body: str, client_id: str, created: datetime
) -> Message:
    """Allocate the next seq and insert, inside the caller's transaction (plain SQL: the hot path)."""
    _serialise_message_ids()
    seq = _next_seq(conversation_id, created)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(Message)} (conversation_id, sender_id, body, client_id, seq, created)"
            " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            [conversation_id, sender.pk, body, client_id, seq, _db_datetime(created)],
        )
        message_id = cursor.fetchone()[0]
    return Message(
        id=message_id,
        conversation_id=conversation_id,
        sender=sender,
        body=body,
        client_id=client_id,
        seq=seq,
        created=created,
    )


def _message_sent(message: Message, kind: str, recipients: list[int] | None) -> MessageSent:
    if kind == Conversation.Kind.ROOM:
        return MessageSent(message=message, room=True)
    if recipients is None:
        recipients = list(
            Participant.objects.filter(
                conversation_id=message.conversation_id, status__in=selectors.LISTENING
            ).values_list("member_id", flat=True)
        )
    return MessageSent(message=message, member_ids=tuple(recipients))


def message_send(
    *, sender: Member, conversation: Conversation, body: str, client_id: str, attachments: object = None
) -> Message:
    """Store a message from a participant and broadcast it once committed.

    Promises: the body is 1 to 4,000 characters after trimming; the sender is a participant
    (writing in a conversation they declined or were asked into accepts it); in a direct
    conversation whose other member declined it or blocked the sender, nothing is stored and
    the error says only "not delivered"; a member sends at most 20 messages per 10 seconds;
    the first message of a direct conversation the other member has not accepted (a message
    request) counts as a new contact, and a member reaches at most CHAT_NEW_CONTACTS_PER_DAY
    new people per 24 hours (CHAT_NEW_CONTACTS_PER_DAY_NEW_ACCOUNT while the account is younger
    than CHAT_NEW_ACCOUNT_DAYS; `too_many_new_contacts`);
    idempotent by `client_id` (a resend returns the stored message and broadcasts nothing,
    even if the limits would refuse it now); `seq` is the previous one plus one, and message
    ids grow in commit order. `attachments`: ids of the sender's own unsent uploads to this
    conversation (messaging.attachments), at most CHAT_ATTACHMENTS_PER_MESSAGE; with one, the body
    may be empty; any that is not such an upload refuses the whole message.
    """
    return message_send_to(
        sender=sender,
        conversation_id=conversation.pk,
        body=body,
        client_id=client_id,
        attachments=attachments,
    )


def message_send_to(*, sender: Member, conversation_id: int, body, client_id, attachments=None) -> Message:
    """message_send by conversation id: the chat socket's path, kept to one read and three writes.

    Announces MessageSent once committed (nothing for a resend), and sends
    `messaging.signals.messages_changed` inside the transaction. The chat socket calls it inside
    `messaging.delivery.collecting()` and delivers the event from its event loop, so the
    database thread never waits on the loop.
    """
    client_id = _validate_client_id(client_id)
    context = selectors.sending_context(
        member_id=sender.pk,
        conversation_id=conversation_id,
        client_id=client_id,
        since=_db_datetime(timezone.now() - RATE_LIMIT_WINDOW),
        recent_cap=RATE_LIMIT_MESSAGES,
    )
    if context is None:
        raise not_participant_error()
    if context.existing_id is not None:
        return _stored(
            message_id=context.existing_id,
            stored_in=context.existing_conversation_id,
            conversation_id=conversation_id,
        )
    # Attachments (issue #16): nothing more to do for a message without any.
    attachment_ids = _attachment_ids(attachments) if attachments is not None else []
    body = _clean_body(body, may_be_empty=bool(attachment_ids))
    recipients: list[int] | None = None
    if context.kind == Conversation.Kind.DIRECT:
        if context.other_refuses:
            # Deliberately vague: a blocked sender learns nothing more than this.
            raise MessagingError("not_delivered", _("Not delivered."))
        # The other member first: theirs is the delivery that is waited for.
        recipients = ([context.other_id] if context.other_id else []) + [sender.pk]
    if context.recent >= RATE_LIMIT_MESSAGES:
        raise MessagingError(
            "rate_limited",
            _("Slow down: at most %(n)d messages every %(s)d seconds.")
            % {"n": RATE_LIMIT_MESSAGES, "s": RATE_LIMIT_WINDOW.seconds},
        )
    try:
        with transaction.atomic():
            if context.first_contact:
                # Only a message request pays for the count; replies and ongoing chats do not.
                _check_new_contacts(sender, 1)
            message = _insert_message(
                sender=sender,
                conversation_id=conversation_id,
                body=body,
                client_id=client_id,
                created=timezone.now(),
            )
            message.attachment_list = _attachments_claim(message, attachment_ids) if attachment_ids else []
            # Writing accepts a request; the sender has read everything up to their own message.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {_table(Participant)} SET status = %s, last_read_id = %s WHERE id = %s",
                    [Participant.Status.ACCEPTED.value, message.pk, context.participant_id],
                )
            if context.kind != Conversation.Kind.DIRECT and mentioned_usernames(body):
                conversation = Conversation.objects.select_related("space").get(pk=conversation_id)
                _notify_mentions(message, conversation)
            # In the transaction: what follows messages (the search index) commits with it.
            messages_changed.send(sender=Message, message_ids=(message.pk,))
            announce(_message_sent(message, context.kind, recipients))
    except IntegrityError:
        # The same client_id raced in from another socket: that one won, answer with it.
        existing = _existing_by_client_id(sender=sender, client_id=client_id)
        if existing is None:
            raise
        return _stored(message_id=existing[0], stored_in=existing[1], conversation_id=conversation_id)
    if context.kind == Conversation.Kind.DIRECT and context.other_id:
        missed_messages_later(
            conversation_id=conversation_id, member_id=context.other_id, message_id=message.pk
        )
    return message


def _attachment_ids(raw) -> list[int]:
    try:
        return chat_attachments.attachment_ids_clean(raw)
    except chat_attachments.AttachmentError as error:
        raise MessagingError(error.code, error.detail) from None


def _attachments_claim(message: Message, ids: list[int]) -> list:
    try:
        return chat_attachments.attachments_claim(message=message, ids=ids)
    except chat_attachments.AttachmentError as error:
        raise MessagingError(error.code, error.detail) from None


def message_import(
    *, sender: Member, conversation: Conversation, body: str, client_id: str, created: datetime
) -> Message:
    """Store a past message as it was (seeding, imports): no rate limit, no broadcast, idempotent.

    Sends `messaging.signals.messages_changed` inside the transaction (the search index follows)."""
    existing = Message.objects.filter(sender=sender, client_id=client_id).first()
    if existing is not None:
        return existing
    body = _clean_body(body)
    with transaction.atomic():
        message = _insert_message(
            sender=sender, conversation_id=conversation.pk, body=body, client_id=client_id, created=created
        )
        Participant.objects.filter(member=sender, conversation=conversation).update(last_read_id=message.pk)
        messages_changed.send(sender=Message, message_ids=(message.pk,))
    return message


# --- mentions ------------------------------------------------------------------------------

# "@username" as Django spells usernames (letters, digits and @ . + - _), not inside a word or an
# email address; a full stop or hyphen at the end is punctuation, not part of the name.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]+)")


def mentioned_usernames(body: str) -> set[str]:
    """The usernames a message body mentions (whether or not such members exist)."""
    if "@" not in body:  # the hot path: most messages mention nobody
        return set()
    return {match.rstrip(".-") for match in MENTION.findall(body)} - {""}


def _notify_mentions(message: Message, conversation: Conversation) -> None:
    """Notify the participants a message mentions (in groups and lobby rooms), once per message each.

    In a direct conversation the message itself reaches the other member: a mention adds nothing.
    The key makes an edit that keeps a mention notify nobody again; one that adds a name notifies
    only that member. Inside the caller's transaction (the notification commits with the message).
    """
    if conversation.kind == Conversation.Kind.DIRECT:
        return
    names = mentioned_usernames(message.body)
    if not names:
        return
    mentioned = (
        Member.objects.filter(
            username__in=names,
            is_active=True,
            chat_participations__conversation=conversation,
            chat_participations__status__in=selectors.LISTENING,
        )
        .exclude(pk=message.sender_id)
        .distinct()
    )
    title = conversation.title or (conversation.space.name if conversation.space_id else "")
    for member in mentioned:
        notification_services.notify(
            recipient=member,
            kind="mention",
            actor=message.sender,
            target=message,
            params={"title": title, "excerpt": message.body[:200]},
            url=f"{conversation.get_absolute_url()}#message-{message.pk}",
            key=f"mention:{message.pk}:{member.pk}",
        )


# --- changing a sent message: edit, delete, react -------------------------------------------


def _message_for_change(*, member: Member, message_id, own: bool) -> Message:
    """The message, if the member listens in its conversation (and wrote it, when `own`)."""
    if not isinstance(message_id, int) or isinstance(message_id, bool) or message_id <= 0:
        raise MessagingError("invalid_frame", _("message must be a message id."))
    message = (
        selectors.readable_messages(member=member)
        .select_related("sender", "conversation", "conversation__space")
        # `id` rather than `pk=`: an id too large for the column is "no such message", not a 500.
        .filter(id=message_id)
        .first()
    )
    if message is None:
        # One answer whether the message exists or not: nothing leaks to outsiders.
        raise MessagingError("not_found", _("No such message."), status=404)
    if own and message.sender_id != member.pk:
        raise MessagingError("not_author", _("You can only change your own messages."), status=403)
    if message.is_deleted:
        raise MessagingError("message_deleted", _("This message was deleted."), status=409)
    return message


def _record_change(message: Message, **fields) -> Message:
    """Store a change of a sent message: a new version, marked with the newest message id.

    Inside the caller's transaction, under the lock that orders message ids (PostgreSQL), so the
    mark and the ids a client syncs by follow one order: `sync` after N replays every change made
    once N existed. Announces the new state once committed.
    """
    _serialise_message_ids()
    mark = Message.objects.aggregate(m=Max("id"))["m"] or message.pk
    Message.objects.filter(pk=message.pk).update(version=F("version") + 1, changed_at_id=mark, **fields)
    message.refresh_from_db(fields=["version", "changed_at_id", *fields])
    if "body" in fields:  # an edit or a delete: the search index follows (reactions do not concern it)
        messages_changed.send(sender=Message, message_ids=(message.pk,))
    announce(_message_changed(message))
    return message


def _message_changed(message: Message) -> MessageChanged:
    sent = _message_sent(message, message.conversation.kind, None)
    return MessageChanged(message=message, member_ids=sent.member_ids, room=sent.room)


def message_edit(*, member: Member, message_id: int, body) -> Message:
    """Replace the body of the member's own message; every tab of every participant hears it.

    Promises: same body rules as sending; the version grows by one per change (an edit to the
    same text changes nothing and announces nothing); members newly mentioned are notified,
    those mentioned before are not told again; committed before broadcast.
    """
    message = _message_for_change(member=member, message_id=message_id, own=True)
    body = _clean_body(body)
    if body == message.body:
        return message
    with transaction.atomic():
        message = _record_change(message, body=body, edited_at=timezone.now())
        _notify_mentions(message, message.conversation)
    return message


def message_delete(*, member: Member, message_id: int) -> Message:
    """Delete the member's own message: its text and reactions go, a placeholder stays in its place.

    Idempotent (deleting again answers the deleted message); committed before broadcast.
    """
    try:
        message = _message_for_change(member=member, message_id=message_id, own=True)
    except MessagingError as error:
        if error.code != "message_deleted":
            raise
        return Message.objects.select_related("sender", "conversation").get(pk=message_id)
    with transaction.atomic():
        Reaction.objects.filter(message=message).delete()
        # Its files go too (their storage objects once this commits: messaging.signal_handlers).
        Attachment.objects.filter(message=message).delete()
        message = _record_change(message, body="", deleted_at=timezone.now())
        message.attachment_list = []
    return message


def message_remove(*, message_id: int) -> Message:
    """Remove a message for the moderators: it reads as deleted for everyone (text, reactions and
    files gone, a placeholder in its place), whoever sent it.

    Idempotent; committed before broadcast; the search index drops it. Raises
    MessagingError("not_found").
    """
    try:
        message = Message.objects.select_related("sender", "conversation").get(pk=message_id)
    except Message.DoesNotExist as missing:
        raise MessagingError("not_found", _("No such message."), status=404) from missing
    if message.is_deleted:
        return message
    with transaction.atomic():
        Reaction.objects.filter(message=message).delete()
        Attachment.objects.filter(message=message).delete()
        message = _record_change(message, body="", deleted_at=timezone.now())
        message.attachment_list = []
    return message


def messages_erase_sender(*, member: Member, former: Member) -> list[int]:
    """Erase a leaving member's messages from every conversation: each keeps its place (id, seq,
    time) under `former` (the "former member" account) with its text, reactions and files gone.

    Promises: inside the caller's transaction; every changed message gets a new version and the
    change mark, so a `sync` replays the placeholder; the search index drops them (messages_changed).
    Returns the ids erased.
    """
    ids = list(Message.objects.filter(sender=member).values_list("id", flat=True))
    if not ids:
        return []
    _serialise_message_ids()
    mark = Message.objects.aggregate(m=Max("id"))["m"]
    now = timezone.now()
    Reaction.objects.filter(message_id__in=ids).delete()
    Attachment.objects.filter(message_id__in=ids).delete()
    # client_id is the sender's idempotency key, unique per sender: under the former member each
    # message takes its own id as key (the old keys would collide with other leavers' ones).
    Message.objects.filter(sender=member).update(
        sender=former,
        body="",
        client_id=Concat(Value("erased:"), Cast("id", output_field=CharField())),
        deleted_at=now,
        version=F("version") + 1,
        changed_at_id=mark,
    )
    messages_changed.send(sender=Message, message_ids=tuple(ids))
    return ids


def message_react(*, member: Member, message_id: int, emoji, on: bool = True) -> Message:
    """Put (`on`) or take back one of the fixed reactions on a message of a conversation one is in.

    Idempotent: reacting twice with the same emoji counts once; a change of nothing announces nothing.
    """
    if emoji not in REACTIONS:
        raise MessagingError("invalid_reaction", _("Pick one of the offered reactions."))
    message = _message_for_change(member=member, message_id=message_id, own=False)
    with transaction.atomic():
        if on:
            _reaction, changed = Reaction.objects.get_or_create(message=message, member=member, emoji=emoji)
        else:
            changed = bool(Reaction.objects.filter(message=message, member=member, emoji=emoji).delete()[0])
        if changed:
            message = _record_change(message)
    return message


# --- read state and typing -----------------------------------------------------------------


def conversation_mark_read(*, member: Member, conversation_id: int, message_id: int) -> int:
    """Record that the member read the conversation up to `message_id`; returns the unread count.

    Read state only moves forward. Once committed: the member's tabs get `read` and `unread`
    frames; in direct and group conversations the others get the `read` receipt too.
    """
    # Every `read` frame lands here (a tab with the conversation open sends one per message it
    # shows): four plain-SQL statements, as the send path, not a dozen ORM queries.
    context = selectors.reading_context(member_id=member.pk, conversation_id=conversation_id)
    if context is None:
        raise not_participant_error()
    with connection.cursor() as cursor:
        # To the newest message up to `message_id` (an id from another conversation or the future
        # moves nothing further), forward only.
        cursor.execute(
            f"UPDATE {_table(Participant)} SET last_read_id = newest.id"
            f" FROM (SELECT MAX(id) AS id FROM {_table(Message)} WHERE conversation_id = %s AND id <= %s) AS newest"
            f" WHERE {_table(Participant)}.id = %s AND newest.id > {_table(Participant)}.last_read_id"
            " RETURNING last_read_id",
            [conversation_id, message_id, context.participant_id],
        )
        row = cursor.fetchone()
    moved = row is not None
    upto = row[0] if moved else context.last_read_id
    count, total = selectors.unread_after_reading(
        member_id=member.pk, conversation_id=conversation_id, last_read_id=upto
    )
    happened: list[ConversationRead | UnreadChanged] = []
    if moved:
        if context.kind == Conversation.Kind.ROOM:
            # 200 receipts per message in a room would drown the room: only the member's tabs hear it.
            receivers: tuple[int, ...] = (member.pk,)
        else:
            receivers = tuple(selectors.listening_member_ids(conversation_id=conversation_id))
        happened.append(
            ConversationRead(
                conversation_id=conversation_id,
                username=member.username,
                message_id=upto,
                member_ids=receivers,
            )
        )
    happened.append(
        UnreadChanged(member_id=member.pk, conversation_id=conversation_id, count=count, total=total)
    )
    announce(*happened)
    return count


def typing_announce(*, member: Member, conversation_id: int) -> None:
    """Tell the other participants that the member is typing (nothing is stored)."""
    participant = selectors.participant_listening(member=member, conversation_id=conversation_id)
    if participant is None:
        raise not_participant_error()
    if participant.conversation.kind == Conversation.Kind.ROOM:
        typing = MemberTyping(
            conversation_id=conversation_id, member_id=member.pk, username=member.username, room=True
        )
    else:
        others = (
            Participant.objects.filter(conversation_id=conversation_id, status__in=selectors.LISTENING)
            .exclude(member=member)
            .values_list("member_id", flat=True)
        )
        typing = MemberTyping(
            conversation_id=conversation_id,
            member_id=member.pk,
            username=member.username,
            member_ids=tuple(others),
        )
    announce_now(typing)


# --- presence ------------------------------------------------------------------------------


def _presence_changed(member: Member | int, online: bool) -> PresenceChanged:
    member_id = member if isinstance(member, int) else member.pk
    username = (
        member.username
        if isinstance(member, Member)
        else Member.objects.values_list("username", flat=True).get(pk=member_id)
    )
    return PresenceChanged(
        username=username, online=online, member_ids=tuple(selectors.contact_ids(member_id=member_id))
    )


def process_alive(*, process: str = PROCESS_ID) -> None:
    """Refresh this process's heartbeat row (one UPDATE; the row is created on first use)."""
    now = timezone.now()
    if not ChatProcess.objects.filter(name=process).update(seen_at=now):
        ChatProcess.objects.get_or_create(name=process, defaults={"seen_at": now})


def connection_open(*, member: Member, channel_name: str, process: str = PROCESS_ID) -> bool:
    """Record an open socket; when it is the member's first anywhere, their contacts see them online.

    Returns whether the member just came online.
    """
    process_alive(process=process)
    with transaction.atomic():
        was_online = selectors.is_online(member_id=member.pk)
        ChatConnection.objects.update_or_create(
            channel_name=channel_name,
            defaults={"member": member, "process": process, "connected_at": timezone.now()},
        )
        if not was_online:
            announce(_presence_changed(member, True))
    return not was_online


def connection_close(*, member: Member, channel_name: str) -> bool:
    """Forget a closed socket; when it was the member's last anywhere, their contacts see them offline."""
    with transaction.atomic():
        ChatConnection.objects.filter(channel_name=channel_name).delete()
        went_offline = not selectors.is_online(member_id=member.pk)
        if went_offline:
            announce(_presence_changed(member, False))
    return went_offline


def connections_heartbeat(*, process: str = PROCESS_ID) -> int:
    """Say this process is alive (one row, whatever its number of sockets) and sweep dead ones.

    The connections of a process whose heartbeat is stale (it crashed or was killed) are
    deleted, and members left with no live connection are announced offline. Returns how many
    connections were swept.
    """
    process_alive(process=process)
    dead = list(
        ChatProcess.objects.filter(seen_at__lt=timezone.now() - selectors.presence_stale_after()).values_list(
            "name", flat=True
        )
    )
    # Connections of dead processes, and of processes that never had a heartbeat row.
    stale = ChatConnection.objects.filter(process__in=dead) | ChatConnection.objects.exclude(
        process__in=ChatProcess.objects.values("name")
    )
    stale_members = set(stale.values_list("member_id", flat=True))
    swept, _ = stale.delete()
    ChatProcess.objects.filter(name__in=dead).delete()
    if stale_members:
        still_online = selectors.online_member_ids(member_ids=list(stale_members))
        announce(*(_presence_changed(member_id, False) for member_id in stale_members - still_online))
    return swept


def sessions_ended(*, member_id: int, session_key: str | None = None) -> None:
    """Tell the member's open sockets, on every process, that a session of theirs ended.

    With `session_key` (a logout), the socket of that session closes; with None (deactivated,
    password changed), each socket checks whether its own session is still valid. Once
    committed; a channel layer that is down loses the news, and the presence heartbeat's
    periodic check closes those sockets later.
    """
    announce(SessionsEnded(member_id=member_id, session_key=session_key))


# --- notifications -------------------------------------------------------------------------


def notification_announce(notification: Notification) -> None:
    """Put a stored notification on every open tab of its recipient, once committed.

    Frames: `{"type": "notification", "notification": {id, kind, title, body, url, created,
    read}}` (in the recipient's language) then `{"type": "notification_unread", "count": n}`.
    """
    unread = notifications_unread_count(member=notification.recipient_id)
    announce(NotificationCreated(notification=notification, unread=unread))


def notifications_mark_read(*, member: Member, ids: Iterable[int] | None = None) -> int:
    """Mark the member's notifications read (all, or the given ids) and tell their other tabs."""
    with transaction.atomic():
        changed = notification_services.notifications_mark_read(member=member, ids=ids)
        if changed:
            unread = notifications_unread_count(member=member)
            announce(NotificationsRead(member_id=member.pk, unread=unread))
    return changed


def group_refresh_interval() -> int:
    """Seconds after which a socket re-joins its groups, well inside the layer's group_expiry."""
    expiry = settings.CHANNEL_LAYERS.get("default", {}).get("CONFIG", {}).get("group_expiry", 86400)
    return max(60, int(expiry) // 2)

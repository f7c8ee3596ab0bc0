"""Reads for messaging: what a member may see, with what the caller shows already fetched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user
from django.db import connection
from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from messaging.models import (
    Block,
    ChatConnection,
    ChatProcess,
    Conversation,
    Message,
    Participant,
)
from profiles.models import Member

# Statuses under which a member receives a conversation's messages (declined: no more).
LISTENING = (Participant.Status.ACCEPTED, Participant.Status.REQUESTED)


def presence_stale_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "CHAT_PRESENCE_STALE_SECONDS", 90))


# --- conversations -------------------------------------------------------------------------


def participation_get(*, member: Member, conversation_id: int) -> Participant | None:
    """The member's participation, with the conversation, or None if they are not in it."""
    return (
        Participant.objects.select_related("conversation", "conversation__space")
        # `conversation__id`, not `conversation_id`: its lookup turns an id too large for the column
        # into "no rows" instead of an OverflowError (a 500 on /messages/99999999999999999999/).
        .filter(member=member, conversation__id=conversation_id)
        .first()
    )


@dataclass(frozen=True, slots=True)
class SendingContext:
    """What sending a message needs to know, read in one query (see sending_context)."""

    participant_id: int
    kind: str
    recent: int  # messages the sender stored since the rate window began (counted up to a cap)
    existing_id: int | None  # the sender's message stored under this client_id, if any
    existing_conversation_id: int | None
    other_id: int | None  # direct conversations: the other member
    other_refuses: bool  # ... who declined the conversation or blocked the sender
    first_contact: bool  # ... who has not accepted and nothing was written yet: a message request


def sending_context(
    *, member_id: int, conversation_id: int, client_id: str, since, recent_cap: int
) -> SendingContext | None:
    """The sender's participation and everything the send checks, or None if not a participant.

    One plain-SQL round trip: the socket asks on every message, and three ORM queries with their
    model instances cost more than the rest of the send. `since` is already adapted for the
    database (the caller's rate window).
    """
    participant = connection.ops.quote_name(Participant._meta.db_table)
    conversation = connection.ops.quote_name(Conversation._meta.db_table)
    message = connection.ops.quote_name(Message._meta.db_table)
    block = connection.ops.quote_name(Block._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, c.kind,"
            f" (SELECT COUNT(*) FROM (SELECT 1 FROM {message} r WHERE r.sender_id = p.member_id"
            f"  AND r.created >= %s LIMIT %s) AS recent_rows),"
            f" e.id, e.conversation_id, o.member_id,"
            f" CASE WHEN o.status = %s OR EXISTS (SELECT 1 FROM {block} b WHERE b.blocker_id = o.member_id"
            f"  AND b.blocked_id = p.member_id) THEN 1 ELSE 0 END,"
            f" CASE WHEN c.last_seq = 0 AND o.status = %s THEN 1 ELSE 0 END"
            f" FROM {participant} p JOIN {conversation} c ON c.id = p.conversation_id"
            f" LEFT JOIN {message} e ON e.sender_id = p.member_id AND e.client_id = %s"
            f" LEFT JOIN {participant} o ON c.kind = %s AND o.conversation_id = c.id AND o.member_id <> p.member_id"
            f" WHERE p.member_id = %s AND p.conversation_id = %s",
            [
                since,
                recent_cap,
                Participant.Status.DECLINED.value,
                Participant.Status.REQUESTED.value,
                client_id,
                Conversation.Kind.DIRECT.value,
                member_id,
                conversation_id,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    (participant_id, kind, recent, existing_id, existing_conversation_id, other_id, other_refuses, first) = (
        row
    )
    return SendingContext(
        participant_id,
        kind,
        recent,
        existing_id,
        existing_conversation_id,
        other_id,
        bool(other_refuses),
        bool(first),
    )


def new_contacts_count(*, member_id: int, since: datetime) -> int:
    """How many new people the member reached out to since `since`: the first message of each
    direct conversation they started, and each member they invited into a group they created.

    Read from what is stored, so the count holds across processes and restarts. Direct
    conversations the member started count once they hold a first message by the member (a
    conversation opened and left empty reached nobody).
    """
    first_messages = Message.objects.filter(
        sender_id=member_id,
        created__gte=since,
        seq=1,
        conversation__kind=Conversation.Kind.DIRECT,
        conversation__created_by_id=member_id,
    ).count()
    invited = (
        Participant.objects.filter(
            conversation__kind=Conversation.Kind.GROUP,
            conversation__created_by_id=member_id,
            conversation__created__gte=since,
        )
        .exclude(member_id=member_id)
        .count()
    )
    return first_messages + invited


def participant_listening(*, member: Member, conversation_id: int) -> Participant | None:
    """Like participation_get, but None as well when the member declined the conversation."""
    participant = participation_get(member=member, conversation_id=conversation_id)
    if participant is None or participant.status not in LISTENING:
        return None
    return participant


def _unread_subquery(member: Member) -> Subquery:
    return Subquery(
        Message.objects.filter(conversation=OuterRef("conversation"), id__gt=OuterRef("last_read_id"))
        .exclude(sender=member)
        .order_by()
        .values("conversation")
        .annotate(n=Count("id"))
        .values("n"),
        output_field=IntegerField(),
    )


@dataclass
class ConversationRow:
    """One line of the inbox: the conversation as this member sees it."""

    conversation: Conversation
    participant: Participant
    name: str
    others: list[Member]
    unread: int
    last_message: Message | None

    @property
    def other(self) -> Member | None:
        return self.others[0] if self.conversation.is_direct and self.others else None


def conversation_display_name(conversation: Conversation, others: list[Member]) -> str:
    if conversation.kind == Conversation.Kind.ROOM and conversation.space_id:
        return conversation.title or conversation.space.name
    if conversation.kind == Conversation.Kind.DIRECT:
        return str(others[0]) if others else conversation.title or "—"
    return conversation.title or ", ".join(str(m) for m in others[:4])


def conversation_rows(*, member: Member, folder: str = "inbox", limit: int = 200) -> list[ConversationRow]:
    """The member's conversations, newest activity first, in a fixed number of queries.

    folder "inbox": accepted conversations (direct ones only once they have a message);
    folder "requests": conversations someone started with the member that wait for an answer.
    """
    status = Participant.Status.REQUESTED if folder == "requests" else Participant.Status.ACCEPTED
    participants = list(
        Participant.objects.filter(member=member, status=status)
        .filter(
            Q(conversation__last_message_at__isnull=False) | ~Q(conversation__kind=Conversation.Kind.DIRECT)
        )
        .select_related("conversation", "conversation__space")
        .annotate(
            unread=Coalesce(_unread_subquery(member), Value(0)),
            last_id=Subquery(
                Message.objects.filter(conversation=OuterRef("conversation")).order_by("-id").values("id")[:1]
            ),
        )
        .order_by(F("conversation__last_message_at").desc(nulls_last=True), "-conversation_id")[:limit]
    )
    conversation_ids = [p.conversation_id for p in participants]
    last_messages = {
        m.pk: m
        for m in Message.objects.filter(pk__in=[p.last_id for p in participants if p.last_id]).select_related(
            "sender"
        )
    }
    # Names of the others, for direct and group conversations (rooms are named after their space).
    others: dict[int, list[Member]] = {cid: [] for cid in conversation_ids}
    small = [p.conversation_id for p in participants if p.conversation.kind != Conversation.Kind.ROOM]
    for other in (
        Participant.objects.filter(conversation_id__in=small)
        .exclude(member=member)
        .select_related("member")
        .order_by("id")
    ):
        others[other.conversation_id].append(other.member)
    rows = []
    for p in participants:
        conv = p.conversation
        rows.append(
            ConversationRow(
                conversation=conv,
                participant=p,
                name=conversation_display_name(conv, others[conv.pk]),
                others=others[conv.pk],
                unread=p.unread,
                last_message=last_messages.get(p.last_id) if p.last_id else None,
            )
        )
    return rows


def requests_count(*, member: Member) -> int:
    return (
        Participant.objects.filter(member=member, status=Participant.Status.REQUESTED)
        .filter(conversation__last_message_at__isnull=False)
        .count()
    )


def conversation_members(*, conversation: Conversation) -> list[Member]:
    """Who is in a direct or group conversation (rooms: ask the space)."""
    return [
        p.member
        for p in Participant.objects.filter(conversation=conversation, status__in=LISTENING)
        .select_related("member")
        .order_by("id")
    ]


def room_ids_for(*, member: Member) -> list[int]:
    """The lobby rooms whose group the member's sockets join."""
    return list(
        Participant.objects.filter(
            member=member, status__in=LISTENING, conversation__kind=Conversation.Kind.ROOM
        ).values_list("conversation_id", flat=True)
    )


def space_room_get(*, space_id: int) -> Conversation | None:
    return Conversation.objects.filter(kind=Conversation.Kind.ROOM, space_id=space_id).first()


# --- messages ------------------------------------------------------------------------------


def messages_page(
    *, conversation: Conversation, before: int | None = None, after: int | None = None, limit: int = 50
) -> tuple[list[Message], bool]:
    """Up to `limit` messages, oldest first, and whether more exist in the direction read.

    Without `after`: the newest ones (before `before` if given), for history scrolled upwards.
    With `after`: the oldest ones after it (up to `before`), for catching up.
    """
    qs = Message.objects.filter(conversation=conversation).select_related("sender")
    if before is not None:
        qs = qs.filter(id__lt=before)
    if after is not None:
        page = list(qs.filter(id__gt=after).order_by("id")[: limit + 1])
        return page[:limit], len(page) > limit
    page = list(qs.order_by("-id")[: limit + 1])
    has_more = len(page) > limit
    return list(reversed(page[:limit])), has_more


def messages_after(*, member: Member, after: int, limit: int) -> list[Message]:
    """Messages of the member's conversations with id > after, oldest first (for `sync`)."""
    listening = Participant.objects.filter(member=member, status__in=LISTENING).values("conversation_id")
    return list(
        Message.objects.filter(conversation_id__in=listening, id__gt=after)
        .select_related("sender")
        .order_by("id")[:limit]
    )


def latest_message_id(*, member: Member) -> int:
    """The newest message id the member can see: where a fresh page's socket starts its sync."""
    listening = Participant.objects.filter(member=member, status__in=LISTENING).values("conversation_id")
    return Message.objects.filter(conversation_id__in=listening).aggregate(m=Max("id"))["m"] or 0


# --- unread --------------------------------------------------------------------------------


def unread_total(*, member) -> int:
    """Unread messages in the member's conversations (not muted, not declined), for the nav badge."""
    return (
        Message.objects.filter(
            conversation__participants__member=member,
            conversation__participants__status__in=LISTENING,
            conversation__participants__muted=False,
            id__gt=F("conversation__participants__last_read_id"),
        )
        .exclude(sender=member)
        .count()
    )


def unread_count(*, participant: Participant) -> int:
    return (
        Message.objects.filter(conversation_id=participant.conversation_id, id__gt=participant.last_read_id)
        .exclude(sender_id=participant.member_id)
        .count()
    )


def unread_counts(*, member: Member) -> dict[int, int]:
    """{conversation id: unread count} for the conversations with something unread."""
    rows = (
        Participant.objects.filter(member=member, status__in=LISTENING)
        .annotate(unread=_unread_subquery(member))
        .filter(unread__gt=0)
        .values_list("conversation_id", "unread")
    )
    return dict(rows)


# --- presence ------------------------------------------------------------------------------


def contact_ids(*, member_id: int) -> list[int]:
    """Members who share an accepted direct or group conversation with this one: they see presence."""
    mine = Participant.objects.filter(
        member_id=member_id,
        status=Participant.Status.ACCEPTED,
        conversation__kind__in=[Conversation.Kind.DIRECT, Conversation.Kind.GROUP],
    ).values("conversation_id")
    return list(
        Participant.objects.filter(conversation_id__in=mine, status=Participant.Status.ACCEPTED)
        .exclude(member_id=member_id)
        .values_list("member_id", flat=True)
        .distinct()
    )


def online_member_ids(*, member_ids: list[int] | None = None) -> set[int]:
    """Members with at least one fresh connection, in any process."""
    live = ChatProcess.objects.filter(seen_at__gte=timezone.now() - presence_stale_after()).values("name")
    qs = ChatConnection.objects.filter(process__in=live)
    if member_ids is not None:
        qs = qs.filter(member_id__in=member_ids)
    return set(qs.values_list("member_id", flat=True).distinct())


def is_online(*, member_id: int) -> bool:
    return bool(online_member_ids(member_ids=[member_id]))


def online_contacts(*, member_id: int) -> list[str]:
    """Usernames of the member's contacts who are online now."""
    online = online_member_ids(member_ids=contact_ids(member_id=member_id))
    return list(Member.objects.filter(pk__in=online).values_list("username", flat=True))


# --- sessions of open sockets --------------------------------------------------------------


class _SessionOnly:
    """What django.contrib.auth.get_user reads of a request: its session."""

    def __init__(self, session) -> None:
        self.session = session


def session_is_valid(*, session_key: str | None, member_id: int) -> bool:
    """Whether the session a socket was opened with still logs `member_id` in.

    Django's own rule for every HTTP request (auth.get_user): the session is still in the store
    and not expired, its auth hash still matches the member's (a password change elsewhere ends
    it), and the member may still log in (is_active).
    """
    if not session_key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(_SessionOnly(store))
    return user.is_authenticated and user.pk == member_id

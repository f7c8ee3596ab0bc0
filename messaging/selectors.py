"""Reads for messaging: what a member may see, with what the caller shows already fetched."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user
from django.db import connection
from django.db.models import (
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from messaging.models import (
    Attachment,
    Block,
    ChatConnection,
    ChatProcess,
    Conversation,
    Message,
    Participant,
    Reaction,
)
from profiles.models import Member
from profiles.visibility import visible_members

# Statuses under which a member receives a conversation's messages (declined: no more).
LISTENING = (Participant.Status.ACCEPTED, Participant.Status.REQUESTED)


def with_attachments() -> Prefetch:
    """Prefetch of messages' attachments into `message.attachment_list` (messaging.attachments)."""
    return Prefetch("attachments", queryset=Attachment.objects.order_by("id"), to_attr="attachment_list")


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
            joined__gte=since,  # at creation or added later by the creator
        )
        .exclude(member_id=member_id)
        .count()
    )
    return first_messages + invited


def readable_conversations(*, member: Member | int):
    """The conversations whose messages the member may read, as a subquery of ids: those they
    listen to (accepted or requested), not those they declined or left. The one rule for
    history catch-up, the newest id a page starts from, and message search."""
    member_id = member if isinstance(member, int) else member.pk
    return Participant.objects.filter(member_id=member_id, status__in=LISTENING).values("conversation_id")


def readable_messages(*, member: Member | int):
    """The messages the member may read: those of the conversations they listen to
    (readable_conversations), after the point their history starts (`history_after_id`: a lobby
    room's from when they joined the space's community). The one rule for sync, changes, the
    newest id a page starts from, reactions and edits, and message search."""
    member_id = member if isinstance(member, int) else member.pk
    # One filter() call: the three conditions are on the same participation row (one join).
    return Message.objects.filter(
        conversation__participants__member_id=member_id,
        conversation__participants__status__in=LISTENING,
        id__gt=F("conversation__participants__history_after_id"),
    )


def readable_history_starts(*, member: Member | int) -> dict[int, int]:
    """{conversation id: the id after which the member reads it} for the readable conversations
    whose history starts later than their first message (lobby rooms joined later): what a
    search backend filters on besides the conversation ids (readable_messages' rule)."""
    member_id = member if isinstance(member, int) else member.pk
    return dict(
        Participant.objects.filter(
            member_id=member_id, status__in=LISTENING, history_after_id__gt=0
        ).values_list("conversation_id", "history_after_id")
    )


def readable_conversation_ids(*, member: Member | int) -> list[int]:
    """readable_conversations as a list, for a search backend's filter."""
    return sorted(readable_conversations(member=member).values_list("conversation_id", flat=True))


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
    # Direct conversations: the other member has not answered the request yet (see `awaiting_answer`).
    waiting: bool = False

    @property
    def other(self) -> Member | None:
        return self.others[0] if self.conversation.is_direct and self.others else None


def conversation_display_name(conversation: Conversation, others: list[Member]) -> str:
    if conversation.kind == Conversation.Kind.ROOM and conversation.space_id:
        return conversation.title or conversation.space.name
    if conversation.kind == Conversation.Kind.DIRECT:
        return str(others[0]) if others else conversation.title or "—"
    return conversation.title or ", ".join(str(m) for m in others[:4])


def conversation_names(*, member: Member, conversation_ids) -> dict[int, str]:
    """{conversation id: its name as the member sees it (conversation_display_name)}, in two queries."""
    conversations = list(Conversation.objects.filter(pk__in=list(conversation_ids)).select_related("space"))
    others: dict[int, list[Member]] = {conv.pk: [] for conv in conversations}
    small = [conv.pk for conv in conversations if conv.kind != Conversation.Kind.ROOM]
    for other in (
        Participant.objects.filter(conversation_id__in=small)
        .exclude(member=member)
        .select_related("member")
        .order_by("id")
    ):
        others[other.conversation_id].append(other.member)
    return {conv.pk: conversation_display_name(conv, others[conv.pk]) for conv in conversations}


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
        for m in Message.objects.filter(pk__in=[p.last_id for p in participants if p.last_id])
        .select_related("sender")
        .prefetch_related(with_attachments())
    }
    # Names of the others, for direct and group conversations (rooms are named after their space).
    # Every status counts for the name: a direct conversation keeps its other member's name after
    # a decline, as on the conversation page.
    others: dict[int, list[Member]] = {cid: [] for cid in conversation_ids}
    waiting: set[int] = set()
    small = [p.conversation_id for p in participants if p.conversation.kind != Conversation.Kind.ROOM]
    for other in (
        Participant.objects.filter(conversation_id__in=small)
        .exclude(member=member)
        .select_related("member")
        .order_by("id")
    ):
        others[other.conversation_id].append(other.member)
        if other.status == Participant.Status.REQUESTED:
            waiting.add(other.conversation_id)
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
                waiting=conv.is_direct and conv.pk in waiting,
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


def mentionable_members(*, conversation: Conversation, limit: int = 500) -> list[Member]:
    """Who `@name` can reach in a conversation: its listening participants (a lobby: the space's members)."""
    return [
        p.member
        for p in Participant.objects.filter(
            conversation=conversation, status__in=LISTENING, member__is_active=True
        )
        .select_related("member")
        .order_by("id")[:limit]
    ]


def read_positions(*, conversation: Conversation, exclude: Member) -> dict[str, int]:
    """{username: id of the newest message they read} of the other participants, for receipts.

    None for lobby rooms: receipts of 200 people under every message would say nothing.
    """
    if conversation.kind == Conversation.Kind.ROOM:
        return {}
    return dict(
        Participant.objects.filter(conversation=conversation, status__in=LISTENING)
        .exclude(member=exclude)
        .values_list("member__username", "last_read_id")
    )


def conversation_participants(*, conversation: Conversation) -> list[Participant]:
    """Every participation in a direct or group conversation, whatever its status, with its member.

    For naming and for who answered what; who receives messages is `conversation_members`.
    """
    return list(Participant.objects.filter(conversation=conversation).select_related("member").order_by("id"))


def awaiting_answer(participation: Participant) -> bool:
    """Whether the sender of a direct request still waits for this other side to accept.

    Only "not answered yet" shows: a decline (or a block, which declines) looks to the sender like
    any answer, the marker goes away, and sends answer "not delivered" as they always did.
    """
    return participation.status == Participant.Status.REQUESTED


# --- groups --------------------------------------------------------------------------------


def group_invitable_members(*, viewer: Member):
    """The members a viewer may invite into a group: those the viewer may see listed, never the
    viewer. A hidden or deactivated member is not one of them, whatever path asks (form, picker,
    service): they get the same answer as a username nobody has."""
    return visible_members(viewer=viewer).exclude(pk=viewer.pk)


def group_invitees_by_username(*, viewer: Member, usernames: Iterable[str]) -> tuple[list[Member], list[str]]:
    """(members found, names that match no invitable member) for usernames as typed.

    Case and a leading "@" do not matter (sign-up refuses usernames that differ only by case).
    """
    wanted: dict[str, str] = {}
    for raw in usernames:
        name = raw.strip().lstrip("@").strip()
        if name:
            wanted.setdefault(name.casefold(), name)
    if not wanted:
        return [], []
    condition = Q()
    for name in wanted.values():
        condition |= Q(username__iexact=name)
    found: dict[str, Member] = {}
    for member in group_invitable_members(viewer=viewer).filter(condition).order_by("id"):
        found.setdefault(member.username.casefold(), member)
    missing = sorted(name for key, name in wanted.items() if key not in found)
    return [found[key] for key in wanted if key in found], missing


def _blocked_pair_ids(member: Member) -> set[int]:
    """Members in a block with this one, in either direction."""
    blocked = Block.objects.filter(blocker=member).values_list("blocked_id", flat=True)
    blockers = Block.objects.filter(blocked=member).values_list("blocker_id", flat=True)
    return set(blocked) | set(blockers)


def member_suggestions(
    *, viewer: Member, query: str, exclude_usernames: Iterable[str] = (), limit: int = 8
) -> list[Member]:
    """Members to offer in the group picker for what the viewer typed (2 characters at least).

    Never a hidden or deactivated member, never one in a block with the viewer (either way),
    never the viewer. Matches the start of the username or any word of the display name.
    """
    query = query.strip().lstrip("@").strip()
    if len(query) < 2:
        return []
    excluded = {u.casefold() for u in exclude_usernames}
    candidates = (
        group_invitable_members(viewer=viewer)
        .exclude(pk__in=_blocked_pair_ids(viewer))
        .filter(
            Q(username__istartswith=query)
            | Q(display_name__istartswith=query)
            | Q(display_name__icontains=f" {query}")
        )
        .select_related("home_space")
        .order_by("display_name", "username")[: limit + len(excluded)]
    )
    return [m for m in candidates if m.username.casefold() not in excluded][:limit]


def room_history_starts(*, member: Member) -> dict[int, int]:
    """{lobby room id: the id after which the member reads it} of the rooms their sockets join
    (room_ids_for): a change to an older message there is not theirs to hear (readable_messages)."""
    return dict(
        Participant.objects.filter(
            member=member, status__in=LISTENING, conversation__kind=Conversation.Kind.ROOM
        ).values_list("conversation_id", "history_after_id")
    )


def space_room_get(*, space_id: int) -> Conversation | None:
    return Conversation.objects.filter(kind=Conversation.Kind.ROOM, space_id=space_id).first()


# --- messages ------------------------------------------------------------------------------


def _with_what_is_shown(messages):
    """Messages with their sender and attachments, as every frame and page shows them (see `_shown`)."""
    return messages.select_related("sender").prefetch_related(with_attachments())


def _shown(messages) -> list[Message]:
    """The messages, with who reacted to those that changed since they were sent.

    A message still at version 1 has no reactions (each one bumps the version), so a page where
    nothing was reacted to or edited costs no reactions query at all.
    """
    messages = list(messages)
    changed = [m for m in messages if m.version > 1]
    if changed:
        prefetch_related_objects(
            changed,
            Prefetch(
                "reactions",
                queryset=Reaction.objects.select_related("member").only(
                    "message_id", "emoji", "member__username"
                ),
            ),
        )
    return messages


def messages_page(
    *, participant: Participant, before: int | None = None, after: int | None = None, limit: int = 50
) -> tuple[list[Message], bool]:
    """Up to `limit` messages the participant may read, oldest first, and whether more exist in
    the direction read (a lobby room's history from when they joined, as readable_messages; a
    declined conversation still shows what was said).

    Without `after`: the newest ones (before `before` if given), for history scrolled upwards.
    With `after`: the oldest ones after it (up to `before`), for catching up.
    """
    qs = _with_what_is_shown(
        Message.objects.filter(
            conversation_id=participant.conversation_id, id__gt=participant.history_after_id
        )
    )
    if before is not None:
        qs = qs.filter(id__lt=before)
    if after is not None:
        page = _shown(qs.filter(id__gt=after).order_by("id")[: limit + 1])
        return page[:limit], len(page) > limit
    page = _shown(qs.order_by("-id")[: limit + 1])
    has_more = len(page) > limit
    return list(reversed(page[:limit])), has_more


def messages_after(*, member: Member, after: int, limit: int) -> list[Message]:
    """Messages of the member's conversations with id > after, oldest first (for `sync`)."""
    return _shown(
        _with_what_is_shown(readable_messages(member=member).filter(id__gt=after)).order_by("id")[:limit]
    )


def messages_changed_since(
    *, member: Member, after: int, limit: int, cursor: tuple[int, int] | None = None
) -> list[Message]:
    """Messages up to `after` changed (edited, deleted, reacted to) once `after` existed, for `sync`.

    In change order; `cursor` is the (changed_at_id, id) of the last one of the previous batch. A
    client that knew everything up to `after` gets the newest state of each.
    """
    changed = readable_messages(member=member).filter(id__lte=after, changed_at_id__gte=after)
    if cursor is not None:
        mark, last_id = cursor
        changed = changed.filter(Q(changed_at_id__gt=mark) | Q(changed_at_id=mark, id__gt=last_id))
    return _shown(_with_what_is_shown(changed).order_by("changed_at_id", "id")[:limit])


def latest_message_id(*, member: Member) -> int:
    """The newest message id the member can see: where a fresh page's socket starts its sync."""
    return readable_messages(member=member).aggregate(m=Max("id"))["m"] or 0


# --- unread --------------------------------------------------------------------------------


def _unread_total_sql() -> tuple[str, list]:
    """Unread messages of one member across their conversations, as SQL (the member's id twice).

    The rule of the nav badge: conversations listened to (not declined) and not muted, messages
    after the member's read mark, not their own. Plain SQL: every `read` frame asks it.
    """
    message = connection.ops.quote_name(Message._meta.db_table)
    participant = connection.ops.quote_name(Participant._meta.db_table)
    sql = (
        f"SELECT COUNT(*) FROM {message} m JOIN {participant} p ON p.conversation_id = m.conversation_id"
        f" WHERE p.member_id = %s AND p.status IN (%s, %s) AND p.muted = %s AND m.id > p.last_read_id"
        f" AND m.sender_id <> %s"
    )
    return sql, [LISTENING[0].value, LISTENING[1].value, False]


def unread_total(*, member) -> int:
    """Unread messages in the member's conversations (not muted, not declined), for the nav badge."""
    member_id = member if isinstance(member, int) else member.pk
    sql, (accepted, requested, muted) = _unread_total_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [member_id, accepted, requested, muted, member_id])
        return cursor.fetchone()[0]


@dataclass(frozen=True, slots=True)
class ReadingContext:
    participant_id: int
    kind: str
    last_read_id: int


def reading_context(*, member_id: int, conversation_id: int) -> ReadingContext | None:
    """The member's listening participation in the conversation, for marking it read (one query)."""
    participant = connection.ops.quote_name(Participant._meta.db_table)
    conversation = connection.ops.quote_name(Conversation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, c.kind, p.last_read_id FROM {participant} p JOIN {conversation} c ON c.id = p.conversation_id"
            f" WHERE p.member_id = %s AND p.conversation_id = %s AND p.status IN (%s, %s)",
            [member_id, conversation_id, LISTENING[0].value, LISTENING[1].value],
        )
        row = cursor.fetchone()
    return ReadingContext(*row) if row else None


def unread_after_reading(*, member_id: int, conversation_id: int, last_read_id: int) -> tuple[int, int]:
    """(unread in this conversation, unread in all of them) once read up to `last_read_id`: one query."""
    message = connection.ops.quote_name(Message._meta.db_table)
    total_sql, (accepted, requested, muted) = _unread_total_sql()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {message} WHERE conversation_id = %s AND id > %s AND sender_id <> %s),"
            f" ({total_sql})",
            [conversation_id, last_read_id, member_id, member_id, accepted, requested, muted, member_id],
        )
        count, total = cursor.fetchone()
    return count, total


def listening_member_ids(*, conversation_id: int) -> list[int]:
    """Who receives the conversation's messages (and its receipts) now."""
    participant = connection.ops.quote_name(Participant._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT member_id FROM {participant} WHERE conversation_id = %s AND status IN (%s, %s) ORDER BY id",
            [conversation_id, LISTENING[0].value, LISTENING[1].value],
        )
        return [row[0] for row in cursor.fetchall()]


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

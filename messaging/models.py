"""Conversations, their participants and messages; blocks; live connections; notifications.

The database is the source of truth for chat: a message is committed before anything is
broadcast, message ids grow in commit order and `seq` numbers the messages of one conversation
1, 2, 3, ... so a client can tell it missed a frame and ask for a `sync`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

BODY_MAX_LENGTH = 4000
CLIENT_ID_MAX_LENGTH = 64


class Conversation(models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", _("Direct")
        GROUP = "group", _("Group")
        ROOM = "room", _("Space room")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DIRECT)
    title = models.CharField(_("title"), max_length=120, blank=True)
    space = models.ForeignKey(
        "community.Space",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="chat_rooms",
        verbose_name=_("space"),
    )
    # "<smaller member id>:<larger member id>" for a direct conversation: one per pair.
    direct_key = models.CharField(max_length=41, null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    # The seq of the latest message: bumped inside the sending transaction, so it doubles as
    # the row lock that serialises senders of one conversation.
    last_seq = models.PositiveIntegerField(default=0, editable=False)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["space"], condition=Q(kind="room"), name="one_lobby_room_per_space"
            ),
            models.CheckConstraint(
                condition=Q(kind="room", space__isnull=False) | ~Q(kind="room"), name="room_has_a_space"
            ),
        ]

    def __str__(self) -> str:
        if self.title:
            return self.title
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("messaging:conversation", kwargs={"conversation_id": self.pk})

    @property
    def is_room(self) -> bool:
        return self.kind == self.Kind.ROOM

    @property
    def is_direct(self) -> bool:
        return self.kind == self.Kind.DIRECT


class Participant(models.Model):
    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REQUESTED = "requested", _("Waiting for an answer")
        DECLINED = "declined", _("Declined")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="participants")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_participations"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    # Id of the newest message this member has read in the conversation (0: none).
    last_read_id = models.BigIntegerField(default=0)
    # Id of the newest message of this conversation emailed to them as missed (0: none).
    emailed_up_to_id = models.BigIntegerField(default=0, editable=False)
    muted = models.BooleanField(_("muted"), default=False)
    joined = models.DateTimeField(_("joined"), default=timezone.now)
    # The member reads the messages with a greater id (0: the whole history). A lobby room's
    # history starts when the member joined the space's community: the room's newest message
    # then (messaging.selectors.readable_messages and messages_page apply it).
    history_after_id = models.BigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "member"], name="one_participant_per_member"),
        ]
        indexes = [models.Index(fields=["member", "status"])]

    def __str__(self) -> str:
        return f"{self.member} in {self.conversation}"


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_messages"
    )
    body = models.TextField(_("message"), max_length=BODY_MAX_LENGTH)
    client_id = models.CharField(max_length=CLIENT_ID_MAX_LENGTH)
    seq = models.PositiveIntegerField()
    created = models.DateTimeField(_("sent"), default=timezone.now)
    # Bumped by every change after sending (edit, delete, reaction): a client never applies an
    # older state over a newer one.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True, editable=False)
    # A deleted message keeps its row (and seq) with an empty body: a placeholder in the history.
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, editable=False)
    # The newest message id of the database when this message last changed: `sync` after N
    # replays the messages up to N changed at N or later (None: never changed).
    changed_at_id = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["sender", "client_id"], name="one_message_per_client_id"),
            models.UniqueConstraint(fields=["conversation", "seq"], name="one_message_per_seq"),
        ]
        indexes = [
            models.Index(fields=["conversation", "id"]),
            # The rate limit counts a sender's recent messages.
            models.Index(fields=["sender", "created"]),
            # `sync` looks up what changed since its cursor.
            models.Index(
                fields=["changed_at_id"], condition=Q(changed_at_id__isnull=False), name="message_changed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.body[:40]}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


# The reactions a member can put on a message: a small fixed set, the same in every language.
REACTIONS = ("👍", "❤️", "😂", "🎉", "🙏", "👀")


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=8, choices=[(e, e) for e in REACTIONS])
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "member", "emoji"], name="one_reaction_per_member_and_emoji"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.emoji} on {self.message_id}"


class Block(models.Model):
    """`blocker` no longer receives direct messages from `blocked`."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [models.UniqueConstraint(fields=["blocker", "blocked"], name="one_block_per_pair")]

    def __str__(self) -> str:
        return f"{self.blocker} blocks {self.blocked}"


class ChatProcess(models.Model):
    """A server process holding chat sockets. It proves it is alive by refreshing `seen_at`.

    Presence is "has a connection in a live process", so it holds across processes, and a
    heartbeat is one row per process, however many sockets it holds.
    """

    name = models.CharField(max_length=100, unique=True)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.name


class ChatConnection(models.Model):
    """One open chat socket, in the process named `process` (see ChatProcess).

    Connections of a process that died stop counting once its heartbeat is stale, and are swept.
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_connections"
    )
    channel_name = models.CharField(max_length=200, unique=True)
    process = models.CharField(max_length=100, db_index=True)
    connected_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.member} on {self.process}"


# --- attachments (issue #16; logic in messaging/attachments.py) ------------------------------


class Attachment(models.Model):
    """A file or image a member uploaded into a conversation, then sent with one message.

    Uploaded first (`message` empty: only the uploader sees it), attached when a message names it
    (once, to one message of the same sender and conversation), swept after a day if never sent.
    The bytes live in the "attachments" storage, which no URL serves: `path` and `thumbnail_path`
    are names in it, read back only by the permission-checked view.
    """

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        FILE = "file", _("File")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="attachments")
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_attachments"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(max_length=5, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    path = models.CharField(max_length=300, editable=False)
    thumbnail_path = models.CharField(max_length=300, blank=True, editable=False)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]
        indexes = [
            # The sweep of uploads never sent, and the count of a member's pending ones.
            models.Index(fields=["message", "created"]),
            models.Index(fields=["uploader", "conversation", "message"]),
        ]

    def __str__(self) -> str:
        return self.name

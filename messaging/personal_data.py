"""The member's data in the chat: the conversations they are in, the messages they sent, their
reactions, blocks and uploaded files.

Erasure keeps others' history whole: each message the member sent stays in its place, under the
"former member" account, with its text, reactions and files removed (the privacy notice says
so). Others' messages are theirs, and are neither exported nor touched.
"""

from __future__ import annotations

import posixpath

from django.db.models import Q

from community.core.personal_data import PersonalDataSource, PersonalFile, personal_data_register
from messaging.attachments import attachment_storage
from messaging.models import Attachment, Block, Conversation, Message, Participant, Reaction
from messaging.services import messages_erase_sender
from profiles.models import Member
from profiles.services import member_former


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def conversations_export(member: Member) -> list[dict]:
    participations = Participant.objects.filter(member=member).select_related("conversation__space")
    return [
        {
            "id": p.conversation_id,
            "kind": p.conversation.kind,
            "title": p.conversation.title,
            "space": p.conversation.space.slug if p.conversation.space_id else None,
            "status": p.status,
            "muted": p.muted,
            "joined": _iso(p.joined),
        }
        for p in participations.order_by("conversation_id")
    ]


def messages_export(member: Member) -> list[dict]:
    files: dict[int, list[str]] = {}
    for attachment in Attachment.objects.filter(uploader=member, message__isnull=False):
        files.setdefault(attachment.message_id, []).append(_archive_name(attachment))
    return [
        {
            "id": m.pk,
            "conversation": m.conversation_id,
            "seq": m.seq,
            "body": m.body,
            "created": _iso(m.created),
            "edited_at": _iso(m.edited_at),
            "deleted_at": _iso(m.deleted_at),
            "attachments": files.get(m.pk, []),
        }
        for m in Message.objects.filter(sender=member).order_by("id").iterator()
    ]


def reactions_export(member: Member) -> list[dict]:
    return [
        {"message": r.message_id, "emoji": r.emoji, "created": _iso(r.created)}
        for r in Reaction.objects.filter(member=member).order_by("id")
    ]


def blocks_export(member: Member) -> list[dict]:
    return [
        {"blocked": b.blocked.username, "created": _iso(b.created)}
        for b in Block.objects.filter(blocker=member).select_related("blocked").order_by("id")
    ]


def _archive_name(attachment: Attachment) -> str:
    return f"files/attachments/{attachment.pk}-{posixpath.basename(attachment.name) or 'file'}"


def attachment_files(member: Member) -> list[PersonalFile]:
    storage = attachment_storage()
    return [
        PersonalFile(storage, a.path, _archive_name(a))
        for a in Attachment.objects.filter(uploader=member).order_by("id")
        if a.path
    ]


def messages_erase(member: Member) -> None:
    messages_erase_sender(member=member, former=member_former())
    # Files uploaded and never sent; their storage objects follow the rows (signal_handlers).
    Attachment.objects.filter(uploader=member).delete()


def conversations_erase(member: Member) -> None:
    Participant.objects.filter(member=member).delete()
    Conversation.objects.filter(created_by=member).update(created_by=None)
    # The direct conversation's pair key holds the member's id: the pair is no more.
    Conversation.objects.filter(kind=Conversation.Kind.DIRECT, participants__isnull=True).delete()
    Conversation.objects.filter(
        Q(direct_key__startswith=f"{member.pk}:") | Q(direct_key__endswith=f":{member.pk}")
    ).update(direct_key=None)


def register() -> None:
    personal_data_register(
        PersonalDataSource(
            name="messages", export=messages_export, erase=messages_erase, files=attachment_files, order=10
        )
    )
    personal_data_register(
        PersonalDataSource(
            name="reactions",
            export=reactions_export,
            erase=lambda m: Reaction.objects.filter(member=m).delete(),
        )
    )
    personal_data_register(
        PersonalDataSource(
            name="blocks",
            export=blocks_export,
            erase=lambda m: Block.objects.filter(blocker=m).delete(),
        )
    )
    personal_data_register(
        PersonalDataSource(
            name="conversations", export=conversations_export, erase=conversations_erase, order=20
        )
    )

"""Messaging endpoints of the JSON API: the member's conversations and their history.

Messages come in the shape of the WebSocket `message` frame. A conversation the member is not
in answers 404, the same as one that does not exist.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from community.core.errors import ServiceError
from messaging import attachments, selectors, services
from messaging.delivery import message_payload

router = Router(tags=["messaging"])


class ReactionOut(Schema):
    emoji: str
    count: int
    usernames: list[str]


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    kind: str = Field(description='"image" (re-encoded, with a thumbnail) or "file".')
    url: str
    thumbnail_url: str | None
    width: int | None
    height: int | None


class MessageOut(Schema):
    id: int
    conversation: int
    seq: int
    sender: str
    sender_name: str
    sender_avatar: str | None
    body: str
    created: str
    version: int
    edited: str | None
    deleted: bool
    reactions: list[ReactionOut]
    attachments: list[AttachmentOut] = []


class ConversationOut(Schema):
    id: int
    kind: str
    name: str
    status: str
    space: str | None
    participants: list[str]
    unread: int
    muted: bool
    last_seq: int
    last_message: MessageOut | None


class ConversationListOut(Schema):
    count: int
    results: list[ConversationOut]


class MessagePageOut(Schema):
    results: list[MessageOut]
    has_more: bool


class MessagePageParams(Schema):
    before: int | None = Field(None, ge=1, description="Only messages with a smaller id (older).")
    after: int | None = Field(None, ge=0, description="Only messages with a greater id (newer).")
    limit: int = Field(50, ge=1, le=200)


class MemberSuggestionOut(Schema):
    username: str
    name: str
    initials: str
    avatar: str | None = Field(None, description="URL of the member's photo, if any.")
    space: str | None = Field(None, description="Name of the member's home space, if any.")


class MemberSuggestionsOut(Schema):
    results: list[MemberSuggestionOut]


class MemberSuggestionParams(Schema):
    q: str = Field("", max_length=100, description="What was typed: the start of a username or of a name.")
    exclude: str = Field("", max_length=2000, description="Usernames already picked, comma-separated.")
    limit: int = Field(8, ge=1, le=20)


def _member(request: HttpRequest):
    return request.auth if getattr(request, "auth", None) is not None else request.user


@router.get(
    "/conversations/",
    response=ConversationListOut,
    url_name="conversations",
    summary="The member's conversations",
)
def conversations_list(request: HttpRequest, folder: str = "inbox"):
    """Conversations newest first. `folder=requests` lists those waiting for the member's answer."""
    if folder not in ("inbox", "requests"):
        raise ServiceError("invalid", _("folder is inbox or requests."))
    member = _member(request)
    rows = selectors.conversation_rows(member=member, folder=folder)
    results = [
        {
            "id": row.conversation.pk,
            "kind": row.conversation.kind,
            "name": row.name,
            "status": row.participant.status,
            "space": row.conversation.space.slug if row.conversation.space_id else None,
            "participants": [m.username for m in row.others],
            "unread": row.unread,
            "muted": row.participant.muted,
            "last_seq": row.conversation.last_seq,
            "last_message": message_payload(row.last_message) if row.last_message else None,
        }
        for row in rows
    ]
    return {"count": len(results), "results": results}


@router.get(
    "/conversations/{conversation_id}/messages",
    response=MessagePageOut,
    url_name="conversation_messages",
    summary="Messages of a conversation, oldest first",
)
def conversation_messages(request: HttpRequest, conversation_id: int, params: Query[MessagePageParams]):
    """Without `after`: the newest `limit` (before `before`); with `after`: the oldest ones after it.

    `has_more` says whether more exist in the direction read.
    """
    participant = selectors.participation_get(member=_member(request), conversation_id=conversation_id)
    if participant is None:
        raise ServiceError("not_found", _("No such conversation."), status=404)
    if params.before is not None and params.after is not None and params.after >= params.before:
        raise ServiceError("invalid", _("after must be smaller than before."))
    messages, has_more = selectors.messages_page(
        participant=participant, before=params.before, after=params.after, limit=params.limit
    )
    return {"results": [message_payload(m) for m in messages], "has_more": has_more}


class MessageEditIn(Schema):
    body: str = Field(..., description="The new text (1 to 4,000 characters after trimming).")


class ReactionIn(Schema):
    emoji: str = Field(..., description="One of the offered reactions.")
    on: bool = Field(True, description="true puts the reaction, false takes it back.")


@router.patch(
    "/messages/{int:message_id}", response=MessageOut, url_name="message", summary="Edit one's own message"
)
def message_edit(request: HttpRequest, message_id: int, payload: MessageEditIn):
    """Live on every tab of every participant (`message_updated`), like an `edit` frame."""
    return message_payload(
        services.message_edit(member=_member(request), message_id=message_id, body=payload.body)
    )


@router.delete("/messages/{int:message_id}", response=MessageOut, summary="Delete one's own message")
def message_delete(request: HttpRequest, message_id: int):
    """The message stays as a "message deleted" placeholder; deleting again changes nothing."""
    return message_payload(services.message_delete(member=_member(request), message_id=message_id))


@router.post(
    "/messages/{int:message_id}/reactions",
    response=MessageOut,
    url_name="message_reactions",
    summary="React to a message",
)
def message_react(request: HttpRequest, message_id: int, payload: ReactionIn):
    """Idempotent: reacting twice with the same emoji counts once."""
    return message_payload(
        services.message_react(
            member=_member(request), message_id=message_id, emoji=payload.emoji, on=payload.on
        )
    )


@router.get(
    "/messages/member-suggestions",
    response=MemberSuggestionsOut,
    url_name="member_suggestions",
    summary="Members to invite into a group, for what was typed",
)
def member_suggestions(request: HttpRequest, params: Query[MemberSuggestionParams]):
    """The group picker's list: at least 2 characters, never a hidden member, never a member in
    a block with the asker, never the asker."""
    members = selectors.member_suggestions(
        viewer=_member(request),
        query=params.q,
        exclude_usernames=[u for u in params.exclude.split(",") if u.strip()],
        limit=params.limit,
    )
    return {
        "results": [
            {
                "username": m.username,
                "name": str(m),
                "initials": m.initials,
                "avatar": m.avatar.url if m.avatar else None,
                "space": m.home_space.name if m.home_space_id else None,
            }
            for m in members
        ]
    }


# The body is read by hand (no ninja File parameter) so the declared length is checked first.
_UPLOAD_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "conversation"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "conversation": {"type": "integer", "minimum": 1},
                    },
                }
            }
        },
    }
}
# Room for the multipart envelope around a file of the largest size allowed.
_MULTIPART_SLACK = 64 * 1024


@router.post(
    "/messages/attachments",
    response={201: AttachmentOut},
    url_name="message_attachments",
    summary="Upload a file or an image to send in a conversation",
    openapi_extra=_UPLOAD_SCHEMA,
)
def attachment_upload(request: HttpRequest):
    """Multipart `file` and `conversation` (its id; the member must receive it). The answer's `id`
    goes into the `attachments` of a `send` frame; unsent uploads are deleted after a day.

    Refusals: not_participant (404), too_large (413), type_not_allowed (415), image_too_large (413),
    invalid_image, empty_file, too_many_pending (429), no_file, invalid (400).
    """
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.CHAT_ATTACHMENT_MAX_BYTES + _MULTIPART_SLACK:
        raise attachments.too_large_error()
    upload = request.FILES.get("file")
    if upload is None:
        raise ServiceError("no_file", _("Send the file in the multipart field file."))
    conversation = request.POST.get("conversation", "")
    if not (conversation.isascii() and conversation.isdigit()):
        raise ServiceError("invalid", _("conversation must be a conversation id."))
    attachment = attachments.attachment_upload(
        uploader=_member(request), conversation_id=int(conversation), upload=upload
    )
    return Status(201, attachments.attachment_payload(attachment))

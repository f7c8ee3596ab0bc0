"""What the composer's attachments.js needs: where to upload, the limits, and its words."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from messaging import attachments

register = template.Library()


@register.filter
def message_text(message) -> str:
    """A message's body, or the names of its files when it has no text (inbox previews)."""
    return attachments.message_text(message)


@register.simple_tag
def attachment_config(conversation_id: int) -> dict:
    return {
        "uploadUrl": reverse("api:message_attachments"),
        "conversation": conversation_id,
        "maxBytes": settings.CHAT_ATTACHMENT_MAX_BYTES,
        "perMessage": settings.CHAT_ATTACHMENTS_PER_MESSAGE,
        "types": settings.CHAT_ATTACHMENT_TYPES,
        "strings": {
            "attach": _("Attach a file"),
            "remove": _("Remove"),
            "uploading": _("Uploading…"),
            "failed": _("Not uploaded"),
            "tooLarge": _("A file has at most %(mb).0f MB.")
            % {"mb": settings.CHAT_ATTACHMENT_MAX_BYTES / (1024 * 1024)},
            "tooMany": _("A message has at most %(n)d attachments.")
            % {"n": settings.CHAT_ATTACHMENTS_PER_MESSAGE},
            "typeNotAllowed": _("This kind of file cannot be sent in the chat."),
            "waitForUploads": _("Wait until the files are uploaded."),
        },
    }

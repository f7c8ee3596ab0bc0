"""What every page of a logged-in member needs for live chat: the socket's starting point and notifications."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from community.moderation.models import Reason
from community.notifications import selectors as notification_selectors
from messaging import selectors
from messaging.delivery import reaction_summary
from messaging.text import body_html

register = template.Library()


@register.simple_tag(takes_context=True)
def chat_state(context) -> dict:
    """Config for chat.js (where to start `sync`) and the notifications menu, in 3 queries."""
    request = context.get("request")
    user = getattr(request, "user", None) if request is not None else context.get("user")
    if user is None or not user.is_authenticated:
        return {}
    notifications = list(notification_selectors.notifications_for(member=user, limit=5))
    return {
        "notifications": notifications,
        # Counted once per page: the navigation context processor has it already.
        "notifications_unread": context.get("nav_unread_notifications")
        if context.get("nav_unread_notifications") is not None
        else notification_selectors.notifications_unread_count(member=user),
        "config": {
            "wsPath": "/ws/chat/",
            "username": user.username,
            "lastId": selectors.latest_message_id(member=user),
            "notificationsUrl": reverse("messaging:notifications"),
            "reportUrl": reverse("api:moderation_reports"),
            "reportReasons": [(value, str(label)) for value, label in Reason.choices],
            "strings": {
                "sending": _("Sending…"),
                "notDelivered": _("Not delivered"),
                "retry": _("Retry"),
                "offline": _("Offline: your messages will be sent when the connection is back."),
                "typing": _("%(name)s is typing…"),
                "online": _("online"),
                "offline_member": _("offline"),
                "older": _("Older messages"),
                "noOlder": _("This is the beginning of the conversation."),
                "tooLong": _("A message has at most 4,000 characters."),
                "edited": _("(edited)"),
                "deleted": _("Message deleted"),
                "react": _("React"),
                "edit": _("Edit"),
                "delete": _("Delete"),
                "save": _("Save"),
                "cancel": _("Cancel"),
                "confirmDelete": _(
                    "Delete this message? Everyone in the conversation sees that it was deleted."
                ),
                "seen": _("Seen"),
                "seenBy": _("Seen by %(names)s"),
                "report": _("Report"),
                "reportReason": _("Why are you reporting this?"),
                "reportNote": _("Anything the moderators should know (optional)"),
                "reportSend": _("Send the report"),
                "reportSent": _("Thank you: the moderators will look at your report."),
                "reportFailed": _("The report could not be sent. Try again."),
                "close": _("Close"),
            },
        },
    }


@register.simple_tag(takes_context=True)
def message_body(context, message) -> str:
    """A message's body as HTML (links, mentions of the conversation's members), see messaging.text."""
    names = context.get("names") or {}
    user = context.get("user")
    return body_html(message.body, usernames=names, me=getattr(user, "username", ""))


@register.filter
def reactions_of(message) -> list[dict]:
    return reaction_summary(message)

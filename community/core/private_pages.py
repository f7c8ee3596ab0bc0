"""Pages and API answers that show one member's private data are never stored by a cache.

`Cache-Control: no-store` (Django's `add_never_cache_headers`): no shared proxy keeps a
conversation, and the browser does not show it again from its cache after a logout on a
shared computer (back button). One list, by URL name, applied by `PrivatePagesMiddleware`;
tests/security/test_private_pages.py fetches every one. The admin sets the same headers itself.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

# Every page of these namespaces: conversations, message search, notifications, settings.
PRIVATE_NAMESPACES = frozenset({"messaging", "notifications"})
# Chat attachments keep "private, max-age=86400" (messaging.views.attachment): only the
# member's own browser may keep them, so a conversation's images do not load again on every view.
NOT_PRIVATE = frozenset({"messaging:attachment", "messaging:attachment_thumbnail"})
PRIVATE_PAGES = frozenset(
    {
        # The account and the profile form.
        "profiles:edit",
        "password_change",
        "password_change_done",
        "password_reset_confirm",
        # Check-ins and a space's managers' page (trial requests with names and emails, hours).
        "community:my_hours",
        "community:space_manage",
        "community:space_hours_csv",
        "help:preferences",
        # The JSON API of conversations, messages and notification settings.
        "api:conversations",
        "api:conversation_messages",
        "api:message",
        "api:message_delete",
        "api:message_reactions",
        "api:member_suggestions",
        "api:message_attachments",
        "api:search_messages",
        "api:preferences_get",
        "api:preferences_update",
        "api:push_subscriptions",
        "api:push_subscribe",
        "api:push_unsubscribe",
    }
)


def is_private_page(view_name: str) -> bool:
    if view_name in NOT_PRIVATE:
        return False
    return view_name in PRIVATE_PAGES or view_name.split(":", 1)[0] in PRIVATE_NAMESPACES


class PrivatePagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and is_private_page(match.view_name):
            add_never_cache_headers(response)
        return response

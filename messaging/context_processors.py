from django.http import HttpRequest

from community.notifications.selectors import notifications_unread_count
from messaging.selectors import unread_total


def navigation(request: HttpRequest) -> dict:
    """What the base layout needs on every page: the unread message and notification badges."""
    messages = notifications = 0
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        messages = unread_total(member=user)
        notifications = notifications_unread_count(member=user)
    return {
        "nav_unread_messages": messages,
        "nav_unread_notifications": notifications,
        # On a phone the menu is folded: its button counts both.
        "nav_unread_folded": messages + notifications,
    }

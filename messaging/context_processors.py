from django.http import HttpRequest

from messaging.selectors import unread_total


def navigation(request: HttpRequest) -> dict:
    """What the base layout needs on every page: the unread message badge."""
    unread = 0
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        unread = unread_total(member=user)
    return {"nav_unread_messages": unread}

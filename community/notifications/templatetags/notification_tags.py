from django import template

from community.notifications.kinds import Rendered, render

register = template.Library()


@register.filter
def in_words(notification) -> Rendered:
    """`{% with words=notification|in_words %}`: its title, body and action in the reader's language."""
    return render(notification)

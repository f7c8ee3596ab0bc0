"""Template helpers of the help board: safe plain-text rendering, the reputation badge, the home list."""

from __future__ import annotations

from django import template
from django.utils.html import urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import normalize_newlines

from community.helpboard import selectors

register = template.Library()


@register.filter(is_safe=True)
def plain_text(value) -> SafeString:
    """Member-written text as HTML: everything escaped, line breaks kept, http(s) links clickable.

    `urlize(autoescape=True)` escapes the text around the links itself; links open in a new tab
    without giving the page a handle on ours (noopener) and without passing reputation (nofollow).
    """
    text = normalize_newlines(str(value or ""))
    html = urlize(text, nofollow=True, autoescape=True)
    # Safe to replace: user text is escaped, so a literal rel="nofollow" in it reads rel=&quot;...
    html = html.replace(' rel="nofollow"', ' rel="nofollow noopener" target="_blank"')
    return mark_safe(html.replace("\n", "<br>"))


@register.filter
def helped_count(member) -> int:
    """{{ member|helped_count }}: how many coworkers thanked the member for their help."""
    if member is None or not getattr(member, "pk", None):
        return 0
    return selectors.helped_count(member=member)


@register.simple_tag
def help_requests_for(member, limit: int = 5) -> list:
    """{% help_requests_for user as requests %}: open requests the member could help with."""
    if member is None or not getattr(member, "is_authenticated", False):
        return []
    return selectors.requests_for_helper(member=member, limit=limit)

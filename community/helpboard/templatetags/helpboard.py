"""Template helpers of the help board: safe plain-text rendering, the reputation badge, the home
list, why a member was matched."""

from __future__ import annotations

from django import template
from django.utils import translation
from django.utils.html import urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst, normalize_newlines
from django.utils.translation import pgettext

from community.helpboard import selectors
from search.query import taxonomy
from search.reasons import distance_phrase, speaks_phrase

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


@register.filter
def match_reasons(match) -> str:
    """{{ match|match_reasons }}: why the search found this member, one line in the reader's
    language: "Offers Translation, Proofreading · speaks Dutch · 3,5 km away"."""
    reasons = getattr(match, "reasons", None) or {}
    lang = (translation.get_language() or "en")[:2]
    names = taxonomy().labels
    parts = []
    skills = [
        names[slug].get(lang) or names[slug]["en"] for slug in reasons.get("skills") or () if slug in names
    ]
    if skills:
        parts.append(pgettext("why matched", "offers %(skills)s") % {"skills": ", ".join(skills)})
    parts += [phrase for code in reasons.get("languages") or () if (phrase := speaks_phrase(code))]
    distance = reasons.get("distance_km")
    if isinstance(distance, int | float):
        parts.append(distance_phrase(float(distance)))
    if not parts:
        return pgettext("why matched", "Their profile says what you asked for")
    return capfirst(" · ".join(parts))

"""Words of the "who can help me?" page that a template cannot build alone (search.reasons)."""

from __future__ import annotations

from django import template

from search.reasons import distance_phrase, speaks_phrase

register = template.Library()


@register.filter
def speaks(code: str) -> str:
    """{{ code|speaks }}: "nl" -> "speaks Dutch"; "" for a language a request cannot name."""
    return speaks_phrase(code)


@register.filter
def km_away(km) -> str:
    """{{ result.distance_km|km_away }}: "2,5 km away" in the reader's format; "" when unknown."""
    return distance_phrase(km)

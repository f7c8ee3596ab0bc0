"""Words of the "who can help me?" page that a template cannot build alone."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

# Whole phrases, not "speaks %(language)s": French writes language names in lower case after the
# verb ("parle néerlandais") while the names elsewhere on the site start with a capital.
SPEAKS = {
    "fr": _("speaks French"),
    "nl": _("speaks Dutch"),
    "en": _("speaks English"),
    "de": _("speaks German"),
    "es": _("speaks Spanish"),
    "it": _("speaks Italian"),
    "pt": _("speaks Portuguese"),
    "ar": _("speaks Arabic"),
    "tr": _("speaks Turkish"),
    "pl": _("speaks Polish"),
    "ro": _("speaks Romanian"),
}


@register.filter
def speaks(code: str) -> str:
    """ "nl" -> "speaks Dutch", in the page's language; "" for a language the request cannot name."""
    return str(SPEAKS.get(code, ""))

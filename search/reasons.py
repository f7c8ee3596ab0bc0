"""Why a member was found, in words: one wording for the search page and the help board.

distance_phrase(2.54)  # "2.5 km away" ("à 2,5 km" in French: Django's number format)
speaks_phrase("nl")    # "speaks Dutch"
"""

from __future__ import annotations

from django.template.defaultfilters import floatformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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


def speaks_phrase(code: str) -> str:
    """ "nl" -> "speaks Dutch", in the active language; "" for a language a request cannot name."""
    return str(SPEAKS.get(code, ""))


def distance_phrase(km: float | None) -> str:
    """How far, in the active language and its number format: under 1 km said so, one decimal
    under 10 km, whole kilometres beyond; "" when unknown."""
    if km is None:
        return ""
    if km < 1:
        return gettext("less than 1 km away")
    shown = floatformat(round(km, 1), -1) if km < 10 else floatformat(km, 0)
    return gettext("%(distance)s km away") % {"distance": shown}

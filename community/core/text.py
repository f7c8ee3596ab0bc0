"""Text that can be stored and shown: the checks every entry point applies to what people send."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def is_storable_text(value: str) -> bool:
    """False for text holding a lone surrogate ("\\ud800" in JSON): it has no UTF-8 form, so the
    database driver and the socket would fail on it (a 500, a crashed socket) instead of refusing."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators: none of them
# belongs in a line of text (a title, a place), and a calendar line may not hold them raw.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROLS_BUT_LINE_BREAKS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def has_control_characters(value: str) -> bool:
    """Whether the text holds a line break, a tab or another control character."""
    return bool(_CONTROLS.search(value))


def one_line(value: str) -> str:
    """The text on one line: every run of spaces, line breaks and control characters becomes one
    space. For text stored before forms refused line breaks, where one line is required."""
    return " ".join(_CONTROLS.sub(" ", value).split())


def printable_text(value: str) -> str:
    """The text with its line breaks as LF, its tabs, and no other control character."""
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    return _CONTROLS_BUT_LINE_BREAKS.sub("", value)


def validate_single_line(value: str) -> None:
    """Refuse line breaks and control characters (a browser's text box cannot send them: a
    script or a paste through the API did, and it is told rather than silently rewritten)."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(
            _("Keep this on one line, without tabs or control characters."), code="single_line"
        )

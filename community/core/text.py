"""Text that can be stored: the one check every entry point applies to what people send."""

from __future__ import annotations


def is_storable_text(value: str) -> bool:
    """False for text holding a lone surrogate ("\\ud800" in JSON): it has no UTF-8 form, so the
    database driver and the socket would fail on it (a 500, a crashed socket) instead of refusing."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True

"""Signed one-click unsubscribe tokens: a member and a topic, no login needed (RFC 8058)."""

from __future__ import annotations

from django.core import signing

_SALT = "notifications.unsubscribe"


def unsubscribe_token(*, member_id: int, topic: str) -> str:
    return signing.dumps([member_id, topic], salt=_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(member id, topic), or None for a token this site did not sign."""
    try:
        member_id, topic = signing.loads(token, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(member_id, int) or not isinstance(topic, str):
        return None
    return member_id, topic

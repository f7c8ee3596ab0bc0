"""Writes for members and their profiles."""

from __future__ import annotations

from django.db import transaction

from profiles.models import Member


def member_create(*, username: str, email: str, display_name: str, password: str) -> Member:
    """Create an active member with a usable password. Validation is the caller's form's job."""
    with transaction.atomic():
        member = Member(username=username, email=email.strip().lower(), display_name=display_name.strip())
        member.set_password(password)
        member.save()
    return member

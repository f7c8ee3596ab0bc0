"""Reads for the community side (spaces, check-ins, events)."""

from __future__ import annotations

from community.models import CheckIn


def checked_in_member_ids(*, space_id: int) -> set[int]:
    """Members checked in at a space right now (open check-ins only)."""
    return set(CheckIn.objects.filter(space_id=space_id, ended_at__isnull=True).values_list("member_id", flat=True))

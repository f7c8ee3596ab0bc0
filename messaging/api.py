"""Messaging endpoints of the JSON API (filled in by the messaging issue)."""

from ninja import Router

router = Router(tags=["messaging"])

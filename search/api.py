"""Search endpoints of the JSON API (filled in by the search issue)."""

from ninja import Router

router = Router(tags=["search"])

"""Reporting from a script or the chat page: POST /api/moderation/reports."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from community.moderation import services

router = Router(tags=["moderation"])


def _member(request: HttpRequest):
    return request.auth if getattr(request, "auth", None) is not None else request.user


class ReportIn(Schema):
    kind: str = Field(description="message, profile, help_request or event", max_length=20)
    object_id: int = Field(description="the id of the message, member, help request or event")
    reason: str = Field(description="spam, harassment, inappropriate, impersonation or other", max_length=20)
    note: str = Field(default="", max_length=services.NOTE_MAX_LENGTH)


class ReportOut(Schema):
    id: int
    kind: str
    object_id: int
    reason: str
    note: str
    state: str


@router.post(
    "/moderation/reports", response={201: ReportOut}, url_name="moderation_reports", summary="Report an item"
)
def report_create(request: HttpRequest, payload: ReportIn):
    """One report per member and item: reporting again updates it. Refusals: invalid_kind,
    invalid_reason, note_too_long, own_content (400), not_found (404)."""
    report = services.report_create(
        reporter=_member(request),
        kind=payload.kind,
        object_id=payload.object_id,
        reason=payload.reason,
        note=payload.note,
    )
    return Status(201, report)

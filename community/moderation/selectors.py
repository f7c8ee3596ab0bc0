"""Who moderates what, and the moderation queue."""

from __future__ import annotations

from django.db.models import QuerySet

from community.moderation.models import ModerationAction, Report
from community.network.selectors import managed_spaces
from profiles.models import Member


def is_moderator(member) -> bool:
    """Network staff moderate every report; a space's managers those about its members."""
    if member is None or not member.is_authenticated or not member.is_active:
        return False
    return member.is_staff or managed_spaces(member=member).exists()


def moderated_reports(*, moderator: Member) -> QuerySet[Report]:
    """The reports a moderator sees: all for staff; for a space manager, those whose author's home
    space is one they manage."""
    if not is_moderator(moderator):
        return Report.objects.none()
    reports = Report.objects.select_related("reporter", "author", "assignee")
    if moderator.is_staff:
        return reports
    return reports.filter(author__home_space__in=managed_spaces(member=moderator))


def can_moderate(member, report: Report) -> bool:
    return (
        moderated_reports(moderator=member).filter(pk=report.pk).exists() if is_moderator(member) else False
    )


def report_queue(
    *, moderator: Member, state: str = Report.State.OPEN, kind: str = "", assignee: str = ""
) -> QuerySet[Report]:
    """The queue, oldest open report first; `assignee`: "me", "none" or "" (anyone)."""
    reports = moderated_reports(moderator=moderator)
    if state:
        reports = reports.filter(state=state)
    if kind:
        reports = reports.filter(kind=kind)
    if assignee == "me":
        reports = reports.filter(assignee=moderator)
    elif assignee == "none":
        reports = reports.filter(assignee__isnull=True)
    return reports.order_by("created_at", "id")


def report_trail(*, report: Report) -> QuerySet[ModerationAction]:
    return ModerationAction.objects.filter(kind=report.kind, object_id=report.object_id).select_related(
        "actor"
    )

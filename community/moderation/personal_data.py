"""The member's data in moderation: the reports they made (exported, erased with them), and the
reports about them, which quote their content (erased with them, not exported: who reported them
is not theirs to know). The audit trail keeps its lines with the member's name gone (SET_NULL)."""

from __future__ import annotations

from typing import Any

from community.core.personal_data import PersonalDataSource, personal_data_register
from community.moderation.models import Report


def reports_export(member: Any) -> list[dict]:
    return [
        {
            "kind": report.kind,
            "item": report.object_id,
            "reason": report.reason,
            "note": report.note,
            "state": report.state,
            "created_at": report.created_at.isoformat(),
        }
        for report in Report.objects.filter(reporter=member).order_by("id")
    ]


def reports_erase(member: Any) -> None:
    Report.objects.filter(reporter=member).delete()
    Report.objects.filter(author=member).delete()


def register() -> None:
    personal_data_register(PersonalDataSource(name="reports", export=reports_export, erase=reports_erase))

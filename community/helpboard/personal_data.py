"""The member's data on the help board: their requests (with the replies they got), their
replies to others, the matches and thanks that name them, their help preferences.

A request erased takes its replies with it (they answer a question that is gone).
"""

from __future__ import annotations

from typing import Any

from community.core.personal_data import PersonalDataSource, personal_data_register
from community.helpboard.models import HelpMatch, HelpPreferences, HelpReply, HelpRequest, HelpThanks


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def help_requests_export(member: Any) -> list[dict]:
    requests = HelpRequest.objects.filter(author=member).prefetch_related("skills").order_by("id")
    return [
        {
            "id": r.pk,
            "title": r.title,
            "description": r.description,
            "skills": [s.slug for s in r.skills.all()],
            "free_skills": r.free_skills,
            "urgency": r.urgency,
            "status": r.status,
            "created_at": _iso(r.created_at),
            "solved_at": _iso(r.solved_at),
        }
        for r in requests
    ]


def help_replies_export(member: Any) -> list[dict]:
    return [
        {
            "help_request": reply.help_request_id,
            "body": reply.body,
            "is_offer": reply.is_offer,
            "created_at": _iso(reply.created_at),
        }
        for reply in HelpReply.objects.filter(author=member).order_by("id")
    ]


def help_preferences_export(member: Any) -> dict:
    prefs = HelpPreferences.objects.filter(member=member).first()
    return {"mute_help_notifications": prefs.mute_help_notifications} if prefs else {}


def help_replies_erase(member: Any) -> None:
    HelpReply.objects.filter(author=member).delete()
    # Matches and thanks name the member on others' requests (who was asked, who helped).
    HelpMatch.objects.filter(member=member).delete()
    HelpThanks.objects.filter(helper=member).delete()


def register() -> None:
    personal_data_register(
        PersonalDataSource(
            name="help_requests",
            export=help_requests_export,
            erase=lambda m: HelpRequest.objects.filter(author=m).delete(),
        )
    )
    personal_data_register(
        PersonalDataSource(name="help_replies", export=help_replies_export, erase=help_replies_erase)
    )
    personal_data_register(
        PersonalDataSource(
            name="help_preferences",
            export=help_preferences_export,
            erase=lambda m: HelpPreferences.objects.filter(member=m).delete(),
        )
    )

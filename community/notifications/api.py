"""Notification settings in the JSON API: `GET` and `PATCH /api/notifications/preferences`."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from community.notifications import selectors, services
from community.notifications.kinds import TOPICS

router = Router(tags=["notifications"])


class TopicOut(Schema):
    topic: str
    label: str
    delivery: str
    choices: list[str]


class PreferencesOut(Schema):
    results: list[TopicOut]


def _member(request: HttpRequest):
    return request.auth if getattr(request, "auth", None) is not None else request.user


def _preferences(member) -> dict:
    deliveries = selectors.deliveries_for(member=member)
    return {
        "results": [
            {
                "topic": key,
                "label": str(topic.label),
                "delivery": deliveries[key],
                "choices": list(topic.choices),
            }
            for key, topic in TOPICS.items()
        ]
    }


@router.get("/notifications/preferences", response=PreferencesOut)
def preferences_get(request: HttpRequest):
    """How each topic reaches the member: `immediately`, `digest` or `never`."""
    return _preferences(_member(request))


@router.patch("/notifications/preferences", response=PreferencesOut)
def preferences_update(request: HttpRequest, changes: dict[str, str]):
    """`{"topic": "delivery", ...}`; an unknown topic or a choice it does not offer is a 400."""
    member = _member(request)
    for topic, delivery in changes.items():
        services.preference_set(member=member, topic=topic, delivery=delivery)
    return _preferences(member)

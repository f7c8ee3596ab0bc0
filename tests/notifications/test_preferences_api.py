"""The notification preferences through the JSON API, as the README documents them."""

from __future__ import annotations

import pytest
from django.test import Client

from community.notifications.models import Delivery
from community.notifications.selectors import delivery_for
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _client(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_patch_sets_the_topics_it_names_and_answers_all_of_them():
    member = MemberFactory()

    response = _client(member).patch(
        "/api/notifications/preferences",
        {"mentions": "never", "help_matches": "digest"},
        content_type="application/json",
    )

    assert response.status_code == 200
    by_topic = {row["topic"]: row["delivery"] for row in response.json()["results"]}
    assert by_topic["mentions"] == "never" and by_topic["help_matches"] == "digest"
    assert delivery_for(member=member.pk, topic="mentions") == Delivery.NEVER
    assert delivery_for(member=member.pk, topic="messages") == Delivery.IMMEDIATELY  # untouched


@pytest.mark.parametrize(
    "body",
    [{"weather": "never"}, {"digest": "immediately"}, {"mentions": 3}, ["mentions"], {"mentions": {"a": 1}}],
)
def test_bad_changes_are_a_400_and_change_nothing(body):
    member = MemberFactory()
    before = delivery_for(member=member.pk, topic="mentions")

    response = _client(member).patch("/api/notifications/preferences", body, content_type="application/json")

    assert response.status_code == 400 and response.json()["error"]
    assert delivery_for(member=member.pk, topic="mentions") == before

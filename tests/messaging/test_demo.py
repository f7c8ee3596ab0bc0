"""messaging.demo.seed: believable, and the same after a second run."""

from __future__ import annotations

import io
import random

import pytest

from community.notifications.models import Notification
from messaging import demo, selectors
from messaging.models import Conversation, Message, Participant
from tests.factories import MemberFactory, SpaceFactory

pytestmark = pytest.mark.django_db


def _network():
    spaces = [SpaceFactory(region=region) for region in ("brussels", "flanders", "wallonia")]
    professions = [
        "Traducteur·rice",
        "Webontwikkelaar",
        "Garden architect",
        "Start-up founder",
        "Comptable",
        "Business coach",
    ]
    for n in range(36):
        MemberFactory(
            home_space=spaces[n % 3], profession=professions[n % len(professions)], preferred_language="fr"
        )
    return MemberFactory(username="demo", home_space=spaces[0])


def _snapshot() -> tuple:
    return (
        Conversation.objects.count(),
        Message.objects.count(),
        Participant.objects.count(),
        Notification.objects.count(),
        sorted(Message.objects.values_list("client_id", "seq")),
        sorted(Participant.objects.values_list("conversation_id", "member_id", "status", "last_read_id")),
    )


def test_the_demo_chat_is_seeded_once_however_often_it_runs():
    camille = _network()
    out = io.StringIO()

    demo.seed(rng=random.Random(1), stdout=out)
    first = _snapshot()
    demo.seed(rng=random.Random(1), stdout=io.StringIO())

    assert _snapshot() == first
    assert "space rooms" in out.getvalue()
    assert Conversation.objects.filter(kind="room").count() == 3
    assert selectors.unread_total(member=camille) >= 1
    assert len(selectors.conversation_rows(member=camille, folder="requests")) == 1
    kinds = {row.conversation.kind for row in selectors.conversation_rows(member=camille)}
    assert kinds == {"direct", "group", "room"}
    assert Notification.objects.filter(recipient=camille).count() == 1

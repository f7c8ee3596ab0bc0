from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from community.helpboard import services as helpboard_services
from community.network.models import Event
from messaging import services as messaging_services
from tests.factories import MemberFactory, SpaceFactory


@pytest.fixture
def space(db):
    return SpaceFactory(name="Coworking Namur", slug="coworking-namur")


@pytest.fixture
def alice(space):
    """The reporter."""
    return MemberFactory(username="alice", display_name="Alice Martin", home_space=space)


@pytest.fixture
def troll(space):
    """The author of what gets reported."""
    return MemberFactory(
        username="troll", display_name="Trevor Troll", home_space=space, headline="Cheap pills"
    )


@pytest.fixture
def staff(db):
    return MemberFactory(username="mod", display_name="Mona Moderator", is_staff=True)


@pytest.fixture
def conversation(alice, troll):
    conversation = messaging_services.conversation_direct_get_or_create(member=troll, other=alice)
    messaging_services.request_accept(member=alice, conversation=conversation)
    return conversation


@pytest.fixture
def message(conversation, troll):
    return messaging_services.message_send(
        sender=troll, conversation=conversation, body="Buy cheap pills at spam.example", client_id="spam-1"
    )


@pytest.fixture
def help_request(troll):
    return helpboard_services.help_request_create(
        author=troll, title="Need followers for my pills shop", description="Follow me for cheap pills."
    )


@pytest.fixture
def event(troll, space):
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    return Event.objects.create(
        space=space,
        title="Pills party",
        description="Cheap pills for all.",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        created_by=troll,
    )

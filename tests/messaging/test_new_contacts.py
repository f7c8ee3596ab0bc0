"""First-contact spam: how many new people an account may reach out to per 24 hours."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from messaging import services
from messaging.models import Conversation, Message
from messaging.services import MessagingError
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _request(sender, recipient, n: int = 0) -> Message:
    """A first message to `recipient` (a message request): a new contact for `sender`."""
    conversation = services.conversation_direct_get_or_create(member=sender, other=recipient)
    return services.message_send(sender=sender, conversation=conversation, body="Hello!", client_id=f"r-{n}")


def _old_account(**fields):
    return MemberFactory(date_joined=timezone.now() - timedelta(days=30), **fields)


@pytest.mark.clock
def test_a_new_account_reaches_five_strangers_a_day_and_not_a_sixth():
    spammer = MemberFactory()
    strangers = [MemberFactory() for _ in range(6)]
    for n, stranger in enumerate(strangers[:5]):
        _request(spammer, stranger, n)

    with pytest.raises(MessagingError) as refused:
        _request(spammer, strangers[5], 5)

    assert refused.value.code == "too_many_new_contacts"
    assert "5" in str(refused.value.detail)
    assert Message.objects.filter(sender=spammer).count() == 5


@pytest.mark.clock
def test_an_older_account_reaches_twenty_strangers_a_day(clock):
    member = _old_account()
    for n in range(20):
        clock.shift(timedelta(seconds=1))  # within the 20-per-10-seconds rate limit
        _request(member, MemberFactory(), n)

    with pytest.raises(MessagingError) as refused:
        _request(member, MemberFactory(), 20)

    assert refused.value.code == "too_many_new_contacts"


@pytest.mark.clock
def test_an_account_is_new_for_its_first_seven_days(clock):
    member = MemberFactory()
    clock.shift(timedelta(days=7, minutes=1))
    for n in range(6):
        _request(member, MemberFactory(), n)

    assert Message.objects.filter(sender=member).count() == 6


@pytest.mark.clock
def test_the_limit_counts_the_last_24_hours(clock):
    spammer = MemberFactory()
    for n in range(5):
        _request(spammer, MemberFactory(), n)
    clock.shift(timedelta(hours=23, minutes=59))
    with pytest.raises(MessagingError):
        _request(spammer, MemberFactory(), 5)

    clock.shift(timedelta(minutes=2))
    _request(spammer, MemberFactory(), 6)

    assert Message.objects.filter(sender=spammer).count() == 6


@pytest.mark.clock
def test_replies_and_ongoing_conversations_are_not_new_contacts():
    member = MemberFactory()
    friend, admirer = MemberFactory(), MemberFactory()
    ongoing = services.conversation_direct_get_or_create(member=member, other=friend)
    services.request_accept(member=friend, conversation=ongoing)
    # Someone else wrote first: answering them reaches nobody new.
    _request(admirer, member, 0)
    for n in range(5):
        _request(member, MemberFactory(), n)

    services.message_send(sender=member, conversation=ongoing, body="On se voit demain ?", client_id="o-1")
    reply = services.message_send(
        sender=member,
        conversation=Conversation.objects.get(direct_key__isnull=False, created_by=admirer),
        body="Merci !",
        client_id="reply",
    )

    assert reply.seq == 2
    # A second message in one's own request is no new contact either.
    first = Message.objects.filter(sender=member, seq=1).first()
    services.message_send(sender=member, conversation=first.conversation, body="P.S.", client_id="ps")


@pytest.mark.clock
def test_each_member_invited_to_a_new_group_is_a_new_contact():
    creator = MemberFactory()
    guests = [MemberFactory() for _ in range(6)]

    with pytest.raises(MessagingError) as refused:
        services.group_create(creator=creator, title="Lunch", members=guests)
    services.group_create(creator=creator, title="Lunch", members=guests[:3])
    _request(creator, MemberFactory(), 0)
    _request(creator, MemberFactory(), 1)

    assert refused.value.code == "too_many_new_contacts"
    with pytest.raises(MessagingError):
        _request(creator, MemberFactory(), 2)
    assert Conversation.objects.filter(kind=Conversation.Kind.GROUP).count() == 1


@pytest.mark.clock
def test_members_added_to_a_group_later_are_new_contacts_too():
    creator = MemberFactory()
    group = services.group_create(creator=creator, title="Lunch", members=[MemberFactory()])
    services.group_members_add(by=creator, conversation=group, members=[MemberFactory() for _ in range(3)])

    with pytest.raises(MessagingError) as refused:
        services.group_members_add(by=creator, conversation=group, members=[MemberFactory(), MemberFactory()])

    assert refused.value.code == "too_many_new_contacts"
    assert group.participants.count() == 5  # the creator and four: nobody of the refused two


def test_a_message_in_an_ongoing_conversation_does_not_count_contacts():
    member, friend = MemberFactory(), MemberFactory()
    conversation = services.conversation_direct_get_or_create(member=member, other=friend)
    services.request_accept(member=friend, conversation=conversation)
    services.message_send(sender=friend, conversation=conversation, body="Salut", client_id="f-1")

    with CaptureQueriesContext(connection) as queries:
        services.message_send(sender=member, conversation=conversation, body="Hoi", client_id="m-1")

    # The hot path: the one read query, then the insert transaction (on PostgreSQL its advisory
    # lock is a SELECT too, but reads nothing); no count of contacts.
    assert not [q for q in queries.captured_queries if "created_by_id" in q["sql"]]
    selects = [
        q
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT") and "pg_advisory_xact_lock" not in q["sql"]
    ]
    assert len(selects) == 1


def test_the_message_form_shows_the_limit_as_a_form_error():
    spammer = MemberFactory()
    for n in range(5):
        _request(spammer, MemberFactory(), n)
    conversation = services.conversation_direct_get_or_create(member=spammer, other=MemberFactory())
    client = Client()
    client.force_login(spammer)

    response = client.post(f"/messages/{conversation.pk}/", {"body": "Buy now", "client_id": "form-1"})

    assert response.status_code == 400
    assert "new people a day" in response.content.decode()
    assert not Message.objects.filter(conversation=conversation).exists()


def test_the_group_form_shows_the_limit_as_a_form_error():
    creator = MemberFactory()
    names = [MemberFactory().username for _ in range(6)]
    client = Client()
    client.force_login(creator)

    response = client.post("/messages/groups/new/", {"title": "Promo", "usernames": " ".join(names)})

    assert response.status_code == 400
    assert "new people a day" in response.content.decode()
    assert not Conversation.objects.filter(kind=Conversation.Kind.GROUP).exists()

"""messaging.services: what the views, the API and the socket rely on."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections
from django.utils import timezone

from community.notifications.models import Notification
from community.notifications.selectors import notifications_unread_count
from community.notifications.services import NotificationError, notify
from messaging import selectors, services
from messaging.models import (
    Block,
    ChatConnection,
    ChatProcess,
    Conversation,
    Message,
    Participant,
)
from messaging.services import MessagingError
from tests.factories import MemberFactory, SpaceFactory

pytestmark = pytest.mark.django_db


def _direct(a, b, *, accepted=True) -> Conversation:
    conversation = services.conversation_direct_get_or_create(member=a, other=b)
    if accepted:
        services.request_accept(member=b, conversation=conversation)
    return conversation


# --- direct conversations and consent ------------------------------------------------------


def test_there_is_one_direct_conversation_per_pair_whoever_starts_it():
    alice, bob = MemberFactory(), MemberFactory()

    first = services.conversation_direct_get_or_create(member=alice, other=bob)
    second = services.conversation_direct_get_or_create(member=bob, other=alice)

    assert first.pk == second.pk
    assert first.kind == Conversation.Kind.DIRECT
    assert Conversation.objects.count() == 1


def test_a_first_direct_message_lands_in_the_recipients_requests():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = services.conversation_direct_get_or_create(member=alice, other=bob)

    services.message_send(sender=alice, conversation=conversation, body="Bonjour !", client_id="c1")

    assert [row.conversation.pk for row in selectors.conversation_rows(member=bob, folder="requests")] == [
        conversation.pk
    ]
    assert selectors.conversation_rows(member=bob) == []
    assert [row.conversation.pk for row in selectors.conversation_rows(member=alice)] == [conversation.pk]


def test_an_empty_direct_conversation_stays_out_of_both_inboxes():
    alice, bob = MemberFactory(), MemberFactory()

    services.conversation_direct_get_or_create(member=alice, other=bob)

    assert selectors.conversation_rows(member=alice) == []
    assert selectors.conversation_rows(member=bob, folder="requests") == []


def test_answering_a_request_accepts_it():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = services.conversation_direct_get_or_create(member=alice, other=bob)
    services.message_send(sender=alice, conversation=conversation, body="Hallo", client_id="a1")

    services.message_send(sender=bob, conversation=conversation, body="Dag Alice", client_id="b1")

    assert (
        Participant.objects.get(member=bob, conversation=conversation).status == Participant.Status.ACCEPTED
    )


def test_nobody_can_start_a_conversation_with_themselves():
    alice = MemberFactory()

    with pytest.raises(MessagingError) as error:
        services.conversation_direct_get_or_create(member=alice, other=alice)

    assert error.value.code == "self"


def test_after_a_decline_the_sender_is_told_not_delivered():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = services.conversation_direct_get_or_create(member=alice, other=bob)
    services.message_send(sender=alice, conversation=conversation, body="Hi", client_id="d1")

    services.request_decline(member=bob, conversation=conversation)

    with pytest.raises(MessagingError) as error:
        services.message_send(sender=alice, conversation=conversation, body="Hello??", client_id="d2")
    assert error.value.code == "not_delivered"
    assert selectors.conversation_rows(member=bob, folder="requests") == []


def test_a_block_stops_direct_messages_and_hides_the_conversation():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = _direct(alice, bob)
    services.message_send(sender=alice, conversation=conversation, body="Hi", client_id="k1")

    services.member_block(blocker=bob, blocked=alice)

    with pytest.raises(MessagingError) as error:
        services.message_send(sender=alice, conversation=conversation, body="Why?", client_id="k2")
    assert (error.value.code, str(error.value.detail)) == ("not_delivered", "Not delivered.")
    assert selectors.conversation_rows(member=bob) == []
    assert Message.objects.filter(sender=alice).count() == 1


def test_blocking_twice_is_one_block_and_unblocking_lifts_it():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = _direct(alice, bob)

    services.member_block(blocker=bob, blocked=alice)
    services.member_block(blocker=bob, blocked=alice)
    services.member_unblock(blocker=bob, blocked=alice)
    services.message_send(sender=bob, conversation=conversation, body="Sorry, wrong button", client_id="u1")

    assert Block.objects.count() == 0
    message = services.message_send(
        sender=alice, conversation=conversation, body="No problem", client_id="u2"
    )
    assert message.seq == 2


def test_a_group_starts_in_the_requests_of_its_members_and_silently_skips_those_who_blocked_the_creator():
    alice, bob, carol = MemberFactory(), MemberFactory(), MemberFactory()
    Block.objects.create(blocker=carol, blocked=alice)

    group = services.group_create(creator=alice, title="Jardin partagé", members=[bob, carol, alice])

    statuses = dict(Participant.objects.filter(conversation=group).values_list("member_id", "status"))
    assert statuses == {alice.pk: "accepted", bob.pk: "requested", carol.pk: "declined"}
    assert group.kind == Conversation.Kind.GROUP


@pytest.mark.parametrize(("title", "code"), [("", "title_required"), ("x" * 121, "title_too_long")])
def test_a_group_needs_a_reasonable_name(title, code):
    alice, bob = MemberFactory(), MemberFactory()

    with pytest.raises(MessagingError) as error:
        services.group_create(creator=alice, title=title, members=[bob])

    assert error.value.code == code


def test_a_group_needs_someone_else():
    alice = MemberFactory()

    with pytest.raises(MessagingError) as error:
        services.group_create(creator=alice, title="Alone", members=[alice])

    assert error.value.code == "members_required"


# --- messages ------------------------------------------------------------------------------


def test_a_resent_client_id_returns_the_stored_message():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = _direct(alice, bob)

    first = services.message_send(sender=alice, conversation=conversation, body="Once", client_id="same")
    again = services.message_send(sender=alice, conversation=conversation, body="Once", client_id="same")

    assert first.pk == again.pk
    assert Message.objects.count() == 1


def test_a_client_id_cannot_be_reused_in_another_conversation():
    alice, bob, carol = MemberFactory(), MemberFactory(), MemberFactory()
    services.message_send(sender=alice, conversation=_direct(alice, bob), body="One", client_id="dup")

    with pytest.raises(MessagingError) as error:
        services.message_send(sender=alice, conversation=_direct(alice, carol), body="Two", client_id="dup")

    assert error.value.code == "client_id_reused"


def test_two_members_may_use_the_same_client_id():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = _direct(alice, bob)

    services.message_send(sender=alice, conversation=conversation, body="A", client_id="1")
    services.message_send(sender=bob, conversation=conversation, body="B", client_id="1")

    assert Message.objects.count() == 2


def test_the_body_is_trimmed():
    alice, bob = MemberFactory(), MemberFactory()

    message = services.message_send(
        sender=alice, conversation=_direct(alice, bob), body="  hoi \n", client_id="t"
    )

    assert message.body == "hoi"


def test_only_participants_may_write():
    alice, bob, carol = MemberFactory(), MemberFactory(), MemberFactory()

    with pytest.raises(MessagingError) as error:
        services.message_send(sender=carol, conversation=_direct(alice, bob), body="Hi", client_id="x")

    assert error.value.code == "not_participant"


def test_the_rate_limit_forgets_messages_older_than_ten_seconds():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = _direct(alice, bob)
    for n in range(services.RATE_LIMIT_MESSAGES):
        services.message_send(sender=alice, conversation=conversation, body=str(n), client_id=f"r{n}")
    with pytest.raises(MessagingError):
        services.message_send(sender=alice, conversation=conversation, body="too soon", client_id="late")

    Message.objects.update(created=timezone.now() - timedelta(seconds=11))

    assert (
        services.message_send(sender=alice, conversation=conversation, body="later", client_id="late").seq
        == 21
    )


def test_seq_follows_the_conversation_not_the_database():
    alice, bob, carol = MemberFactory(), MemberFactory(), MemberFactory()
    with_bob, with_carol = _direct(alice, bob), _direct(alice, carol)

    seqs = [
        services.message_send(sender=alice, conversation=conv, body="x", client_id=f"{n}").seq
        for n, conv in enumerate([with_bob, with_carol, with_bob, with_bob, with_carol])
    ]

    assert seqs == [1, 1, 2, 3, 2]


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_get_distinct_consecutive_seqs_and_ids_in_seq_order():
    members = [MemberFactory() for _ in range(4)]
    space = SpaceFactory()
    for member in members:
        member.home_space = space
        member.save()
    room = services.space_room_for(space)
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(members))

    def write(member) -> None:
        try:
            barrier.wait()
            for n in range(5):
                services.message_send(
                    sender=member, conversation=room, body=f"{member.pk}-{n}", client_id=f"{n}"
                )
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=write, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rows = list(Message.objects.filter(conversation=room).order_by("id").values_list("seq", flat=True))
    assert rows == list(range(1, 21))


# --- read state ----------------------------------------------------------------------------


def test_unread_counts_what_others_wrote_after_the_last_read_message():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = _direct(alice, bob)
    first = services.message_send(sender=alice, conversation=conversation, body="1", client_id="1")
    services.message_send(sender=alice, conversation=conversation, body="2", client_id="2")
    services.message_send(sender=bob, conversation=conversation, body="mine", client_id="3")

    assert selectors.unread_total(member=bob) == 0  # writing reads what came before
    services.message_send(sender=alice, conversation=conversation, body="3", client_id="4")
    assert selectors.unread_total(member=bob) == 1
    assert selectors.unread_total(member=alice) == 0
    assert (
        services.conversation_mark_read(member=bob, conversation_id=conversation.pk, message_id=first.pk) == 1
    )


def test_a_muted_conversation_leaves_the_badge():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = _direct(alice, bob)
    services.message_send(sender=alice, conversation=conversation, body="psst", client_id="1")

    services.participant_mute(member=bob, conversation=conversation, muted=True)

    assert selectors.unread_total(member=bob) == 0
    assert selectors.unread_counts(member=bob) == {conversation.pk: 1}


def test_marking_read_with_an_id_from_another_conversation_reads_only_up_to_it():
    alice, bob, carol = MemberFactory(), MemberFactory(), MemberFactory()
    with_bob, with_carol = _direct(alice, bob), _direct(alice, carol)
    services.message_send(sender=alice, conversation=with_bob, body="1", client_id="1")
    services.message_send(sender=alice, conversation=with_carol, body="elsewhere", client_id="2")
    later = services.message_send(sender=alice, conversation=with_bob, body="3", client_id="3")
    elsewhere = Message.objects.get(client_id="2")

    count = services.conversation_mark_read(member=bob, conversation_id=with_bob.pk, message_id=elsewhere.pk)

    assert count == 1
    assert Participant.objects.get(member=bob, conversation=with_bob).last_read_id < later.pk


# --- space rooms ---------------------------------------------------------------------------


def test_a_member_joins_the_lobby_rooms_of_their_spaces_and_leaves_when_they_leave():
    home, other = SpaceFactory(), SpaceFactory()
    member = MemberFactory(home_space=home)
    member.other_spaces.add(other)

    rooms = set(Participant.objects.filter(member=member).values_list("conversation__space_id", flat=True))
    assert rooms == {home.pk, other.pk}

    member.other_spaces.remove(other)
    member.home_space = None
    member.save()
    assert not Participant.objects.filter(member=member).exists()


def test_a_membership_brings_the_member_into_the_room_until_it_ends():
    from community.network.services import membership_set

    space = SpaceFactory()
    member = MemberFactory()

    membership = membership_set(member=member, space=space)
    assert Participant.objects.filter(member=member, conversation__space=space).exists()

    membership.is_active = False
    membership.save()
    assert not Participant.objects.filter(member=member, conversation__space=space).exists()

    membership_set(member=member, space=space)
    membership.delete()
    assert not Participant.objects.filter(member=member, conversation__space=space).exists()


def test_an_ended_membership_keeps_the_room_of_the_home_space():
    from community.network.services import membership_set

    space = SpaceFactory()
    member = MemberFactory(home_space=space)
    membership_set(member=member, space=space).delete()

    assert Participant.objects.filter(member=member, conversation__space=space).exists()


def test_a_space_visited_from_its_side_brings_the_member_in():
    space = SpaceFactory()
    member = MemberFactory()

    space.visiting_members.add(member)

    assert Participant.objects.filter(member=member, conversation__space=space).exists()


def test_joining_a_room_does_not_make_its_history_unread():
    space = SpaceFactory()
    old_timer = MemberFactory(home_space=space)
    room = services.space_room_for(space)
    services.message_send(sender=old_timer, conversation=room, body="Old news", client_id="o")

    newcomer = MemberFactory(home_space=space)

    assert selectors.unread_total(member=newcomer) == 0


def test_there_is_one_lobby_room_per_space():
    space = SpaceFactory()

    assert services.space_room_for(space).pk == services.space_room_for(space).pk
    assert Conversation.objects.filter(kind=Conversation.Kind.ROOM).count() == 1


def test_a_lobby_room_cannot_be_declined():
    space = SpaceFactory()
    member = MemberFactory(home_space=space)

    with pytest.raises(MessagingError):
        services.request_decline(member=member, conversation=services.space_room_for(space))


def test_bulk_members_are_brought_into_their_room_at_once():
    space = SpaceFactory()
    members = [MemberFactory() for _ in range(3)]
    from profiles.models import Member

    Member.objects.filter(pk__in=[m.pk for m in members]).update(home_space=space)  # bulk: no signals

    assert services.space_room_members_sync(space=space) == 3
    assert services.space_room_members_sync(space=space) == 0

    from community.network.models import Membership

    subscriber = MemberFactory()
    Membership.objects.bulk_create([Membership(member=subscriber, space=space)])  # bulk: no signals
    assert services.space_room_members_sync(space=space) == 1


# --- presence ------------------------------------------------------------------------------


def test_connections_of_a_dead_process_are_swept_once_its_heartbeat_is_stale():
    alice, bob = MemberFactory(), MemberFactory()
    ChatProcess.objects.create(name="dead", seen_at=timezone.now() - timedelta(minutes=5))
    ChatConnection.objects.create(member=alice, channel_name="dead!1", process="dead")
    ChatConnection.objects.create(member=bob, channel_name="dead!2", process="dead")
    ChatConnection.objects.create(member=alice, channel_name="live!1", process="alive")

    swept = services.connections_heartbeat(process="alive")

    assert swept == 2
    assert list(ChatConnection.objects.values_list("channel_name", flat=True)) == ["live!1"]
    assert list(ChatProcess.objects.values_list("name", flat=True)) == ["alive"]
    assert selectors.is_online(member_id=alice.pk)
    assert not selectors.is_online(member_id=bob.pk)


def test_a_connection_in_a_process_with_a_stale_heartbeat_does_not_count_as_online():
    alice = MemberFactory()
    ChatProcess.objects.create(name="gone", seen_at=timezone.now() - timedelta(minutes=5))
    ChatConnection.objects.create(member=alice, channel_name="old!1", process="gone")

    assert not selectors.is_online(member_id=alice.pk)


def test_a_heartbeat_is_one_row_per_process_however_many_sockets():
    members = [MemberFactory() for _ in range(5)]
    for n, member in enumerate(members):
        services.connection_open(member=member, channel_name=f"c!{n}", process="p1")

    services.connections_heartbeat(process="p1")

    assert ChatProcess.objects.count() == 1
    assert selectors.online_member_ids() == {m.pk for m in members}


# --- notifications -------------------------------------------------------------------------


def test_notifications_are_stored_and_counted_until_read():
    alice = MemberFactory()

    notify(recipient=alice, kind="help_match", params={"title": "Someone needs you"}, url="/help/3/")
    notify(recipient=alice, kind="help_reply", params={"title": "An answer"})

    assert notifications_unread_count(member=alice) == 2
    assert services.notifications_mark_read(member=alice) == 2
    assert notifications_unread_count(member=alice) == 0


@pytest.mark.parametrize("url", ["javascript:alert(1)", "//evil.example/x", "data:text/html,hi"])
def test_a_notification_never_links_to_a_script(url):
    alice = MemberFactory()

    with pytest.raises(NotificationError):
        notify(recipient=alice, kind="help_match", params={"title": "t"}, url=url)

    assert Notification.objects.count() == 0


# --- text that cannot be stored ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "client_id", "code"),
    [("hi \ud800", "c-1", "invalid_body"), ("hi", "c-\udfff", "invalid_client_id")],
    ids=["body", "client_id"],
)
def test_a_lone_surrogate_is_refused_before_it_reaches_the_database(body, client_id, code):
    alice, bob = MemberFactory(), MemberFactory()
    conversation = _direct(alice, bob)

    with pytest.raises(MessagingError) as refused:
        services.message_send(sender=alice, conversation=conversation, body=body, client_id=client_id)

    assert refused.value.code == code
    assert not Message.objects.exists()

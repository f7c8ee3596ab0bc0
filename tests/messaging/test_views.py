"""Inbox and conversation pages: who may see what, and the no-JavaScript way to write."""

from __future__ import annotations

import pytest
from django.test import Client

from community.notifications.models import Notification
from community.notifications.services import notify
from messaging import services
from messaging.models import Block, Conversation, Message, Participant
from tests.factories import MemberFactory, SpaceFactory

pytestmark = pytest.mark.django_db


def _client(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def _direct(a, b) -> Conversation:
    conversation = services.conversation_direct_get_or_create(member=a, other=b)
    services.request_accept(member=b, conversation=conversation)
    return conversation


@pytest.mark.parametrize(
    "path",
    [
        "/messages/",
        "/messages/1/",
        "/messages/with/someone/",
        "/messages/notifications/",
        "/messages/groups/new/",
    ],
)
def test_the_message_pages_ask_for_a_login(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_inbox_lists_conversations_with_their_unread_count():
    alice, bob = MemberFactory(display_name="Alice Peeters"), MemberFactory(display_name="Bob Janssens")
    conversation = _direct(alice, bob)
    services.message_send(sender=alice, conversation=conversation, body="Heb je even tijd?", client_id="1")

    response = _client(bob).get("/messages/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Alice Peeters" in html
    assert "Heb je even tijd?" in html
    assert f'data-unread-for="{conversation.pk}">1<' in html
    assert 'id="nav-unread" data-count="1"' in html


def test_the_requests_folder_offers_accept_decline_and_block():
    alice, bob = MemberFactory(display_name="Alice Peeters"), MemberFactory()
    conversation = services.conversation_direct_get_or_create(member=alice, other=bob)
    services.message_send(sender=alice, conversation=conversation, body="Bonjour", client_id="1")

    response = _client(bob).get("/messages/?folder=requests")

    html = response.content.decode()
    assert "Alice Peeters" in html
    for action in ("accept", "decline", "block"):
        assert f"/messages/{conversation.pk}/{action}/" in html
    assert "Alice Peeters" not in _client(bob).get("/messages/").content.decode()


def test_a_conversation_page_shows_history_oldest_first():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = _direct(alice, bob)
    for n in range(3):
        services.message_send(
            sender=alice, conversation=conversation, body=f"message number {n}", client_id=str(n)
        )

    html = _client(bob).get(f"/messages/{conversation.pk}/").content.decode()

    assert html.index("message number 0") < html.index("message number 1") < html.index("message number 2")


def test_opening_a_conversation_reads_it():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = _direct(alice, bob)
    services.message_send(sender=alice, conversation=conversation, body="Read me", client_id="1")

    _client(bob).get(f"/messages/{conversation.pk}/")

    assert 'id="nav-unread" data-count="0"' in _client(bob).get("/messages/").content.decode()


def test_history_pages_backwards_without_javascript():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = _direct(alice, bob)
    for n in range(55):
        message = services.message_send(
            sender=alice, conversation=conversation, body=f"line-{n:02d}", client_id=str(n)
        )
        Message.objects.filter(pk=message.pk).update(created=message.created.replace(year=2020))
    client = _client(bob)

    latest = client.get(f"/messages/{conversation.pk}/")
    older_url = latest.context["older_url"]
    older = client.get(f"/messages/{conversation.pk}/{older_url}")

    assert "line-54" in latest.content.decode() and "line-04" not in latest.content.decode()
    assert "line-04" in older.content.decode() and "line-05" not in older.content.decode()


def test_a_non_participant_gets_the_same_404_as_for_a_missing_conversation():
    alice, bob, carol = MemberFactory(), MemberFactory(), MemberFactory()
    conversation = _direct(alice, bob)
    client = _client(carol)

    assert client.get(f"/messages/{conversation.pk}/").status_code == 404
    assert client.get(f"/messages/{conversation.pk + 99}/").status_code == 404
    assert client.post(f"/messages/{conversation.pk}/", {"body": "hi", "client_id": "x"}).status_code == 404
    assert client.post(f"/messages/{conversation.pk}/accept/").status_code == 404
    assert Message.objects.count() == 0


def test_the_plain_form_posts_a_message_once_even_if_submitted_twice():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = _direct(alice, bob)
    client = _client(alice)
    data = {"body": "Envoyé sans JavaScript", "client_id": "form-abc"}

    first = client.post(f"/messages/{conversation.pk}/", data)
    second = client.post(f"/messages/{conversation.pk}/", data)

    message = Message.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == f"/messages/{conversation.pk}/#message-{message.pk}"
    assert message.body == "Envoyé sans JavaScript"


@pytest.mark.parametrize(("body", "error"), [("   ", "Write a message first."), ("x" * 4001, "4000")])
def test_a_bad_body_is_a_form_error(body, error):
    alice, bob = MemberFactory(), MemberFactory()
    conversation = _direct(alice, bob)

    response = _client(alice).post(f"/messages/{conversation.pk}/", {"body": body, "client_id": "f1"})

    assert response.status_code == 400
    assert error in response.content.decode()
    assert Message.objects.count() == 0


def test_a_blocked_sender_sees_not_delivered_in_the_form():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = _direct(alice, bob)
    services.member_block(blocker=bob, blocked=alice)

    response = _client(alice).post(f"/messages/{conversation.pk}/", {"body": "Hello?", "client_id": "f1"})

    assert response.status_code == 400
    assert "Not delivered." in response.content.decode()


def test_message_bodies_are_escaped_in_the_page():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = _direct(alice, bob)
    services.message_send(
        sender=alice, conversation=conversation, body="<script>alert('x')</script>", client_id="1"
    )

    conversation_html = _client(bob).get(f"/messages/{conversation.pk}/").content.decode()
    inbox_html = _client(alice).get("/messages/").content.decode()

    for html in (conversation_html, inbox_html):
        assert "<script>alert(" not in html
        assert "&lt;script&gt;alert(" in html


def test_with_member_opens_the_direct_conversation_creating_it_once():
    alice = MemberFactory()
    MemberFactory(username="bob.peeters")
    client = _client(alice)

    first = client.get("/messages/with/bob.peeters/")
    second = client.get("/messages/with/bob.peeters/")

    conversation = Conversation.objects.get()
    assert first.url == second.url == f"/messages/{conversation.pk}/"


def test_with_an_unknown_or_inactive_member_is_404():
    alice = MemberFactory()
    MemberFactory(username="gone", is_active=False)
    client = _client(alice)

    assert client.get("/messages/with/nobody-here/").status_code == 404
    assert client.get("/messages/with/gone/").status_code == 404


def test_with_oneself_goes_back_to_the_inbox():
    alice = MemberFactory(username="alice")

    response = _client(alice).get("/messages/with/alice/")

    assert response.url == "/messages/"
    assert Conversation.objects.count() == 0


def test_accepting_a_request_moves_it_to_the_inbox():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = services.conversation_direct_get_or_create(member=alice, other=bob)

    response = _client(bob).post(f"/messages/{conversation.pk}/accept/")

    assert response.status_code == 302
    assert Participant.objects.get(member=bob, conversation=conversation).status == "accepted"


def test_blocking_from_a_request_blocks_the_other_member():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = services.conversation_direct_get_or_create(member=alice, other=bob)

    _client(bob).post(f"/messages/{conversation.pk}/block/")

    assert Block.objects.filter(blocker=bob, blocked=alice).exists()
    assert Participant.objects.get(member=bob, conversation=conversation).status == "declined"


def test_actions_need_a_post_and_a_known_name():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = _direct(alice, bob)
    client = _client(bob)

    assert client.get(f"/messages/{conversation.pk}/accept/").status_code == 405
    assert client.post(f"/messages/{conversation.pk}/explode/").status_code == 404


def test_muting_a_conversation():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = _direct(alice, bob)

    _client(bob).post(f"/messages/{conversation.pk}/mute/")

    assert Participant.objects.get(member=bob, conversation=conversation).muted


def test_a_space_room_page_names_the_space():
    space = SpaceFactory(name="Coworking Gent Dok")
    member = MemberFactory(home_space=space)
    room = services.space_room_for(space)

    html = _client(member).get(f"/messages/{room.pk}/").content.decode()

    assert "Coworking Gent Dok" in html
    assert _client(MemberFactory()).get(f"/messages/{room.pk}/").status_code == 404


def test_creating_a_group_from_usernames():
    alice = MemberFactory()
    MemberFactory(username="bert")
    MemberFactory(username="chloe")

    response = _client(alice).post(
        "/messages/groups/new/", {"title": "Vélo-boulot", "usernames": "bert, @chloe"}
    )

    group = Conversation.objects.get(kind="group")
    assert response.url == f"/messages/{group.pk}/"
    assert group.participants.count() == 3


def test_a_group_with_unknown_usernames_is_a_form_error():
    alice = MemberFactory()

    response = _client(alice).post("/messages/groups/new/", {"title": "X", "usernames": "nobody1 nobody2"})

    assert response.status_code == 400
    assert "nobody1" in response.content.decode()
    assert not Conversation.objects.exists()


def test_the_notifications_page_lists_and_marks_them_read():
    alice = MemberFactory()
    notify(recipient=alice, kind="help_match", params={"title": "Een vertaler gezocht"}, url="/help/1/")
    client = _client(alice)

    page = client.get("/messages/notifications/")
    again = client.get("/messages/notifications/")

    assert "Een vertaler gezocht" in page.content.decode()
    assert 'id="nav-notifications" data-count="0"' in again.content.decode()
    assert Notification.objects.get().read_at is not None


def test_the_nav_menu_shows_unread_notifications_and_loads_the_chat_client():
    alice = MemberFactory()
    notify(recipient=alice, kind="help_match", params={"title": "<b>Bold</b> request"}, url="/help/1/")

    html = _client(alice).get("/messages/").content.decode()

    assert 'id="nav-notifications" data-count="1"' in html
    assert "&lt;b&gt;Bold&lt;/b&gt; request" in html
    assert 'id="chat-config"' in html
    assert "messaging/chat.js" in html


def test_anonymous_pages_do_not_load_the_chat_client(client):
    assert "messaging/chat.js" not in client.get("/accounts/login/").content.decode()

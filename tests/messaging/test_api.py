"""GET /api/conversations/ and /api/conversations/<id>/messages."""

from __future__ import annotations

import pytest
from django.test import Client

from messaging import services
from messaging.models import Conversation
from profiles.models import ApiToken
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _client(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def _conversation_with_messages(n: int):
    alice, bob = MemberFactory(), MemberFactory()
    conversation = services.conversation_direct_get_or_create(member=alice, other=bob)
    services.request_accept(member=bob, conversation=conversation)
    messages = [
        services.message_import(
            sender=alice if i % 2 == 0 else bob,
            conversation=conversation,
            body=f"m{i}",
            client_id=f"c{i}",
            created=conversation.created,
        )
        for i in range(n)
    ]
    return alice, bob, conversation, messages


def test_the_conversation_list_says_what_the_inbox_shows():
    alice, bob, conversation, messages = _conversation_with_messages(3)

    response = _client(bob).get("/api/conversations/")

    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1
    row = data["results"][0]
    assert row["id"] == conversation.pk
    assert row["kind"] == "direct"
    assert row["participants"] == [alice.username]
    assert row["status"] == "accepted"
    assert row["last_seq"] == 3
    assert row["last_message"]["id"] == messages[-1].pk


def test_the_request_folder_is_separate_and_a_bad_folder_is_400():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = services.conversation_direct_get_or_create(member=alice, other=bob)
    services.message_send(sender=alice, conversation=conversation, body="hi", client_id="1")
    client = _client(bob)

    assert client.get("/api/conversations/").json()["count"] == 0
    assert client.get("/api/conversations/?folder=requests").json()["count"] == 1
    response = client.get("/api/conversations/?folder=spam")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_messages_come_in_the_shape_of_the_message_frame():
    alice, bob, conversation, messages = _conversation_with_messages(2)

    data = _client(alice).get(f"/api/conversations/{conversation.pk}/messages").json()

    assert data["has_more"] is False
    assert data["results"][0] == {
        "id": messages[0].pk,
        "conversation": conversation.pk,
        "seq": 1,
        "sender": alice.username,
        "sender_name": str(alice),
        "sender_avatar": None,
        "body": "m0",
        "created": messages[0].created.isoformat(),
        "version": 1,
        "edited": None,
        "deleted": False,
        "reactions": [],
        "attachments": [],
    }


def test_before_pages_backwards_and_after_pages_forwards():
    alice, bob, conversation, messages = _conversation_with_messages(10)
    client = _client(alice)
    url = f"/api/conversations/{conversation.pk}/messages"

    newest = client.get(url, {"limit": 3}).json()
    older = client.get(url, {"limit": 3, "before": newest["results"][0]["id"]}).json()
    after = client.get(url, {"limit": 4, "after": messages[1].pk}).json()
    between = client.get(url, {"after": messages[1].pk, "before": messages[4].pk}).json()

    assert [m["seq"] for m in newest["results"]] == [8, 9, 10]
    assert newest["has_more"] is True
    assert [m["seq"] for m in older["results"]] == [5, 6, 7]
    assert [m["seq"] for m in after["results"]] == [3, 4, 5, 6]
    assert after["has_more"] is True
    assert [m["seq"] for m in between["results"]] == [3, 4]
    assert between["has_more"] is False


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=201", "limit=abc", "before=0", "before=-4", "after=-1", "after=x", "after=5&before=5"],
)
def test_bad_parameters_are_a_400_with_a_json_error(query):
    alice, bob, conversation, _ = _conversation_with_messages(1)

    response = _client(alice).get(f"/api/conversations/{conversation.pk}/messages?{query}")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"] == "invalid"
    assert response.json()["detail"]


def test_a_non_participant_gets_the_same_404_as_for_a_missing_conversation():
    alice, bob, conversation, _ = _conversation_with_messages(1)
    outsider = _client(MemberFactory())

    hidden = outsider.get(f"/api/conversations/{conversation.pk}/messages")
    missing = outsider.get(f"/api/conversations/{conversation.pk + 50}/messages")

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"error": "not_found", "detail": "No such conversation."}
    assert outsider.get("/api/conversations/").json() == {"count": 0, "results": []}


def test_anonymous_is_401_json():
    response = Client().get("/api/conversations/")

    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"


def test_a_token_works_like_a_session():
    alice, bob, conversation, _ = _conversation_with_messages(2)
    ApiToken.objects.create(member=bob, key="k" * 40)

    response = Client().get(
        f"/api/conversations/{conversation.pk}/messages", HTTP_AUTHORIZATION="Token " + "k" * 40
    )

    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


def test_a_space_room_lists_its_space():
    from tests.factories import SpaceFactory

    space = SpaceFactory(slug="dok-gent")
    member = MemberFactory(home_space=space)

    row = _client(member).get("/api/conversations/").json()["results"][0]

    assert (row["kind"], row["space"]) == ("room", "dok-gent")
    assert Conversation.objects.get(pk=row["id"]).space == space

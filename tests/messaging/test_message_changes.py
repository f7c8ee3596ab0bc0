"""Edit, delete and react to sent messages; mentions; what `sync` replays of it.

Through the real ASGI application (WebsocketCommunicator), the JSON API and the pages.
"""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from community.notifications.models import Notification
from messaging import services
from messaging.models import Message, Reaction
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def members(n: int = 2):
    return [MemberFactory() for _ in range(n)]


@database_sync_to_async
def direct(a, b):
    conversation = services.conversation_direct_get_or_create(member=a, other=b)
    services.request_accept(member=b, conversation=conversation)
    return conversation


@database_sync_to_async
def group(creator, others, title="Atelier vélo"):
    conversation = services.group_create(creator=creator, title=title, members=others)
    for member in others:
        services.request_accept(member=member, conversation=conversation)
    return conversation


@database_sync_to_async
def send(sender, conversation, body: str, client_id: str):
    return services.message_send(sender=sender, conversation=conversation, body=body, client_id=client_id)


@database_sync_to_async
def reload(message) -> Message:
    return Message.objects.get(pk=message.pk)


@database_sync_to_async
def mentions_of(member) -> list[Notification]:
    return list(Notification.objects.filter(recipient=member, kind="mention"))


# --- edit -----------------------------------------------------------------------------------


async def test_an_edit_reaches_every_tab_with_a_new_version_and_the_edited_mark(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    message = await send(alice, conversation, "Rendez-vous à 14h", "e-1")
    alice_tab, alice_other_tab, bob_tab = await tabs(alice), await tabs(alice), await tabs(bob)

    await alice_tab.send({"type": "edit", "message": message.pk, "body": "  Rendez-vous à 15h  "})

    for tab in (alice_tab, alice_other_tab, bob_tab):
        updated = (await tab.receive_type("message_updated"))["message"]
        assert updated["id"] == message.pk
        assert updated["body"] == "Rendez-vous à 15h"
        assert updated["version"] == 2
        assert updated["edited"] is not None
        assert updated["deleted"] is False
    stored = await reload(message)
    assert (stored.body, stored.version, stored.seq) == ("Rendez-vous à 15h", 2, message.seq)


async def test_an_edit_to_the_same_text_changes_nothing_and_answers_the_current_state(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    message = await send(alice, conversation, "Merci !", "e-1")
    alice_tab, bob_tab = await tabs(alice), await tabs(bob)

    await alice_tab.send({"type": "edit", "message": message.pk, "body": "Merci !"})

    assert (await alice_tab.receive_type("message_updated"))["message"]["version"] == 1
    assert await bob_tab.got("message_updated") == []
    assert (await reload(message)).edited_at is None


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "edit", "message": "12", "body": "x"}, "invalid_frame"),
        ({"type": "edit", "message": 2**70, "body": "x"}, "invalid_frame"),
        ({"type": "edit", "body": "x"}, "invalid_frame"),
        ({"type": "react", "message": 1, "emoji": "👍", "on": "yes"}, "invalid_frame"),
    ],
)
async def test_malformed_change_frames_get_an_error_frame_and_the_socket_stays(tabs, frame, code):
    (alice,) = await members(1)
    tab = await tabs(alice)

    await tab.send(frame)

    error = await tab.receive_type("error")
    assert error["code"] == code
    await tab.roundtrip()  # still open


async def test_only_the_author_edits_or_deletes_and_outsiders_learn_nothing(tabs):
    alice, bob, mallory = await members(3)
    conversation = await direct(alice, bob)
    message = await send(alice, conversation, "Le devis est prêt", "e-1")
    bob_tab, mallory_tab = await tabs(bob), await tabs(mallory)

    await bob_tab.send({"type": "edit", "message": message.pk, "body": "Hacked"})
    assert (await bob_tab.receive_type("error"))["code"] == "not_author"
    await bob_tab.send({"type": "delete", "message": message.pk})
    assert (await bob_tab.receive_type("error"))["code"] == "not_author"

    # Someone else's conversation and a message that does not exist get the same answer.
    await mallory_tab.send({"type": "edit", "message": message.pk, "body": "Hacked"})
    outsider = await mallory_tab.receive_type("error")
    await mallory_tab.send({"type": "react", "message": message.pk + 1000, "emoji": "👍"})
    missing = await mallory_tab.receive_type("error")
    assert outsider["code"] == missing["code"] == "not_found"
    assert outsider["detail"] == missing["detail"]
    assert (await reload(message)).body == "Le devis est prêt"


async def test_an_edit_is_checked_like_a_message(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    message = await send(alice, conversation, "Bonjour", "e-1")
    tab = await tabs(alice)

    await tab.send({"type": "edit", "message": message.pk, "body": "   "})
    assert (await tab.receive_type("error"))["code"] == "empty_body"
    await tab.send({"type": "edit", "message": message.pk, "body": "x" * 4001})
    assert (await tab.receive_type("error"))["code"] == "body_too_long"
    assert (await reload(message)).body == "Bonjour"


# --- delete ---------------------------------------------------------------------------------


async def test_a_delete_leaves_a_placeholder_and_takes_the_reactions_with_it(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    message = await send(alice, conversation, "Oups, mauvais fichier", "d-1")
    await database_sync_to_async(services.message_react)(member=bob, message_id=message.pk, emoji="😂")
    alice_tab, bob_tab = await tabs(alice), await tabs(bob)

    await alice_tab.send({"type": "delete", "message": message.pk})

    updated = (await bob_tab.receive_type("message_updated"))["message"]
    assert updated["deleted"] is True
    assert updated["body"] == ""
    assert updated["reactions"] == []
    assert updated["seq"] == message.seq
    stored = await reload(message)
    assert stored.deleted_at is not None and stored.body == ""
    assert not await database_sync_to_async(Reaction.objects.filter(message=message).exists)()

    # Again: nothing changes, the socket hears the current state; nobody can edit or react to it now.
    await alice_tab.receive_type("message_updated")
    await alice_tab.send({"type": "delete", "message": message.pk})
    assert (await alice_tab.receive_type("message_updated"))["message"]["version"] == updated["version"]
    await alice_tab.send({"type": "edit", "message": message.pk, "body": "Revenu"})
    assert (await alice_tab.receive_type("error"))["code"] == "message_deleted"
    await bob_tab.send({"type": "react", "message": message.pk, "emoji": "👍"})
    assert (await bob_tab.receive_type("error"))["code"] == "message_deleted"


# --- reactions ------------------------------------------------------------------------------


async def test_reactions_are_live_counted_once_and_taken_back(tabs):
    alice, bob, carol = await members(3)
    conversation = await group(alice, [bob, carol])
    message = await send(alice, conversation, "Qui vient au lunch ?", "r-1")
    alice_tab, bob_tab, carol_tab = await tabs(alice), await tabs(bob), await tabs(carol)

    await bob_tab.send({"type": "react", "message": message.pk, "emoji": "👍"})
    await bob_tab.receive_type("message_updated")
    await bob_tab.send({"type": "react", "message": message.pk, "emoji": "👍"})  # again: no change
    await bob_tab.receive_type("message_updated")
    await carol_tab.send({"type": "react", "message": message.pk, "emoji": "👍"})

    frames = [f["message"] for f in await alice_tab.got("message_updated", timeout=0.5)]
    assert [f["version"] for f in frames] == [2, 3]
    assert frames[-1]["reactions"] == [
        {"emoji": "👍", "count": 2, "usernames": [bob.username, carol.username]}
    ]

    await bob_tab.send({"type": "react", "message": message.pk, "emoji": "👍", "on": False})
    latest = (await alice_tab.receive_type("message_updated"))["message"]
    assert latest["reactions"] == [{"emoji": "👍", "count": 1, "usernames": [carol.username]}]


async def test_only_the_offered_reactions_are_accepted(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    message = await send(alice, conversation, "Bonjour", "r-1")
    tab = await tabs(bob)

    for emoji in ("💩", "", "👍👍", None, 7):
        await tab.send({"type": "react", "message": message.pk, "emoji": emoji})
        assert (await tab.receive_type("error"))["code"] == "invalid_reaction"


# --- sync -----------------------------------------------------------------------------------


async def test_sync_replays_the_changes_made_while_a_tab_was_away_and_not_older_ones(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    known_before = await send(alice, conversation, "Première version", "s-1")
    await database_sync_to_async(services.message_edit)(
        member=alice, message_id=known_before.pk, body="Déjà vue"
    )
    edited = await send(alice, conversation, "Salle B", "s-2")
    deleted = await send(alice, conversation, "Message de trop", "s-3")
    # Bob's tab knew everything up to `deleted`, then went away.
    await database_sync_to_async(services.message_edit)(member=alice, message_id=edited.pk, body="Salle C")
    await database_sync_to_async(services.message_delete)(member=alice, message_id=deleted.pk)
    await database_sync_to_async(services.message_react)(member=alice, message_id=edited.pk, emoji="🎉")

    bob_tab = await tabs(bob)
    await bob_tab.send({"type": "sync", "after": deleted.pk})
    frames = await bob_tab.frames_until("synced")

    updates = [f["message"] for f in frames if f["type"] == "message_updated"]
    by_id = {m["id"]: m for m in updates}
    assert set(by_id) == {edited.pk, deleted.pk}  # the edit made before `deleted` existed was seen
    assert by_id[edited.pk]["body"] == "Salle C" and by_id[edited.pk]["reactions"][0]["emoji"] == "🎉"
    assert by_id[deleted.pk]["deleted"] is True
    assert frames[-1]["type"] == "synced"


async def test_sync_from_before_a_changed_message_brings_it_once_in_its_current_state(tabs):
    alice, bob = await members(2)
    conversation = await direct(alice, bob)
    message = await send(alice, conversation, "Avant", "s-1")
    await database_sync_to_async(services.message_edit)(member=alice, message_id=message.pk, body="Après")

    bob_tab = await tabs(bob)
    await bob_tab.send({"type": "sync", "after": 0})
    frames = await bob_tab.frames_until("synced")

    about = [f for f in frames if f.get("message", {}).get("id") == message.pk]
    assert [(f["type"], f["message"]["body"], f["message"]["version"]) for f in about] == [
        ("message", "Après", 2)
    ]


# --- mentions -------------------------------------------------------------------------------


async def test_a_mention_in_a_group_notifies_that_member_live_and_only_once(tabs):
    alice, bob, carol = await members(3)
    outsider = (await members(1))[0]
    conversation = await group(alice, [bob, carol])
    bob_tab = await tabs(bob)

    message = await send(
        alice, conversation, f"@{bob.username}, tu peux relire ? (et @{outsider.username} @nobody)", "m-1"
    )

    notification = (await bob_tab.receive_type("notification"))["notification"]
    assert notification["kind"] == "mention"
    assert f"#message-{message.pk}" in notification["url"]
    assert [n.actor_id for n in await mentions_of(bob)] == [alice.pk]
    assert await mentions_of(carol) == []
    assert await mentions_of(outsider) == []  # not in the conversation

    # An edit that keeps Bob and adds Carol tells Carol only.
    await database_sync_to_async(services.message_edit)(
        member=alice, message_id=message.pk, body=f"@{bob.username} et @{carol.username}, relisez ?"
    )
    assert len(await mentions_of(bob)) == 1
    assert len(await mentions_of(carol)) == 1


async def test_a_mention_in_a_direct_conversation_adds_no_notification():
    alice, bob = await members(2)
    conversation = await direct(alice, bob)

    await send(alice, conversation, f"@{bob.username} salut", "m-1")

    assert await mentions_of(bob) == []


def test_mentions_are_read_as_usernames_and_not_inside_email_addresses():
    assert services.mentioned_usernames("Salut @anna. et @bob-, écris à x@example.org") == {"anna", "bob"}
    assert services.mentioned_usernames("pas de mention") == set()


# --- the JSON API and the page --------------------------------------------------------------


def _client(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_the_api_edits_deletes_and_reacts_with_the_socket_rules():
    alice, bob, mallory = MemberFactory(), MemberFactory(), MemberFactory()
    conversation = services.conversation_direct_get_or_create(member=alice, other=bob)
    message = services.message_send(sender=alice, conversation=conversation, body="Bonjour", client_id="a-1")
    url = f"/api/messages/{message.pk}"

    edited = _client(alice).patch(url, {"body": "Bonjour Bob"}, content_type="application/json")
    assert edited.status_code == 200 and edited.json()["version"] == 2 and edited.json()["edited"]
    reacted = _client(bob).post(f"{url}/reactions", {"emoji": "🙏"}, content_type="application/json")
    assert reacted.json()["reactions"] == [{"emoji": "🙏", "count": 1, "usernames": [bob.username]}]

    assert _client(bob).patch(url, {"body": "x"}, content_type="application/json").status_code == 403
    outsider = _client(mallory).delete(url)
    assert outsider.status_code == 404 and outsider.json()["error"] == "not_found"
    bad = _client(bob).post(f"{url}/reactions", {"emoji": "<b>"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_reaction"
    assert _client(alice).patch(url, {"body": "  "}, content_type="application/json").status_code == 400
    assert _client(alice).patch(
        "/api/messages/99999999999999999999999", {"body": "x"}, content_type="application/json"
    ).status_code in (400, 404)

    deleted = _client(alice).delete(url)
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True


def test_the_page_shows_links_mentions_edits_deletes_and_reactions_safely():
    alice, bob, carol = MemberFactory(), MemberFactory(), MemberFactory()
    conversation = services.group_create(creator=alice, title="Projet", members=[bob, carol])
    services.request_accept(member=bob, conversation=conversation)
    link = services.message_send(
        sender=alice,
        conversation=conversation,
        body=f"Voir https://example.org/devis?id=1. <script>alert(1)</script> @{bob.username}",
        client_id="p-1",
    )
    gone = services.message_send(sender=alice, conversation=conversation, body="Secret", client_id="p-2")
    services.message_delete(member=alice, message_id=gone.pk)
    services.message_edit(member=alice, message_id=link.pk, body=link.body + " !")
    services.message_react(member=bob, message_id=link.pk, emoji="❤️")

    html = _client(bob).get(conversation.get_absolute_url()).content.decode()

    assert '<a href="https://example.org/devis?id=1" rel="noopener nofollow ugc" target="_blank">' in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert f'<span class="mention me">@{bob.username}</span>' in html
    assert "(edited)" in html
    assert "Message deleted" in html and "Secret" not in html
    assert 'data-emoji="❤️" aria-pressed="true"' in html

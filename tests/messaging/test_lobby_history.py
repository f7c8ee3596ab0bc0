"""A member reads a space's lobby history from when they joined the space's community, on every
path: the conversation page, the JSON API, `sync` and live changes on the socket, reactions and
edits, message search. One account ticking every space no longer reads what was said before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.utils import timezone

from messaging import selectors, services
from messaging.models import Participant
from search.selectors import search_messages
from search.tasks import scheduling_flush
from tests.factories import MemberFactory, SpaceFactory
from tests.fixtures.jobs import run_jobs
from tests.fixtures.search_engine import eventually
from tests.messaging.sockets import open_tab

pytestmark = pytest.mark.django_db(transaction=True)


def _lobby_before_and_after_joining():
    space = SpaceFactory()
    regular = MemberFactory(username="regular", home_space=space)
    room = services.space_room_for(space)
    before = services.message_send(
        sender=regular, conversation=room, body="Vertrouwelijk: the landlord sells", client_id="b-1"
    )
    newcomer = MemberFactory(username="newcomer")
    newcomer.other_spaces.add(space)  # joins the community: the lobby follows
    after = services.message_send(sender=regular, conversation=room, body="Welcome newcomer", client_id="a-1")
    return regular, newcomer, room, before, after


def _client(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_the_newcomer_reads_the_lobby_from_joining_on_the_page_and_the_api():
    regular, newcomer, room, before, after = _lobby_before_and_after_joining()

    page = _client(newcomer).get(f"/messages/{room.pk}/").content.decode()
    api = _client(newcomer).get(f"/api/conversations/{room.pk}/messages").json()
    older = _client(newcomer).get(f"/api/conversations/{room.pk}/messages", {"before": after.pk}).json()
    regulars_page = _client(regular).get(f"/messages/{room.pk}/").content.decode()

    assert "Welcome newcomer" in page and "landlord" not in page
    assert [m["body"] for m in api["results"]] == ["Welcome newcomer"] and api["has_more"] is False
    assert older["results"] == []
    assert "landlord" in regulars_page


def test_the_newcomer_cannot_react_to_or_fetch_files_of_earlier_lobby_messages():
    _regular, newcomer, _room, before, after = _lobby_before_and_after_joining()

    refused = _client(newcomer).post(
        f"/api/messages/{before.pk}/reactions", {"emoji": "👍"}, content_type="application/json"
    )
    allowed = _client(newcomer).post(
        f"/api/messages/{after.pk}/reactions", {"emoji": "👍"}, content_type="application/json"
    )

    assert refused.status_code == 404
    assert allowed.status_code == 200


@pytest.mark.parametrize("backend", ["database", pytest.param("elasticsearch", marks=pytest.mark.slow)])
def test_message_search_leaves_out_the_lobby_before_joining(backend, request):
    if backend == "elasticsearch":
        request.getfixturevalue("elasticsearch_settings")
    regular, newcomer, _room, _before, _after = _lobby_before_and_after_joining()
    scheduling_flush()
    run_jobs(at=timezone.now() + timedelta(seconds=5))  # the index job the worker would run

    def searched():
        # The regular finds the earlier message: it is indexed, only hidden from the newcomer.
        regulars = search_messages(member=regular, query="landlord")
        welcome = search_messages(member=newcomer, query="welcome")
        assert regulars.count == 1
        assert [r.message_id for r in welcome.results] == [_after.pk]

    eventually(searched)  # the engine shows writes after its refresh interval
    theirs = search_messages(member=newcomer, query="landlord")
    assert (theirs.count, theirs.results) == (0, [])


def test_leaving_and_joining_again_starts_the_history_again():
    space = SpaceFactory()
    regular = MemberFactory(home_space=space)
    room = services.space_room_for(space)
    member = MemberFactory(home_space=space)
    services.message_send(sender=regular, conversation=room, body="while you were in", client_id="w-1")
    member.home_space = None
    member.save()
    services.message_send(sender=regular, conversation=room, body="while you were away", client_id="w-2")
    member.home_space = space
    member.save()

    assert [m.body for m in selectors.readable_messages(member=member).filter(conversation=room)] == []


def test_seeded_members_of_a_space_read_what_is_said_after_they_joined():
    space = SpaceFactory()
    first = MemberFactory(home_space=space)
    room = services.space_room_for(space)
    early = services.message_send(sender=first, conversation=room, body="early", client_id="e-1")
    late = MemberFactory.build(home_space=space)
    late.save_base(raw=True)  # a bulk insert: no signal, the seeding sync adds them
    services.space_room_members_sync(space=space)

    assert Participant.objects.get(member=late, conversation=room).history_after_id == early.pk


async def test_sync_over_the_socket_starts_the_lobby_at_joining():
    regular, newcomer, room, before, after = await database_sync_to_async(_lobby_before_and_after_joining)()
    tab = await open_tab(newcomer)
    try:
        await tab.send({"type": "sync", "after": 0})
        frames = await tab.frames_until("synced")
    finally:
        await tab.close()

    bodies = [f["message"]["body"] for f in frames if f["type"] == "message"]
    assert bodies == ["Welcome newcomer"]


async def test_changes_to_earlier_lobby_messages_do_not_reach_the_newcomers_socket():
    regular, newcomer, room, before, after = await database_sync_to_async(_lobby_before_and_after_joining)()
    newcomer_tab, regular_tab = await open_tab(newcomer), await open_tab(regular)
    try:
        await database_sync_to_async(services.message_edit)(
            member=regular, message_id=before.pk, body="Vertrouwelijk: the landlord sells in May"
        )
        await database_sync_to_async(services.message_edit)(
            member=regular, message_id=after.pk, body="Welcome, newcomer!"
        )
        heard = await regular_tab.receive_type("message_updated")
        updates = await newcomer_tab.got("message_updated", timeout=0.5)
        # ... nor after a reconnect: the changes replayed by sync leave the earlier message out.
        await newcomer_tab.send({"type": "sync", "after": after.pk})
        replay = await newcomer_tab.frames_until("synced")
    finally:
        await newcomer_tab.close()
        await regular_tab.close()

    assert heard["message"]["id"] == before.pk
    assert [u["message"]["body"] for u in updates] == ["Welcome, newcomer!"]
    assert "landlord" not in str(replay)

"""The search server goes down and comes back (the session's real engine made unreachable: its
address swapped for one where nobody listens, then back): search keeps answering from the
database backend, index updates made meanwhile wait in the outbox, and they reach the search
server once it is back, by themselves.
"""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from profiles.services import member_update_profile
from search.models import OutboxEntry
from search.selectors import search_members
from search.services import OutboxRetrier, outbox_retry_due
from tests.factories import MemberFactory, SpaceFactory
from tests.fixtures.search_engine import eventually

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture
def own_search_server(search_outage):
    """The search engine, with indices of this test's own, that the test can take down and back."""
    from search.backends.elasticsearch import ElasticsearchBackend

    ElasticsearchBackend().ensure_indices()
    yield search_outage
    search_outage.end()


def translator(username: str, display_name: str, space, commit) -> object:
    member = MemberFactory(username=username, display_name=display_name, home_space=space)
    with commit(execute=True):
        member_update_profile(
            member=member, headline="Traductrice juridique", skills_offered=["translation"], skills_wanted=[]
        )
    return member


def usernames(page) -> set[str]:
    return {result.member.username for result in page.results}


def time_passes() -> None:
    """What the retry delay and the circuit breaker wait for, without sleeping."""
    from search.backends.elasticsearch import reset_circuit

    OutboxEntry.objects.update(next_attempt_at=timezone.now())
    reset_circuit()


def test_search_falls_back_while_down_and_the_outbox_delivers_when_back(
    own_search_server, django_capture_on_commit_callbacks, client
):
    space = SpaceFactory(slug="la-ruche")
    translator("jan", "Jan Peeters", space, django_capture_on_commit_callbacks)
    searcher = MemberFactory(username="searcher", home_space=space)

    def jan_found() -> None:
        up = search_members(query="traducteur", searcher=searcher, page_size=10)
        assert up.backend == "elasticsearch" and up.notice is None
        assert "jan" in usernames(up)

    eventually(jan_found)  # once the index refreshed

    # When the search server dies
    own_search_server.begin()

    # Then search still answers, from the database backend, and says so
    down = search_members(query="traducteur", searcher=searcher, page_size=10)
    assert down.backend == "database"
    assert down.notice
    assert "jan" in usernames(down)
    client.force_login(searcher)
    page = client.get("/search/", {"q": "traducteur"})
    assert page.status_code == 200
    assert "Jan Peeters" in page.content.decode()
    api = client.get("/api/search/members", {"q": "traducteur"})
    assert api.status_code == 200 and api.json()["notice"]

    # And a profile change made meanwhile is saved, searchable from the database at once, and
    # its index update waits in the outbox
    anke = translator("anke", "Anke Vertaalster", space, django_capture_on_commit_callbacks)
    waiting = list(OutboxEntry.objects.filter(member_id=anke.pk))
    assert waiting and all(entry.attempts >= 1 and entry.last_error for entry in waiting)
    assert "anke" in usernames(search_members(query="traducteur", searcher=searcher, page_size=10))

    # When the server is back and time passes, the outbox retrier's next round sends it what
    # it missed (a search only reads)
    own_search_server.end()
    time_passes()
    search_members(query="traducteur", searcher=searcher, page_size=10)
    assert OutboxEntry.objects.filter(member_id=anke.pk).exists()
    outbox_retry_due()
    assert not OutboxEntry.objects.filter(member_id=anke.pk).exists()

    def anke_found() -> None:
        back = search_members(query="vertaalster", searcher=searcher, page_size=10)
        assert back.backend == "elasticsearch" and back.notice is None
        assert "anke" in usernames(back)

    eventually(anke_found)


def test_search_index_retry_sends_what_waited(own_search_server, django_capture_on_commit_callbacks):
    space = SpaceFactory(slug="la-ruche")
    own_search_server.begin()
    members = [
        translator(f"t{n}", f"Traductrice {n}", space, django_capture_on_commit_callbacks) for n in range(3)
    ]
    assert OutboxEntry.objects.filter(member_id__in=[m.pk for m in members]).count() >= 3

    own_search_server.end()
    call_command("search_index", "--retry", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert OutboxEntry.objects.count() == 0
    reader = MemberFactory(username="reader", home_space=space)

    def all_found() -> None:
        found = search_members(query="traductrice", searcher=reader, page_size=10)
        assert found.backend == "elasticsearch" and found.notice is None
        assert usernames(found) == {"t0", "t1", "t2"}

    eventually(all_found)


@pytest.mark.django_db(transaction=True)
def test_the_outbox_retrier_sends_what_waited_by_itself(settings):
    # Given an index update that failed once and is due again (the database backend takes it)
    settings.SEARCH_BACKEND = "database"
    member = MemberFactory(username="waiting", headline="Traductrice")
    OutboxEntry.objects.all().delete()
    OutboxEntry.objects.create(
        member_id=member.pk, attempts=1, last_error="down", next_attempt_at=timezone.now()
    )

    # When the retrier runs in its own thread, as in a web process
    retrier = OutboxRetrier(interval=0.05)
    retrier.start()
    try:
        deadline = time.monotonic() + 10
        while OutboxEntry.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        retrier.stop()
        retrier.join(timeout=5)

    # Then nobody had to search or edit anything for the update to land
    assert not OutboxEntry.objects.exists()
    assert not retrier.is_alive()

"""Elasticsearch down: changes wait in the outbox and arrive after a retry; searches fall back to
the database backend with a notice. "Down" is the engine's address swapped for one where nobody
listens (search_outage), so these run on ELASTICSEARCH_TEST_URL too."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from search.backends import get_backend
from search.models import OutboxEntry
from search.selectors import search_members, suggest_skills
from tests.fixtures.search_engine import eventually
from tests.search.conftest import make_person

pytestmark = pytest.mark.slow


def es_usernames(query: str, searcher) -> list[str]:
    page = search_members(query=query, searcher=searcher)
    assert page.backend == "elasticsearch", page.notice
    return [result.username for result in page.results]


def es_finds(expected: list[str], query: str, searcher) -> None:
    """The engine answers `expected` (sorted), now or after its next refresh."""

    def check() -> None:
        assert sorted(es_usernames(query, searcher)) == expected

    eventually(check)


@pytest.fixture
def restartable(search_outage):
    yield search_outage
    search_outage.end()


def test_changes_made_while_the_server_is_down_arrive_after_a_retry(
    restartable, spaces, member, django_capture_on_commit_callbacks
):
    # given a member indexed on a running server
    with django_capture_on_commit_callbacks(execute=True):
        anne = make_person("anne", name="Anne Dupont", headline="Traductrice", skills=("translation",))
    es_finds(["anne"], "traductrice", member)
    # when the server stops and members change
    restartable.begin()
    with django_capture_on_commit_callbacks(execute=True):
        anne.headline = "Photographe"
        anne.save()
        make_person("pieter", name="Pieter Claes", headline="Fotograaf", skills=("photography",))
    # then the changes wait in the outbox, with the error, and the database backend already has them
    pending = list(OutboxEntry.objects.all())
    assert {entry.member_id for entry in pending} >= {anne.pk}
    assert all(entry.attempts == 1 and entry.last_error for entry in pending)
    page = search_members(query="photographe", searcher=member)
    assert page.backend == "database" and page.notice
    assert {r.username for r in page.results} == {"anne", "pieter"}
    # when the server is back and the retry runs
    restartable.end()
    out = StringIO()
    call_command("search_index", "--retry", stdout=out)
    assert "outbox empty" in out.getvalue()
    # then the documents arrived and the outbox is empty
    assert not OutboxEntry.objects.exists()
    es_finds(["anne", "pieter"], "photographe", member)


def test_a_later_change_that_commits_sends_what_was_left_behind(
    restartable, spaces, member, django_capture_on_commit_callbacks
):
    restartable.begin()
    with django_capture_on_commit_callbacks(execute=True):
        make_person("anne", name="Anne Dupont", headline="Traductrice", skills=("translation",))
    assert OutboxEntry.objects.count() >= 1
    restartable.end()
    OutboxEntry.objects.update(next_attempt_at="2000-01-01T00:00:00Z")  # its retry delay is over
    with django_capture_on_commit_callbacks(execute=True):
        make_person("pieter", name="Pieter Claes", headline="Vertaler", skills=("translation",))
    assert not OutboxEntry.objects.exists()
    es_finds(["anne", "pieter"], "traducteur", member)


def test_an_unreachable_server_means_database_results_with_a_notice(
    search_outage, spaces, member, member_client, django_capture_on_commit_callbacks
):
    # given members indexed, and a search server address where nobody answers
    with django_capture_on_commit_callbacks(execute=True):
        make_person("anne", name="Anne Dupont", headline="Traductrice", skills=("translation",))
    search_outage.begin()
    # then the selector, the page and the API still answer, from the database, and say so
    page = search_members(query="traductrice", searcher=member)
    assert page.backend == "database" and "not answering" in page.notice
    assert [r.username for r in page.results] == ["anne"]
    html = member_client.get("/search/", {"q": "traductrice"}).content.decode()
    assert "not answering" in html and 'href="/members/anne/"' in html
    body = member_client.get("/api/search/members", {"q": "traductrice"}).json()
    assert body["count"] == 1 and "not answering" in body["notice"]
    assert suggest_skills(prefix="tradu")[0]["slug"] == "translation"
    # and a change made meanwhile is kept for later
    with django_capture_on_commit_callbacks(execute=True):
        make_person("pieter", name="Pieter Claes", skills=("translation",))
    assert OutboxEntry.objects.filter(member_id__isnull=False).exists()
    assert get_backend("database").indexed_hashes()

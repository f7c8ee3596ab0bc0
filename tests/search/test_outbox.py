"""Elasticsearch down: changes wait in the outbox and arrive after a retry; searches fall back to
the database backend with a notice. Runs against osmem (the server is stopped and restarted on
the same port), not against ELASTICSEARCH_TEST_URL (a real cluster cannot be stopped from here)."""

from __future__ import annotations

import socket
from io import StringIO

import pytest
from django.core.management import call_command

from search.backends import get_backend
from search.backends.elasticsearch import ElasticsearchBackend, reset_circuit
from search.models import OutboxEntry
from search.selectors import search_members, suggest_skills
from tests.search.conftest import make_person

pytestmark = pytest.mark.slow


def es_usernames(query: str, searcher) -> list[str]:
    page = search_members(query=query, searcher=searcher)
    assert page.backend == "elasticsearch", page.notice
    return [result.username for result in page.results]


@pytest.fixture
def restartable(elasticsearch_settings):
    if not elasticsearch_settings.is_osmem:
        pytest.skip("needs the osmem server this test session started")
    yield elasticsearch_settings
    if elasticsearch_settings.process.process.poll() is not None:
        elasticsearch_settings.restart()


def test_changes_made_while_the_server_is_down_arrive_after_a_retry(
    restartable, spaces, member, django_capture_on_commit_callbacks
):
    # given a member indexed on a running server
    with django_capture_on_commit_callbacks(execute=True):
        anne = make_person("anne", name="Anne Dupont", headline="Traductrice", skills=("translation",))
    assert es_usernames("traductrice", member) == ["anne"]
    # when the server stops and members change
    restartable.stop()
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
    # when a new server comes up on the same port (empty: it is in memory) and the retry runs
    restartable.restart()
    reset_circuit()
    out = StringIO()
    call_command("search_index", "--retry", stdout=out)
    assert "outbox empty" in out.getvalue()
    # then the documents arrived and the outbox is empty
    ElasticsearchBackend().refresh()
    assert not OutboxEntry.objects.exists()
    assert sorted(es_usernames("photographe", member)) == ["anne", "pieter"]


def test_a_later_change_that_commits_sends_what_was_left_behind(
    restartable, spaces, member, django_capture_on_commit_callbacks
):
    restartable.stop()
    with django_capture_on_commit_callbacks(execute=True):
        make_person("anne", name="Anne Dupont", headline="Traductrice", skills=("translation",))
    assert OutboxEntry.objects.count() >= 1
    restartable.restart()
    reset_circuit()
    OutboxEntry.objects.update(next_attempt_at="2000-01-01T00:00:00Z")  # its retry delay is over
    with django_capture_on_commit_callbacks(execute=True):
        make_person("pieter", name="Pieter Claes", headline="Vertaler", skills=("translation",))
    assert not OutboxEntry.objects.exists()
    ElasticsearchBackend().refresh()
    assert sorted(es_usernames("traducteur", member)) == ["anne", "pieter"]


def test_an_unreachable_server_means_database_results_with_a_notice(
    elasticsearch_settings, settings, spaces, member, member_client, django_capture_on_commit_callbacks
):
    # given members indexed, and a search server address where nobody answers
    with django_capture_on_commit_callbacks(execute=True):
        make_person("anne", name="Anne Dupont", headline="Traductrice", skills=("translation",))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{sock.getsockname()[1]}"
    reset_circuit()
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

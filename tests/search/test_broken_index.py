"""Search survives a broken or missing index (search.health, search.backends.fallback).

The index is really broken: on SQLite random bytes or zeros are written into the FTS5 shadow
tables' `*_data` blocks (what a torn write or a bad disk leaves); on PostgreSQL the tsvector
documents are wiped or the column dropped. The page, the API, `search_index --check` and the
repair job then go through the real code, the repair job through the real queue.
"""

from __future__ import annotations

import socket
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from profiles.models import Member
from profiles.services import member_update_profile
from search import health
from search.models import OutboxEntry
from search.selectors import search_members, search_messages
from search.services import index_rebuild, messages_index_rebuild
from search.tasks import index_check_at_startup
from tests.factories import MemberFactory
from tests.fixtures.jobs import queue, run_jobs
from tests.search.conftest import make_person

TRANSLATORS = 24
NOTE = "results may be incomplete"

sqlite_only = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="FTS5 shadow tables")


def corrupt(how: str, table: str = "search_member_fts") -> None:
    """Break the members (or messages) index the way a disk does, on the database in use."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Ids 1 and 10 are FTS5's averages and structure records; the rest are index blocks.
            blob = "randomblob(length(block))" if how == "random" else "zeroblob(length(block))"
            cursor.execute(f"UPDATE {table}_data SET block = {blob} WHERE id > 10")
            assert cursor.rowcount > 0
        else:
            target = "search_indexedmember" if table == "search_member_fts" else "search_indexedmessage"
            if how == "random":
                cursor.execute(f"ALTER TABLE {target} DROP COLUMN document")
            else:
                cursor.execute(f"UPDATE {target} SET document = ''::tsvector")


@pytest.fixture
def translators(spaces):
    """TRANSLATORS translators (headline or skill) and a few others, indexed."""
    for i in range(TRANSLATORS):
        make_person(
            f"translator{i}",
            name=f"Translator {i}",
            headline="Traductrice juridique" if i % 2 else "Freelance",
            skills=("translation",) if i % 3 else (),
            bio="" if i % 3 else "Translator of contracts.",
            space=spaces["brussels"] if i % 2 else spaces["gent"],
            available=i % 4 == 0,
        )
    for i in range(6):
        make_person(f"designer{i}", name=f"Designer {i}", headline="Graphiste", skills=("graphic-design",))
    index_rebuild()


def translator_names(page) -> set[str]:
    return {result.username for result in page.results}


def api(client, q: str, **params) -> dict:
    response = client.get("/api/search/members", {"q": q, "page_size": 100, **params})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("how", ["random", "zero"])
def test_a_corrupt_index_answers_from_the_fallback_with_a_note_not_a_500(
    how, translators, member, member_client
):
    # given what the index finds while healthy
    healthy = api(member_client, "translator")
    assert healthy["count"] == TRANSLATORS and healthy["incomplete"] is False and healthy["notice"] is None
    # when its blocks are overwritten
    corrupt(how)
    # then the page is a 200 with the note and every translator is still found
    page = member_client.get("/search/", {"q": "translator"})
    assert page.status_code == 200
    html = page.content.decode()
    assert NOTE in html and 'href="/members/translator0/"' in html
    # and the API says so with its flag, with the same members
    broken = api(member_client, "translator")
    assert broken["incomplete"] is True and NOTE in broken["notice"]
    assert broken["count"] == TRANSLATORS
    assert {r["username"] for r in broken["results"]} == {r["username"] for r in healthy["results"]}
    assert broken["strong_count"] == healthy["strong_count"]
    # and the shared understanding still reads other languages and filters
    assert api(member_client, "traducteur", space="hub-brussels")["count"] == TRANSLATORS // 2


def test_the_note_is_translated(translators, member, member_client):
    corrupt("random")
    french = member_client.get("/search/", {"q": "traducteur"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    dutch = member_client.get("/search/", {"q": "vertaler"}, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "les résultats peuvent être incomplets" in french
    assert "de resultaten kunnen onvolledig zijn" in dutch


def test_many_failing_requests_enqueue_one_repair_that_restores_the_index(
    translators, member, member_client, django_capture_on_commit_callbacks
):
    # given a corrupt index and twenty searches meeting it (on PostgreSQL wiped documents: a
    # dropped column is a migration to run, not an index to rebuild)
    corrupt("random" if connection.vendor == "sqlite" else "zero")
    for _ in range(20):
        with django_capture_on_commit_callbacks(execute=True):
            assert api(member_client, "translator")["incomplete"] is True
    # then one repair job waits in the queue
    assert len(queue()) == 1
    # when the worker runs it
    assert run_jobs() == 1
    # then the index answers again, complete, and the process trusts it again
    page = search_members(query="translator", searcher=member, page_size=100)
    assert page.backend == "database" and not page.incomplete and page.notice is None
    assert page.count == TRANSLATORS
    assert all(state.ok for state in health.index_health(thorough=True))


def run_check() -> tuple[str, bool]:
    out = StringIO()
    try:
        call_command("search_index", "--check", stdout=out, stderr=StringIO())
    except CommandError:
        return out.getvalue(), False
    return out.getvalue(), True


def test_check_reports_ok_corrupt_empty_and_count_mismatch(translators):
    report, fine = run_check()
    assert fine and "members: ok" in report and "messages: ok" in report
    # one member's rows gone behind the index's back: the counts disagree
    victim = Member.objects.get(username="translator1")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_indexedmember WHERE member_id = %s", [victim.pk])
        if connection.vendor == "sqlite":
            cursor.execute(
                "DELETE FROM search_member_fts WHERE rowid BETWEEN %s AND %s",
                [victim.pk << 32, (victim.pk << 32) | 0xFFFFFFFF],
            )
    report, fine = run_check()
    assert not fine and "members: count_mismatch" in report
    # everything gone: empty
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_indexedmember")
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM search_member_fts")
    report, fine = run_check()
    assert not fine and "members: empty (0 indexed" in report
    # rebuilt, then its blocks overwritten: corrupt
    index_rebuild()
    assert run_check()[1]
    corrupt("zero")
    report, fine = run_check()
    assert not fine and "members: corrupt" in report


def test_an_empty_index_at_startup_answers_from_the_fallback_and_is_rebuilt(
    translators, member, django_capture_on_commit_callbacks
):
    # given an index emptied (a restore that left the search tables out)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_indexedmember")
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM search_member_fts")
    # when a web process starts
    with django_capture_on_commit_callbacks(execute=True):
        states = {state.index: state.state for state in index_check_at_startup()}
    # then it knows, searches answer from the fallback, and the repair is queued
    assert states["members"] == "empty"
    page = search_members(query="translator", searcher=member, page_size=100)
    assert page.incomplete and page.backend == "fallback" and page.count == TRANSLATORS
    assert len(queue()) == 1
    run_jobs()
    page = search_members(query="translator", searcher=member, page_size=100)
    assert page.backend == "database" and not page.incomplete and page.count == TRANSLATORS


def test_a_corrupt_message_index_answers_from_the_fallback(spaces, member, member_client):
    from messaging.services import conversation_direct_get_or_create, message_send

    other = MemberFactory()
    conversation = conversation_direct_get_or_create(member=member, other=other)
    for i, body in enumerate(["Merci pour la traduction !", "Le contrat est traduit", "À demain"]):
        message_send(sender=other, conversation=conversation, body=body, client_id=f"c{i}")
    messages_index_rebuild()
    assert search_messages(member=member, query="traduction").count == 1
    corrupt("random", table="search_message_fts")
    page = search_messages(member=member, query="traduction")
    assert page.incomplete and page.count == 1 and "traduction" in page.results[0].snippet
    body = member_client.get("/api/messages/search", {"q": "merci"}).json()
    assert body["incomplete"] is True and body["count"] == 1


@pytest.mark.django_db(transaction=True)
def test_no_profile_edit_is_lost_while_the_index_is_broken_or_being_rebuilt(spaces, capsys):
    # given an index of members that is then broken
    searcher = MemberFactory()
    people = [
        make_person(f"edited{i}", name=f"Edited {i}", headline="Freelance", skills=("translation",))
        for i in range(30)
    ]
    index_rebuild()
    corrupt("random" if connection.vendor == "sqlite" else "zero")
    # when profiles change while the index is broken (the index write fails: the outbox keeps it)
    while_broken = people[:15]
    for i, person in enumerate(while_broken):
        member_update_profile(member=person, headline=f"Traductrice kwartel{i}")
    kept = OutboxEntry.objects.filter(member_id__in=[p.pk for p in while_broken]).count()
    # and more change while the repair job rebuilds it, on another thread (as a worker would)
    from search.tasks import index_repair

    repair = threading.Thread(target=index_repair.call_local)
    repair.start()
    during = people[15:]
    for i, person in enumerate(during, start=len(while_broken)):
        member_update_profile(member=person, headline=f"Traductrice kwartel{i}")
    repair.join(timeout=60)
    assert not repair.is_alive()
    from django.db import connections

    connections.close_all()
    # and what the outbox still holds is sent (the retrier, or the next commit, does it)
    from search.services import outbox_drain

    outbox_drain(force=True)
    # then every edit is searchable from the index itself
    found = 0
    for i, person in enumerate(people):
        page = search_members(query=f"kwartel{i}", searcher=searcher)
        assert page.backend == "database" and not page.incomplete
        found += person.username in translator_names(page)
    with capsys.disabled():
        print(
            f"\n[broken index] {len(while_broken)} edits while broken ({kept} kept in the outbox), "
            f"{len(during)} during the rebuild; {found} of {len(people)} found after"
        )
    assert found == len(people)
    assert not OutboxEntry.objects.exists()


def test_elasticsearch_configured_but_down_answers_from_the_database(
    settings, translators, member, member_client
):
    from search.backends.elasticsearch import reset_circuit

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{port}"
    settings.SEARCH_BACKEND = "elasticsearch"
    reset_circuit()
    try:
        page = search_members(query="translator", searcher=member, page_size=100)
        assert page.backend == "database" and "not answering" in page.notice and not page.incomplete
        assert page.count == TRANSLATORS
        # and with the database index broken as well: the fallback, with the note
        corrupt("random")
        body = api(member_client, "translator")
        assert body["incomplete"] is True and body["count"] == TRANSLATORS
    finally:
        reset_circuit()


@sqlite_only
# Committed, as on a real disk: inside a test's transaction FTS5 flushes the vocabulary's pending
# writes at the job's first savepoint, into the very blocks the test broke.
@pytest.mark.django_db(transaction=True)
def test_a_corrupt_vocabulary_is_found_and_repaired(spaces):
    # the typo lookup reads the trigram table: its blocks broken, a typo search meets it
    member = MemberFactory()
    make_person("smith", name="Sam Smith", headline="Zorblaxian welder")
    index_rebuild()
    assert "smith" in translator_names(search_members(query="zorblaxain", searcher=member))
    corrupt("random", table="search_term_trgm")
    page = search_members(query="zorblaxain", searcher=member)
    assert page.incomplete
    run_jobs()
    assert all(state.ok for state in health.index_health(thorough=True))
    page = search_members(query="zorblaxain", searcher=member)
    assert not page.incomplete and translator_names(page) == {"smith"}

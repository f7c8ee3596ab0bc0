"""python manage.py search_index --rebuild / --check / --retry, on both backends."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from profiles.models import Member
from search.backends import get_backend
from search.selectors import search_members
from tests.fixtures.search_engine import eventually
from tests.search.conftest import make_person


def run(*args: str) -> str:
    out = StringIO()
    call_command("search_index", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_rebuild_indexes_every_searchable_member_and_check_agrees(backend_name, spaces, member):
    make_person("anne", name="Anne Dupont", skills=("translation",))
    make_person("hidden", name="Hidden", skills=("translation",), visibility="hidden")
    output = run("--rebuild")
    assert "documents/s" in output
    backend = get_backend()
    indexed = backend.indexed_hashes()
    assert Member.objects.get(username="anne").pk in indexed
    assert Member.objects.get(username="hidden").pk not in indexed
    assert "up to date" in run("--check")


def test_check_reports_missing_stale_and_extra_documents(backend_name, spaces, member):
    # given an index built, then changes the index did not see (bulk updates send no signal)
    anne = make_person("anne", name="Anne Dupont", skills=("translation",))
    pieter = make_person("pieter", name="Pieter Claes", skills=("translation",))
    run("--rebuild")
    Member.objects.filter(pk=anne.pk).update(headline="Changed behind the index's back")
    Member.objects.filter(pk=pieter.pk).update(visibility="hidden")
    newcomer = make_person("newcomer", name="New Comer")  # its commit never comes in this test
    # when checking
    out = StringIO()
    with pytest.raises(CommandError, match="out of date"):
        call_command("search_index", "--check", stdout=out)
    report = out.getvalue()
    # then each kind of problem is reported with the member ids
    assert f"stale member ids: {anne.pk}" in report
    assert f"extra member ids: {pieter.pk}" in report
    assert f"missing member ids: {newcomer.pk}" in report


@pytest.mark.slow
def test_rebuild_on_elasticsearch_swaps_the_alias_and_keeps_answering(elasticsearch_settings, spaces, member):
    from search.backends.elasticsearch import get_client, member_alias

    make_person("anne", name="Anne Dupont", skills=("translation",))
    run("--rebuild")
    client = get_client()
    first = set(client.indices.get_alias(name=member_alias()))
    run("--rebuild")
    second = set(client.indices.get_alias(name=member_alias()))
    # a new concrete index behind the alias, the old one gone, search still answering
    assert first and second and first != second
    assert not client.indices.exists(index=list(first)[0])
    assert [r.username for r in search_members(query="traducteur", searcher=member).results] == ["anne"]


def test_retry_with_nothing_pending_says_so(backend_name, db):
    assert "outbox empty" in run("--retry")


@pytest.mark.slow
def test_a_change_during_an_elasticsearch_rebuild_reaches_the_new_index(
    elasticsearch_settings, spaces, member
):
    from search.services import index_members_now, index_rebuild

    anne = make_person("anne", name="Anne Dupont", headline="Traductrice", skills=("translation",))
    index_rebuild()
    changed = []

    def meanwhile(_count: int) -> None:
        # Another process changes Anne while the new index fills; its Elasticsearch write went
        # to the old index, only the database backend (and its change log) saw it.
        if not changed:
            Member.objects.filter(pk=anne.pk).update(headline="Photographe")
            index_members_now(member_ids=[anne.pk], backends=[get_backend("database")])
            changed.append(anne.pk)

    index_rebuild(backend_name="elasticsearch", progress=meanwhile)
    assert changed

    def found() -> None:  # sent again after the swap: searchable after the refresh interval
        assert [r.username for r in search_members(query="photographe", searcher=member).results] == ["anne"]

    eventually(found)

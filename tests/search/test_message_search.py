"""Search in my messages: the conversations I may read, and nothing else, on both backends.

Messages go through the real chain: messaging.services stores them and sends messages_changed ->
the outbox entry commits with them -> the job (drained here with run_jobs) indexes them.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from messaging import services
from messaging.models import Message
from search.backends import get_backend
from search.backends.base import MessageSearchRequest
from search.models import MessageOutboxEntry
from search.query import message_query
from search.selectors import InvalidSearch, search_messages
from search.tasks import scheduling_flush
from tests.factories import MemberFactory
from tests.fixtures.jobs import run_jobs
from tests.fixtures.search_engine import eventually


def index_jobs() -> None:
    """What the worker would do by now: the job scheduled after the commits."""
    scheduling_flush()
    run_jobs(at=timezone.now() + timedelta(seconds=5))


def send(sender, conversation, body: str) -> Message:
    return services.message_send(
        sender=sender, conversation=conversation, body=body, client_id=uuid.uuid4().hex
    )


@pytest.fixture
def chat(db, django_capture_on_commit_callbacks):
    """Anne talks with Bob; Bob and Carl talk without her; a group Anne was asked into."""
    anne = MemberFactory(username="anne", display_name="Anne Dupont")
    bob = MemberFactory(username="bob", display_name="Bob Peeters")
    carl = MemberFactory(username="carl", display_name="Carl Janssens")
    with django_capture_on_commit_callbacks(execute=True):
        with_bob = services.conversation_direct_get_or_create(member=bob, other=anne)
        bob_carl = services.conversation_direct_get_or_create(member=bob, other=carl)
        group = services.group_create(creator=carl, title="Projet Liège", members=[anne, bob])
        messages = {
            "meeting": send(bob, with_bob, "La réunion de demain est à Liège, salle 3."),
            "thanks": send(anne, with_bob, "Merci ! À demain."),
            "markup": send(bob, with_bob, "<b>Réunion</b> déplacée <script>x</script>"),
            "secret": send(bob, bob_carl, "Réunion secrète à Liège, ne dis rien à Anne."),
            "group": send(carl, group, "Réunion du groupe à Liège jeudi."),
        }
    index_jobs()

    def searchable() -> None:  # on the engine, once its index refreshed
        assert len(found(bob, "réunion")) == 4 and found(anne, "merci") == [messages["thanks"].pk]

    eventually(searchable)
    return {"anne": anne, "bob": bob, "carl": carl, "with_bob": with_bob, "projet": group, **messages}


def found(member, query: str) -> list[int]:
    return [result.message_id for result in search_messages(member=member, query=query).results]


def _assert_equal(got, expected) -> None:
    assert got == expected


def test_finds_my_messages_with_highlights_and_where_they_are(backend_name, chat):
    page = search_messages(member=chat["anne"], query="réunion Liège")
    assert page.backend == backend_name and page.notice is None
    # Bob's direct message and the group's (Anne was asked into it), never Bob and Carl's.
    assert {r.message_id for r in page.results} == {chat["meeting"].pk, chat["group"].pk}
    assert page.count == 2
    meeting = next(r for r in page.results if r.message_id == chat["meeting"].pk)
    assert meeting.snippet == "La <mark>réunion</mark> de demain est à <mark>Liège</mark>, salle 3."
    assert meeting.conversation_id == chat["with_bob"].pk
    assert meeting.conversation_name == "Bob Peeters"
    assert meeting.sender_name == "Bob Peeters"
    assert (
        meeting.url
        == f"/messages/{chat['with_bob'].pk}/?before={meeting.message_id + 1}#message-{meeting.message_id}"
    )
    group = next(r for r in page.results if r.message_id == chat["group"].pk)
    assert group.conversation_name == "Projet Liège"
    # Carl sees his conversation with Bob; Bob sees both of his.
    assert chat["secret"].pk in found(chat["carl"], "reunion liege")
    assert set(found(chat["bob"], "liège")) == {chat["meeting"].pk, chat["secret"].pk, chat["group"].pk}


def test_accents_case_and_plurals_fold_and_markup_stays_text(backend_name, chat):
    anne = chat["anne"]
    for query in ("REUNION liege", "Réunions", "réUnion LIÈGE"):
        assert chat["meeting"].pk in found(anne, query), query
    # A search made of stop words only still finds the message.
    assert found(anne, "merci") == [chat["thanks"].pk]
    markup = next(r for r in search_messages(member=anne, query="déplacée").results)
    assert markup.snippet == "&lt;b&gt;Réunion&lt;/b&gt; <mark>déplacée</mark> &lt;script&gt;x&lt;/script&gt;"
    assert found(anne, "introuvable") == []


def test_not_in_a_conversation_i_declined(backend_name, chat):
    anne = chat["anne"]
    assert chat["group"].pk in found(anne, "groupe")
    services.request_decline(member=anne, conversation=chat["projet"])
    assert found(anne, "groupe") == []
    # Writing in it again re-opens it, and its history with it.
    services.request_accept(member=anne, conversation=chat["projet"])
    assert found(anne, "groupe") == [chat["group"].pk]


def test_an_edit_is_found_by_its_new_words_and_a_deleted_message_leaves_the_index(
    backend_name, chat, django_capture_on_commit_callbacks
):
    anne, bob, meeting = chat["anne"], chat["bob"], chat["meeting"]
    request = MessageSearchRequest(query=message_query("salle"), conversation_ids=(chat["with_bob"].pk,))
    assert get_backend().search_messages(request).message_ids == [meeting.pk]

    with django_capture_on_commit_callbacks(execute=True):
        services.message_edit(
            member=bob, message_id=meeting.pk, body="La réunion de demain est à Namur, bureau 3."
        )
    index_jobs()

    def edited() -> None:
        assert found(anne, "Namur") == [meeting.pk]
        assert found(anne, "salle") == []
        assert get_backend().search_messages(request).message_ids == []

    eventually(edited)

    with django_capture_on_commit_callbacks(execute=True):
        services.message_delete(member=bob, message_id=meeting.pk)
    # the database is asked before the index caught up ...
    assert found(anne, "Namur") == []
    # ... and once the job ran, the index no longer holds it either
    index_jobs()
    namur = MessageSearchRequest(query=message_query("Namur"), conversation_ids=(chat["with_bob"].pk,))
    eventually(lambda: _assert_equal(get_backend().search_messages(namur).message_ids, []))
    assert not MessageOutboxEntry.objects.exists()


def test_a_message_rolled_back_never_reaches_the_outbox(chat):
    before = MessageOutboxEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        send(chat["bob"], chat["with_bob"], "Réunion annulée")
        assert MessageOutboxEntry.objects.count() == before + 1  # written with the message
        raise RuntimeError("rolled back")
    assert MessageOutboxEntry.objects.count() == before


def test_paged_newest_first_among_equals(chat, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = [send(chat["bob"], chat["with_bob"], f"Rappel {n}") for n in range(5)]
    index_jobs()
    eventually(lambda: _assert_equal(search_messages(member=chat["anne"], query="rappel").count, 5))
    first = search_messages(member=chat["anne"], query="rappel", limit=2)
    second = search_messages(member=chat["anne"], query="rappel", limit=2, offset=2)
    assert first.count == second.count == 5
    assert [r.message_id for r in first.results + second.results] == [m.pk for m in reversed(sent)][:4]
    assert first.has_next and not first.has_previous and second.has_previous


def test_bad_input_is_refused_with_a_code(chat):
    anne = chat["anne"]
    for kwargs, code in (
        ({"query": "  "}, "query_required"),
        ({"query": "x" * 501}, "query_too_long"),
        ({"query": "réunion", "limit": 0}, "invalid"),
        ({"query": "réunion", "limit": 101}, "invalid"),
        ({"query": "réunion", "offset": -1}, "invalid"),
    ):
        with pytest.raises(InvalidSearch) as error:
            search_messages(member=anne, **kwargs)
        assert error.value.code == code


def test_the_api_answers_the_documented_shape(client, chat):
    client.force_login(chat["anne"])
    body = client.get("/api/messages/search", {"q": "salle", "limit": 5}).json()
    meeting = chat["meeting"]
    assert body == {
        "count": 1,
        "results": [
            {
                "message": meeting.pk,
                "conversation": chat["with_bob"].pk,
                "conversation_name": "Bob Peeters",
                "sender": "Bob Peeters",
                "created": body["results"][0]["created"],
                "snippet": "La réunion de demain est à Liège, <mark>salle</mark> 3.",
                "url": f"/messages/{chat['with_bob'].pk}/?before={meeting.pk + 1}#message-{meeting.pk}",
            }
        ],
        "notice": None,
        "incomplete": False,
    }
    assert body["results"][0]["created"].startswith(str(meeting.created.year))


def test_the_api_refuses_bad_input_with_400_json(client, chat):
    assert client.get("/api/messages/search", {"q": "salle"}).status_code == 401
    client.force_login(chat["anne"])
    for params, code in (
        ({}, "query_required"),
        ({"q": " "}, "query_required"),
        ({"q": "x" * 501}, "query_too_long"),
        ({"q": "salle", "limit": 0}, "invalid"),
        ({"q": "salle", "limit": "many"}, "invalid"),
        ({"q": "salle", "offset": "-3"}, "invalid"),
        ({"q": "salle", "limit": "99999999999999999999999"}, "invalid"),
    ):
        response = client.get("/api/messages/search", params)
        assert response.status_code == 400, params
        assert response.json()["error"] == code, params


def test_the_inbox_has_a_search_box_leading_to_the_results_page(client, chat):
    client.force_login(chat["anne"])
    inbox = client.get("/messages/").content.decode()
    assert 'action="/messages/search/"' in inbox and 'name="q"' in inbox
    html = client.get("/messages/search/", {"q": "réunion"}).content.decode()
    meeting = chat["meeting"]
    assert f'href="/messages/{chat["with_bob"].pk}/?before={meeting.pk + 1}#message-{meeting.pk}"' in html
    assert "La <mark>réunion</mark> de demain" in html
    assert "<script>x" not in html and "&lt;script&gt;x" in html
    assert "secrète" not in html
    assert client.get("/messages/search/", {"q": "x" * 501}).status_code == 400
    assert client.get("/messages/search/").status_code == 200
    assert client.get("/messages/search/", {"q": "réunion"}, follow=False).status_code == 200
    client.logout()
    assert client.get("/messages/search/", {"q": "réunion"}).status_code == 302


def test_the_page_follows_the_results_page_by_page(client, chat, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(21):
            services.message_import(
                sender=chat["bob"],
                conversation=chat["with_bob"],
                body=f"Facture {n}",
                client_id=f"import-{n}",
                created=timezone.now(),
            )
    index_jobs()
    eventually(lambda: _assert_equal(search_messages(member=chat["anne"], query="facture").count, 21))
    client.force_login(chat["anne"])
    first = client.get("/messages/search/", {"q": "facture"}).content.decode()
    assert "21 messages found" in first and "page=2" in first
    second = client.get("/messages/search/", {"q": "facture", "page": "2"}).content.decode()
    assert second.count('class="conversation-row"') == 1 and "page=1" in second


def test_rebuild_indexes_the_messages_too(backend_name, chat):
    backend = get_backend()
    backend.rebuild_messages([])
    assert found(chat["anne"], "salle") == []
    out = StringIO()
    call_command("search_index", "--rebuild", "--no-progress", stdout=out)
    assert f"{backend_name}: 5 messages indexed" in out.getvalue()
    # (a rebuild refreshes its new index before the alias moves onto it)
    assert found(chat["anne"], "salle") == [chat["meeting"].pk]


@pytest.mark.slow
def test_messages_sent_while_the_server_is_down_arrive_after_a_retry(
    search_outage, chat, django_capture_on_commit_callbacks
):
    anne = chat["anne"]
    # given messages indexed on a running server (the chat fixture)
    assert search_messages(member=anne, query="salle").backend == "elasticsearch"
    # when the server stops and a message is sent
    search_outage.begin()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            late = send(chat["bob"], chat["with_bob"], "Nouvelle salle : la 7.")
        index_jobs()
        # then its entry waits with the error; the database backend has it, the page says so
        (entry,) = MessageOutboxEntry.objects.all()
        assert entry.message_id == late.pk and entry.attempts == 1 and entry.last_error
        assert entry.next_attempt_at > timezone.now()
        page = search_messages(member=anne, query="salle")
        assert page.backend == "database" and page.notice
        assert {r.message_id for r in page.results} == {chat["meeting"].pk, late.pk}
    finally:
        # when the server is back and the retry runs
        search_outage.end()
    out = StringIO()
    call_command("search_index", "--retry", stdout=out)
    assert "1 messages sent" in out.getvalue() and "outbox empty" in out.getvalue()
    # then the message left behind arrived (searchable after the next refresh), the outbox is empty
    assert not MessageOutboxEntry.objects.exists()

    def arrived() -> None:
        page = search_messages(member=anne, query="nouvelle salle")
        assert page.backend == "elasticsearch"
        assert [r.message_id for r in page.results] == [late.pk]

    eventually(arrived)

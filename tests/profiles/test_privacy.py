"""Download my data, delete my account: the round trip through the real database, index and queue.

After the erasure, nothing in any table (every column of every row, the search index's own tables
included), in the search results or in the job queue still names the member; the archive taken
before listed what was erased.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from PIL import Image

from community.core.jobs import enqueue_after_commit
from community.core.personal_data import personal_data_sources
from community.helpboard.services import help_reply_create, help_request_create
from community.network.models import RSVP, Event
from community.network.services import check_in_start, membership_set
from community.notifications.models import NotificationPreference, PushSubscription
from community.notifications.tasks import push_message
from messaging import services as chat
from messaging.attachments import attachment_upload
from messaging.models import Message
from profiles.models import DataExport, Member
from profiles.privacy import member_delete_own
from profiles.services import data_export_request
from search.selectors import search_members
from tests.factories import DEFAULT_PASSWORD, MemberFactory, PlanFactory, SpaceFactory
from tests.fixtures.jobs import queue, run_jobs

NAME = "Quentin Zorbulon"
USERNAME = "zorbulon"
EMAIL = "q.zorbulon@example.org"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def a_full_account():
    """A member who did a bit of everything, and a friend they talked to."""
    space = SpaceFactory()
    friend = MemberFactory(display_name="Friendly Other")
    member = MemberFactory(
        username=USERNAME,
        email=EMAIL,
        display_name=NAME,
        headline="Translator zorbulonese",
        home_space=space,
        offers=["translation"],
        wants=["accounting"],
    )
    member.avatar.save("face.png", ContentFile(png()))
    membership_set(member=member, space=space, plan=PlanFactory(space=space))
    check_in_start(member=member, space=space)
    event = Event.objects.create(
        space=space,
        title="Apéro",
        starts_at=timezone.now() + dt.timedelta(days=3),
        ends_at=timezone.now() + dt.timedelta(days=3, hours=2),
    )
    RSVP.objects.create(event=event, member=member, status=RSVP.Status.GOING, requested_at=timezone.now())
    asked = help_request_create(
        author=member, title="Need a Flemish reviewer", description="A flyer to check."
    )
    theirs = help_request_create(author=friend, title="Bookkeeping", description="Who knows Odoo?")
    help_reply_create(help_request=theirs, author=member, body="I can point you to someone.")
    help_reply_create(help_request=asked, author=friend, body="Happy to read it.")
    NotificationPreference.objects.create(member=member, topic="messages", delivery="never")
    PushSubscription.objects.create(
        member=member,
        endpoint="https://push.example.net/zz",
        p256dh="k" * 87,
        auth="a" * 22,
        user_agent="Firefox",
    )
    conversation = chat.conversation_direct_get_or_create(member=member, other=friend)
    chat.request_accept(member=friend, conversation=conversation)
    upload = attachment_upload(
        uploader=member,
        conversation_id=conversation.pk,
        upload=SimpleUploadedFile("plan.png", png(), content_type="image/png"),
    )
    sent = chat.message_send(
        sender=member,
        conversation=conversation,
        body="Here is the blorptastic plan",
        client_id="c1",
        attachments=[upload.pk],
    )
    reply = chat.message_send(sender=friend, conversation=conversation, body="Thanks!", client_id="c2")
    return member, friend, conversation, sent, reply


def archive_of(client: Client, member: Member) -> tuple[dict, zipfile.ZipFile]:
    export = DataExport.objects.get(member=member, status=DataExport.Status.READY)
    response = client.get(f"/accounts/data/export/{export.token}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return json.loads(archive.read("data.json")), archive


def _text(value) -> str:
    if isinstance(value, memoryview):
        value = bytes(value)
    # A blob (the full-text index's segments) is searched for the words' bytes as well.
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def rows_naming(words: list[str]) -> list[tuple[str, str]]:
    """(table, row) of every row of every table in which one of `words` appears, any column."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor, include_views=False):
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                text = " ".join(_text(v) for v in row).lower()
                if any(word.lower() in text for word in words):
                    found.append((table, text[:200]))
    return found


def jobs_naming(words: list[str]) -> list[str]:
    huey = queue()
    tasks = huey.pending() + huey.scheduled()
    return [repr(t) for t in tasks if any(w.lower() in repr((t.args, t.kwargs)).lower() for w in words)]


@pytest.mark.django_db(transaction=True)
def test_the_archive_lists_everything_and_after_deletion_nothing_names_the_member():
    # given a member with data in every app, and the friend they talked with
    member, friend, conversation, sent, reply = a_full_account()
    run_jobs(at=timezone.now() + dt.timedelta(seconds=30))  # the message index's batch job
    client = Client()
    client.force_login(member)
    # the scan sees them (it can fail), the search index's tables included
    before = {table for table, _row in rows_naming([USERNAME, "zorbulonese", "blorptastic"])}
    assert {"search_member_fts", "search_message_fts"} <= before if connection.vendor == "sqlite" else True
    assert "search_indexedmessage" in before or connection.vendor == "sqlite"

    # when they ask for their data, and the job builds it
    assert client.post("/accounts/data/export/").status_code == 302
    assert run_jobs() >= 1
    data, archive = archive_of(client, member)

    # then the archive holds every source, their files, and nothing of others' private data
    assert set(data["data"]) == {source.name for source in personal_data_sources()}
    mine = data["data"]
    assert mine["profile"]["email"] == EMAIL and mine["profile"]["display_name"] == NAME
    assert mine["skills"] == {"offered": ["Translation"], "wanted": ["Accounting"]}
    assert len(mine["memberships"]) == 1 and len(mine["check_ins"]) == 1 and len(mine["rsvps"]) == 1
    assert [r["title"] for r in mine["help_requests"]] == ["Need a Flemish reviewer"]
    assert [r["body"] for r in mine["help_replies"]] == ["I can point you to someone."]
    assert [m["body"] for m in mine["messages"]] == ["Here is the blorptastic plan"]
    assert mine["messages"][0]["conversation"] == conversation.pk
    assert "Thanks!" not in json.dumps(data)  # the friend's message is theirs
    assert mine["notification_preferences"] == [
        {"topic": "messages", "delivery": "never", "updated": mine["notification_preferences"][0]["updated"]}
    ]
    assert mine["push_subscriptions"][0]["user_agent"] == "Firefox"
    assert "push.example.net" not in json.dumps(data) and "k" * 87 not in json.dumps(data)
    names = archive.namelist()
    assert mine["profile"]["photo"] in names
    assert mine["messages"][0]["attachments"][0] in names
    assert archive.read(mine["profile"]["photo"])[:4] == b"\x89PNG"
    # and the friend cannot fetch it
    other = Client()
    other.force_login(friend)
    token = DataExport.objects.get(member=member).token
    assert other.get(f"/accounts/data/export/{token}/").status_code == 404

    # given a job still queued that quotes them (a push of their message to the friend's phone)
    enqueue_after_commit(
        push_message, friend.pk, conversation.pk, NAME, "Here is the blorptastic plan", "/m/"
    )
    assert jobs_naming([NAME])

    # when they delete the account with a wrong password, nothing happens
    response = client.post("/accounts/delete/", {"password": "not it"})
    assert response.status_code == 200
    assert "That is not your password." in response.content.decode()
    assert Member.objects.filter(pk=member.pk).exists()

    # when they delete it with their password
    response = client.post("/accounts/delete/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302

    # then they are logged out, and nothing in the database, the index or the queue names them
    assert client.get("/accounts/data/").status_code == 302
    words = [USERNAME, EMAIL, NAME, "blorptastic", "Flemish reviewer", "zorbulonese"]
    assert jobs_naming(words) == []
    left = rows_naming(words)  # at once: no job had to run
    assert left == [], "\n".join(map(repr, left))
    run_jobs(at=timezone.now() + dt.timedelta(seconds=30))  # and what the erasure queued brings none back
    assert rows_naming(words) == []
    assert search_members(searcher=friend, query="zorbulon").count == 0
    # and their message keeps its place for the friend, as a deleted message from a former member
    kept = Message.objects.get(pk=sent.pk)
    assert kept.body == "" and kept.is_deleted and kept.sender.username == "~former"
    assert kept.seq == 1 and Message.objects.get(pk=reply.pk).body == "Thanks!"
    assert not kept.sender.is_active


@pytest.mark.django_db
def test_a_wrong_password_is_a_form_error_and_keeps_the_account(member, member_client):
    response = member_client.post("/accounts/delete/", {"password": "wrong"})
    assert response.status_code == 200
    assert response.context["delete_form"].errors["password"] == ["That is not your password."]
    assert Member.objects.filter(pk=member.pk).exists()


@pytest.mark.django_db
def test_member_erase_refuses_a_wrong_password(member):
    from community.core.errors import ServiceError

    with pytest.raises(ServiceError) as refused:
        member_delete_own(member=member, password="")
    assert refused.value.code == "wrong_password"


@pytest.mark.django_db
def test_asking_twice_while_pending_makes_one_export(member):
    first = data_export_request(member=member)
    assert data_export_request(member=member).pk == first.pk


@pytest.mark.django_db
def test_an_expired_archive_is_not_served_and_is_swept(
    member, member_client, django_capture_on_commit_callbacks
):
    from profiles.privacy import data_exports_expire

    with django_capture_on_commit_callbacks(execute=True):
        data_export_request(member=member)
    with django_capture_on_commit_callbacks(execute=True):
        run_jobs()
    export = DataExport.objects.get(member=member)
    assert member_client.get(f"/accounts/data/export/{export.token}/").status_code == 200
    later = export.expires_at + dt.timedelta(seconds=1)
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert member_client.get(f"/accounts/data/export/{export.token}/").status_code == 404
    assert data_exports_expire(now=later) == 1
    assert not DataExport.objects.exists()


@pytest.mark.django_db
def test_the_data_page_is_for_members_only_and_not_cached(member_client):
    assert Client().get("/accounts/data/").status_code == 302
    response = member_client.get("/accounts/data/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"


# --- consent to the terms and the privacy notice ------------------------------------------------

SIGNUP = {
    "username": "lotte",
    "email": "lotte@example.be",
    "display_name": "Lotte Claes",
    "password1": "tuinarchitect-gent-2026",
    "password2": "tuinarchitect-gent-2026",
}


@pytest.mark.django_db
def test_signup_without_accepting_the_terms_is_a_form_error(client):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 200
    assert response.context["form"].errors["accept_terms"] == [
        "Please accept the terms and the privacy notice to join."
    ]
    assert not Member.objects.filter(username="lotte").exists()


@pytest.mark.django_db
def test_signup_records_the_versions_accepted_and_when(client):
    from profiles.models import Consent, LegalText

    # given version 2 of the privacy notice published (the first migration wrote version 1 of both)
    LegalText.objects.create(kind="privacy", version=2, language="en", title="Privacy v2", body="New.")
    # when someone signs up accepting them
    response = client.post("/accounts/signup/", {**SIGNUP, "accept_terms": "on"})
    # then the account holds which versions, and when
    assert response.status_code == 302
    consents = {c.kind: c for c in Consent.objects.filter(member__username="lotte")}
    assert {kind: c.version for kind, c in consents.items()} == {"terms": 1, "privacy": 2}
    assert all(abs((timezone.now() - c.accepted_at).total_seconds()) < 60 for c in consents.values())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "Privacy notice"), ("fr", "Politique de confidentialité"), ("nl", "Privacyverklaring")],
)
def test_the_privacy_notice_is_shown_in_the_readers_language(client, language, title):
    response = client.get("/accounts/privacy/", headers={"accept-language": language})
    assert response.status_code == 200
    assert f"<h1>{title}</h1>" in response.content.decode()
    assert "former member" in response.content.decode() or language != "en"


@pytest.mark.django_db
def test_a_new_version_in_english_only_is_shown_to_every_reader(client):
    from profiles.models import LegalText

    LegalText.objects.create(kind="terms", version=5, language="en", title="Terms v5", body="Be nice.")
    response = client.get("/accounts/terms/", headers={"accept-language": "nl"})
    assert "<h1>Terms v5</h1>" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_deleting_a_member_in_the_admin_erases_them_the_same_way(admin_client):
    # given a member who wrote to a friend
    friend = MemberFactory()
    leaver = MemberFactory(username="leaver", display_name="Leaving Soon")
    conversation = chat.conversation_direct_get_or_create(member=leaver, other=friend)
    chat.request_accept(member=friend, conversation=conversation)
    sent = chat.message_send(sender=leaver, conversation=conversation, body="Bye now", client_id="b1")
    # when staff delete them in the admin
    response = admin_client.post(f"/admin/profiles/member/{leaver.pk}/delete/", {"post": "yes"})
    # then the message keeps its place, emptied, under the former member
    assert response.status_code == 302
    assert not Member.objects.filter(username="leaver").exists()
    kept = Message.objects.get(pk=sent.pk)
    assert kept.body == "" and kept.sender.username == "~former"
    assert rows_naming(["Leaving Soon", "Bye now"]) == []


@pytest.mark.django_db
def test_the_former_members_account_cannot_be_erased():
    from community.core.errors import ServiceError
    from profiles.privacy import member_erase
    from profiles.services import member_former

    with pytest.raises(ServiceError):
        member_erase(member=member_former())


@pytest.mark.django_db
def test_the_former_member_reads_in_the_readers_language():
    from django.utils import translation

    from profiles.services import member_former

    former = member_former()
    with translation.override("fr"):
        assert str(former) == "Ancien membre"
    with translation.override("nl"):
        assert str(former) == "Voormalig lid"
    assert not former.is_active and former.is_hidden and not former.has_usable_password()

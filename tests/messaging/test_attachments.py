"""Files and images in the chat: upload, type from content, re-encoding, sending, serving, sweep."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from PIL import ExifTags, Image

from messaging import attachments, services
from messaging.attachments import attachment_storage
from messaging.models import Attachment, Message
from profiles.models import ApiToken
from tests.factories import MemberFactory
from tests.fixtures.jobs import queue, run_jobs

pytestmark = pytest.mark.django_db

UPLOAD_URL = "/api/messages/attachments"


# --- what members upload ------------------------------------------------------------------------


def png(size=(64, 48), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpeg_from_a_phone() -> bytes:
    """64×48 pixels stored sideways (EXIF orientation 6: shown rotated), with a GPS position."""
    image = Image.new("RGB", (64, 48), (10, 120, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (50.0, 51.0, 0.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (4.0, 21.0, 0.0),
        }
    )
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims to be width×height (a decompression bomb's header) with almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def direct(alice, bob):
    conversation = services.conversation_direct_get_or_create(member=alice, other=bob)
    services.request_accept(member=bob, conversation=conversation)
    return conversation


def client_for(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def upload(
    client: Client, conversation, data: bytes, name: str, content_type: str = "application/octet-stream"
):
    return client.post(
        UPLOAD_URL,
        {
            "conversation": str(conversation.pk),
            "file": SimpleUploadedFile(name, data, content_type=content_type),
        },
    )


def upload_as(member, conversation, data: bytes, name: str) -> Attachment:
    return attachments.attachment_upload(
        uploader=member, conversation_id=conversation.pk, upload=SimpleUploadedFile(name, data)
    )


def stored(path: str) -> bytes:
    with attachment_storage().open(path, "rb") as f:
        return f.read()


@pytest.fixture
def pair():
    alice, bob = MemberFactory(), MemberFactory()
    return alice, bob, direct(alice, bob)


# --- upload -------------------------------------------------------------------------------------


def test_an_uploaded_image_answers_201_with_its_thumbnail_and_size(pair):
    alice, _bob, conversation = pair

    response = upload(client_for(alice), conversation, png((1200, 600)), "vue du bureau.png", "image/png")

    assert response.status_code == 201
    data = response.json()
    attachment = Attachment.objects.get(pk=data["id"])
    assert data == {
        "id": attachment.pk,
        "name": "vue du bureau.png",
        "content_type": "image/png",
        "size": attachment.size,
        "kind": "image",
        "url": f"/messages/attachments/{attachment.pk}/",
        "thumbnail_url": f"/messages/attachments/{attachment.pk}/thumbnail/",
        "width": 1200,
        "height": 600,
    }
    assert attachment.message is None and attachment.uploader == alice
    with Image.open(io.BytesIO(stored(attachment.thumbnail_path))) as thumbnail:
        assert thumbnail.format == "JPEG"
        assert thumbnail.size == (480, 240)


def test_a_transparent_image_gets_a_transparent_thumbnail(pair):
    alice, _bob, conversation = pair
    logo = io.BytesIO()
    Image.new("RGBA", (600, 600), (0, 0, 0, 0)).save(logo, "PNG")

    attachment = upload_as(alice, conversation, logo.getvalue(), "logo.png")

    with Image.open(io.BytesIO(stored(attachment.thumbnail_path))) as thumbnail:
        assert thumbnail.format == "WEBP"
        assert thumbnail.mode == "RGBA"


def test_a_token_uploads_like_a_session(pair):
    alice, _bob, conversation = pair
    ApiToken.objects.create(member=alice, key="t" * 40)

    response = Client(enforce_csrf_checks=True).post(
        UPLOAD_URL,
        {"conversation": str(conversation.pk), "file": SimpleUploadedFile("notes.txt", b"Agenda: coffee\n")},
        HTTP_AUTHORIZATION="Token " + "t" * 40,
    )

    assert response.status_code == 201
    assert response.json()["kind"] == "file"
    assert response.json()["content_type"] == "text/plain"
    assert response.json()["thumbnail_url"] is None


def test_an_anonymous_upload_is_401(pair):
    _alice, _bob, conversation = pair

    response = upload(Client(), conversation, png(), "a.png")

    assert response.status_code == 401
    assert Attachment.objects.count() == 0


def test_a_session_upload_without_the_csrf_token_is_refused(pair):
    alice, _bob, conversation = pair
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = upload(client, conversation, png(), "a.png")

    assert response.status_code in (401, 403)
    assert Attachment.objects.count() == 0


def test_a_non_participant_cannot_upload_into_a_conversation(pair):
    _alice, _bob, conversation = pair
    outsider = MemberFactory()

    response = upload(client_for(outsider), conversation, png(), "a.png")
    missing = upload(client_for(outsider), type(conversation)(pk=10**6), png(), "a.png")

    assert response.status_code == 404
    assert response.json()["error"] == "not_participant"
    assert missing.status_code == 404 and missing.json() == response.json()
    assert Attachment.objects.count() == 0


def test_the_type_comes_from_the_content_not_the_name(pair):
    alice, _bob, conversation = pair
    client = client_for(alice)

    png_named_pdf = upload(client, conversation, png(), "scan.pdf", "application/pdf")
    docx_named_txt = upload(client, conversation, docx(), "report.txt", "text/plain")

    assert png_named_pdf.status_code == 201
    assert png_named_pdf.json()["content_type"] == "image/png"
    assert png_named_pdf.json()["kind"] == "image"
    assert png_named_pdf.json()["name"] == "scan.png"
    assert docx_named_txt.json()["content_type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert docx_named_txt.json()["name"] == "report.docx"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>", "cat.png"),
        (b"  <svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "logo.png"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "setup.pdf"),
        (zlib.compress(b"x" * 100), "data.txt"),
    ],
    ids=["html", "svg", "executable", "binary"],
)
def test_what_is_not_an_allowed_type_is_refused_whatever_its_name(pair, data, name):
    alice, _bob, conversation = pair

    response = upload(client_for(alice), conversation, data, name, "image/png")

    assert response.status_code == 415
    assert response.json()["error"] == "type_not_allowed"
    assert Attachment.objects.count() == 0


def test_a_zip_is_not_an_office_document(pair):
    alice, _bob, conversation = pair
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as f:
        f.writestr("payload.exe", "MZ")

    response = upload(client_for(alice), conversation, archive.getvalue(), "report.docx")

    assert response.json()["error"] == "type_not_allowed"


@override_settings(CHAT_ATTACHMENT_MAX_BYTES=2000)
def test_a_file_over_the_size_limit_is_413(pair):
    alice, _bob, conversation = pair

    response = upload(client_for(alice), conversation, b"a" * 2001, "long.txt")

    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert Attachment.objects.count() == 0


def test_an_empty_file_and_a_missing_file_are_400(pair):
    alice, _bob, conversation = pair
    client = client_for(alice)

    empty = upload(client, conversation, b"", "nothing.txt")
    missing = client.post(UPLOAD_URL, {"conversation": str(conversation.pk)})

    assert (empty.status_code, empty.json()["error"]) == (400, "empty_file")
    assert (missing.status_code, missing.json()["error"]) == (400, "no_file")


def test_refusals_are_worded_in_the_members_language(pair):
    alice, _bob, conversation = pair

    response = client_for(alice).post(
        UPLOAD_URL,
        {"conversation": str(conversation.pk), "file": SimpleUploadedFile("x.html", b"<html></html>")},
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.json()["error"] == "type_not_allowed"
    assert response.json()["detail"] == "Ce type de fichier ne peut pas être envoyé dans la discussion."


def test_the_gps_position_and_other_exif_are_gone_and_the_photo_is_upright(pair):
    alice, _bob, conversation = pair
    original = jpeg_from_a_phone()
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test's photo does carry one

    attachment = upload_as(alice, conversation, original, "IMG_0001.JPG")

    data = stored(attachment.path)
    with Image.open(io.BytesIO(data)) as after:
        assert after.format == "JPEG"
        assert after.size == (48, 64)  # the orientation was applied to the pixels
        assert len(after.getexif()) == 0
        assert "exif" not in after.info and "xmp" not in after.info
    assert b"PhoneMaker" not in data and b"Exif" not in data
    assert (attachment.width, attachment.height) == (48, 64)
    assert attachment.name == "IMG_0001.jpg"


def test_an_animated_gif_keeps_its_first_frame(pair):
    alice, _bob, conversation = pair
    frames = [Image.new("P", (20, 20), i) for i in (1, 2, 3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)

    attachment = upload_as(alice, conversation, out.getvalue(), "dance.gif")

    with Image.open(io.BytesIO(stored(attachment.path))) as gif:
        assert gif.format == "GIF"
        assert getattr(gif, "n_frames", 1) == 1


def test_a_decompression_bomb_is_refused_before_it_is_decoded(pair):
    alice, _bob, conversation = pair

    response = upload(client_for(alice), conversation, png_header_only(100_000, 100_000), "bomb.png")

    assert response.status_code == 413
    assert response.json()["error"] == "image_too_large"
    assert Attachment.objects.count() == 0


def test_a_broken_image_is_refused(pair):
    alice, _bob, conversation = pair

    response = upload(client_for(alice), conversation, png()[:60], "cut.png")

    assert response.json()["error"] == "invalid_image"


def test_a_name_loses_its_folders_and_direction_tricks():
    assert attachments.clean_name("../../etc/passwd\u202egpj.exe", "pdf") == "passwdgpj.pdf"
    assert attachments.clean_name("C:\\Users\\anne\\CV Anne.docx", "docx") == "CV Anne.docx"
    assert attachments.clean_name("", "png") == "file.png"


@override_settings(CHAT_ATTACHMENTS_PENDING_MAX=2)
def test_a_member_holds_a_bounded_number_of_unsent_uploads(pair):
    alice, _bob, conversation = pair
    client = client_for(alice)
    for n in range(2):
        assert upload(client, conversation, png(), f"{n}.png").status_code == 201

    response = upload(client, conversation, png(), "3.png")

    assert response.status_code == 429
    assert response.json()["error"] == "too_many_pending"


# --- sending ------------------------------------------------------------------------------------


def test_a_message_of_attachments_only_carries_them_in_its_payload(pair):
    alice, bob, conversation = pair
    photo = upload_as(alice, conversation, png(), "photo.png")
    report = upload_as(alice, conversation, b"%PDF-1.4\n1 0 obj\n", "report.pdf")

    message = services.message_send(
        sender=alice, conversation=conversation, body="", client_id="a1", attachments=[report.pk, photo.pk]
    )

    assert message.body == ""
    assert set(Attachment.objects.filter(message=message).values_list("pk", flat=True)) == {
        photo.pk,
        report.pk,
    }
    page = client_for(bob).get(f"/api/conversations/{conversation.pk}/messages").json()
    sent = page["results"][0]["attachments"]
    assert [a["id"] for a in sent] == [photo.pk, report.pk]
    assert sent[1] | {"id": 0, "size": 0} == {
        "id": 0,
        "name": "report.pdf",
        "content_type": "application/pdf",
        "size": 0,
        "kind": "file",
        "url": f"/messages/attachments/{report.pk}/",
        "thumbnail_url": None,
        "width": None,
        "height": None,
    }


def test_a_message_without_body_nor_attachment_is_still_refused(pair):
    alice, _bob, conversation = pair

    with pytest.raises(services.MessagingError) as refused:
        services.message_send(
            sender=alice, conversation=conversation, body="  ", client_id="e", attachments=[]
        )

    assert refused.value.code == "empty_body"


def test_someone_elses_upload_cannot_be_sent(pair):
    alice, bob, conversation = pair
    bobs = upload_as(bob, conversation, png(), "bob.png")

    with pytest.raises(services.MessagingError) as refused:
        services.message_send(
            sender=alice, conversation=conversation, body="look", client_id="x", attachments=[bobs.pk]
        )

    assert refused.value.code == "attachment_unavailable"
    assert Message.objects.count() == 0
    assert Attachment.objects.get(pk=bobs.pk).message is None


def test_an_upload_belongs_to_its_conversation(pair):
    alice, _bob, conversation = pair
    elsewhere = direct(alice, MemberFactory())
    upload_there = upload_as(alice, elsewhere, png(), "there.png")

    with pytest.raises(services.MessagingError) as refused:
        services.message_send(
            sender=alice, conversation=conversation, body="", client_id="x", attachments=[upload_there.pk]
        )

    assert refused.value.code == "attachment_unavailable"


def test_an_attachment_is_sent_once(pair):
    alice, _bob, conversation = pair
    photo = upload_as(alice, conversation, png(), "photo.png")
    services.message_send(
        sender=alice, conversation=conversation, body="1", client_id="c1", attachments=[photo.pk]
    )

    with pytest.raises(services.MessagingError) as refused:
        services.message_send(
            sender=alice, conversation=conversation, body="2", client_id="c2", attachments=[photo.pk]
        )

    assert refused.value.code == "attachment_unavailable"
    assert Message.objects.count() == 1


@override_settings(CHAT_ATTACHMENTS_PER_MESSAGE=2)
@pytest.mark.parametrize(
    ("given", "code"),
    [
        ([1, 2, 3], "too_many"),
        ("1", "invalid_attachments"),
        ([True], "invalid_attachments"),
        ([2**70], "invalid_attachments"),
    ],
)
def test_the_attachment_list_is_checked(pair, given, code):
    alice, _bob, conversation = pair

    with pytest.raises(services.MessagingError) as refused:
        services.message_send(
            sender=alice, conversation=conversation, body="hi", client_id="l", attachments=given
        )

    assert refused.value.code == code


def test_a_resend_returns_the_stored_message_with_its_attachments(pair, django_assert_max_num_queries):
    alice, _bob, conversation = pair
    photo = upload_as(alice, conversation, png(), "photo.png")
    first = services.message_send(
        sender=alice, conversation=conversation, body="", client_id="r", attachments=[photo.pk]
    )

    again = services.message_send(
        sender=alice, conversation=conversation, body="", client_id="r", attachments=[photo.pk]
    )

    assert again.pk == first.pk
    assert Message.objects.count() == 1
    assert [a.pk for a in attachments.attachments_of(again)] == [photo.pk]


def test_history_and_sync_load_attachments_without_a_query_per_message(pair, django_assert_num_queries):
    from messaging import selectors
    from messaging.delivery import message_payload

    alice, bob, conversation = pair
    for n in range(6):
        photo = upload_as(alice, conversation, png(), f"{n}.png")
        services.message_send(
            sender=alice, conversation=conversation, body=f"m{n}", client_id=f"h{n}", attachments=[photo.pk]
        )

    participant = selectors.participation_get(member=bob, conversation_id=conversation.pk)
    with django_assert_num_queries(2):  # the messages with their senders, then their attachments
        history, _more = selectors.messages_page(participant=participant, limit=50)
        payloads = [message_payload(m) for m in history]
    with django_assert_num_queries(2):
        synced = [message_payload(m) for m in selectors.messages_after(member=bob, after=0, limit=1000)]

    assert [len(p["attachments"]) for p in payloads] == [1] * 6
    assert synced == payloads


def test_a_plain_send_makes_no_attachment_query(pair, django_assert_num_queries):
    from messaging.delivery import message_payload

    alice, _bob, conversation = pair
    services.message_send(sender=alice, conversation=conversation, body="warm-up", client_id="w")

    message = services.message_send(sender=alice, conversation=conversation, body="plain", client_id="p")
    with django_assert_num_queries(0):
        assert message_payload(message)["attachments"] == []


# --- the no-JavaScript form ---------------------------------------------------------------------


def test_the_plain_form_sends_files_with_the_message(pair):
    alice, bob, conversation = pair

    response = client_for(alice).post(
        f"/messages/{conversation.pk}/",
        {
            "body": "",
            "client_id": "form-1",
            "attachments": [
                SimpleUploadedFile("plan.png", png()),
                SimpleUploadedFile("notes.txt", b"Agenda\n"),
            ],
        },
    )

    assert response.status_code == 302
    message = Message.objects.get()
    assert sorted(a.name for a in message.attachments.all()) == ["notes.txt", "plan.png"]
    page = client_for(bob).get(conversation.get_absolute_url()).content.decode()
    photo = message.attachments.get(kind="image")
    assert f'src="/messages/attachments/{photo.pk}/thumbnail/"' in page
    assert "notes.txt" in page
    assert 'enctype="multipart/form-data"' in page


def test_the_plain_form_shows_a_refused_file_as_a_form_error(pair):
    alice, _bob, conversation = pair

    response = client_for(alice).post(
        f"/messages/{conversation.pk}/",
        {
            "body": "see",
            "client_id": "form-2",
            "attachments": [SimpleUploadedFile("x.png", b"<html></html>")],
        },
    )

    assert response.status_code == 400
    assert "This kind of file cannot be sent in the chat." in response.content.decode()
    assert Message.objects.count() == 0


# --- serving ------------------------------------------------------------------------------------


def test_participants_download_a_file_with_safe_headers(pair):
    alice, bob, conversation = pair
    report = upload_as(alice, conversation, b"%PDF-1.4\n1 0 obj\n", "Résumé café.pdf")
    services.message_send(
        sender=alice, conversation=conversation, body="", client_id="d", attachments=[report.pk]
    )

    response = client_for(bob).get(f"/messages/attachments/{report.pk}/")

    assert response.status_code == 200
    assert response.content == b"%PDF-1.4\n1 0 obj\n"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''R%C3%A9sum%C3%A9%20caf%C3%A9.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_a_reencoded_image_and_its_thumbnail_are_shown_inline(pair):
    alice, bob, conversation = pair
    photo = upload_as(alice, conversation, png(), "photo.png")
    services.message_send(
        sender=alice, conversation=conversation, body="", client_id="i", attachments=[photo.pk]
    )
    client = client_for(bob)

    full = client.get(f"/messages/attachments/{photo.pk}/")
    thumbnail = client.get(f"/messages/attachments/{photo.pk}/thumbnail/")

    assert full["Content-Type"] == "image/png"
    assert full["Content-Disposition"] == 'inline; filename="photo.png"'
    assert thumbnail["Content-Type"] == "image/jpeg"
    assert thumbnail["Content-Disposition"] == 'inline; filename="photo.jpg"'
    assert thumbnail.content[:3] == b"\xff\xd8\xff"
    assert thumbnail["X-Content-Type-Options"] == "nosniff"


def test_text_is_served_as_utf8_plain_text_to_download(pair):
    alice, bob, conversation = pair
    notes = upload_as(alice, conversation, "Café à 10 h\n".encode(), "notes.txt")
    services.message_send(
        sender=alice, conversation=conversation, body="", client_id="t", attachments=[notes.pk]
    )

    response = client_for(bob).get(f"/messages/attachments/{notes.pk}/")

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")


def test_anyone_but_a_participant_gets_the_same_404(pair):
    alice, _bob, conversation = pair
    photo = upload_as(alice, conversation, png(), "photo.png")
    services.message_send(
        sender=alice, conversation=conversation, body="", client_id="n", attachments=[photo.pk]
    )
    outsider = client_for(MemberFactory())

    answers = [
        outsider.get(f"/messages/attachments/{photo.pk}/"),
        outsider.get(f"/messages/attachments/{photo.pk}/thumbnail/"),
        outsider.get(f"/messages/attachments/{photo.pk + 1000}/"),
        outsider.get("/messages/attachments/99999999999999999999999/"),
    ]

    assert [r.status_code for r in answers] == [404, 404, 404, 404]


def test_an_anonymous_visitor_is_sent_to_the_login_page(pair):
    alice, _bob, conversation = pair
    photo = upload_as(alice, conversation, png(), "photo.png")

    response = Client().get(f"/messages/attachments/{photo.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_unsent_upload_is_seen_by_its_uploader_only(pair):
    alice, bob, conversation = pair
    photo = upload_as(alice, conversation, png(), "photo.png")

    assert client_for(alice).get(f"/messages/attachments/{photo.pk}/thumbnail/").status_code == 200
    assert client_for(bob).get(f"/messages/attachments/{photo.pk}/").status_code == 404


def test_files_live_outside_media_root_and_no_url_serves_them(pair, settings):
    from pathlib import Path

    alice, _bob, conversation = pair
    photo = upload_as(alice, conversation, png(), "photo.png")

    location = Path(attachment_storage().path(photo.path)).resolve()
    assert not location.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    with pytest.raises(NotImplementedError):
        attachment_storage().url(photo.path)
    assert client_for(alice).get(f"/media/{photo.path}").status_code == 404


# --- the socket ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_socket_send_with_attachments_reaches_the_other_member_and_a_resend_is_idempotent(tabs):
    from channels.db import database_sync_to_async

    @database_sync_to_async
    def given():
        alice, bob = MemberFactory(), MemberFactory()
        conversation = direct(alice, bob)
        return alice, bob, conversation, upload_as(alice, conversation, png(), "plan.png")

    alice, bob, conversation, photo = await given()
    alice_tab, bob_tab = await tabs(alice), await tabs(bob)
    frame = {"type": "send", "conversation": conversation.pk, "attachments": [photo.pk], "client_id": "s-1"}

    await alice_tab.send(frame)
    ack = await alice_tab.receive_type("ack")
    received = await bob_tab.receive_type("message")
    await alice_tab.send(frame)
    again = await alice_tab.receive_type("ack")

    assert ack["message"]["body"] == ""
    assert [a["id"] for a in ack["message"]["attachments"]] == [photo.pk]
    assert ack["message"]["attachments"][0]["thumbnail_url"] == f"/messages/attachments/{photo.pk}/thumbnail/"
    assert received["message"] == ack["message"]
    assert again["message"] == ack["message"]
    assert await database_sync_to_async(Message.objects.count)() == 1
    assert await bob_tab.nothing()


@pytest.mark.django_db(transaction=True)
async def test_a_socket_send_naming_someone_elses_upload_is_an_error_frame(tabs):
    from channels.db import database_sync_to_async

    @database_sync_to_async
    def given():
        alice, bob = MemberFactory(), MemberFactory()
        conversation = direct(alice, bob)
        return alice, conversation, upload_as(bob, conversation, png(), "bob.png")

    alice, conversation, bobs = await given()
    tab = await tabs(alice)

    await tab.send(
        {"type": "send", "conversation": conversation.pk, "attachments": [bobs.pk], "client_id": "s-2"}
    )
    error = await tab.receive_type("error")

    assert (error["code"], error["client_id"]) == ("attachment_unavailable", "s-2")
    assert await database_sync_to_async(Message.objects.count)() == 0


# --- sweeping -----------------------------------------------------------------------------------


def test_unsent_uploads_are_swept_by_the_hourly_job_after_a_day(pair, django_capture_on_commit_callbacks):
    alice, _bob, conversation = pair
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        stale = upload_as(alice, conversation, png(), "forgotten.png")
        sent = upload_as(alice, conversation, png(), "sent.png")
        services.message_send(
            sender=alice, conversation=conversation, body="", client_id="k", attachments=[sent.pk]
        )
    with time_machine.travel(start + timedelta(hours=20), tick=False):
        recent = upload_as(alice, conversation, png(), "recent.png")
    storage = attachment_storage()
    assert storage.exists(stale.path) and storage.exists(stale.thumbnail_path)

    later = start + timedelta(days=1, minutes=23)
    due = queue().read_periodic(later.replace(tzinfo=None))
    assert "attachments_sweep" in {task.name for task in due}
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        for task in due:
            if task.name == "attachments_sweep":
                queue().enqueue(task)
        assert run_jobs() >= 1

    assert set(Attachment.objects.values_list("pk", flat=True)) == {sent.pk, recent.pk}
    assert not storage.exists(stale.path) and not storage.exists(stale.thumbnail_path)
    assert storage.exists(sent.path)


def test_a_deleted_message_takes_its_files_along(pair, django_capture_on_commit_callbacks):
    alice, _bob, conversation = pair
    photo = upload_as(alice, conversation, png(), "photo.png")
    message = services.message_send(
        sender=alice, conversation=conversation, body="", client_id="z", attachments=[photo.pk]
    )

    with django_capture_on_commit_callbacks(execute=True):
        Message.objects.filter(pk=message.pk).delete()

    assert not attachment_storage().exists(photo.path)
    assert not attachment_storage().exists(photo.thumbnail_path)


def test_a_message_of_files_only_is_previewed_by_their_names(pair):
    alice, bob, conversation = pair
    plan = upload_as(alice, conversation, b"%PDF-1.4\n", "plan.pdf")
    services.message_send(
        sender=alice, conversation=conversation, body="", client_id="v", attachments=[plan.pk]
    )

    inbox = client_for(bob).get("/messages/").content.decode()

    assert "📎 plan.pdf" in inbox

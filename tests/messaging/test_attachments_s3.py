"""Attachments on an S3-compatible store (django-storages), against a real S3 API server (moto)."""

from __future__ import annotations

import io
import urllib.error
import urllib.request

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from PIL import Image

from messaging import services
from messaging.attachments import attachment_storage
from messaging.models import Attachment
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _client(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_an_attachment_on_s3_is_uploaded_sent_and_downloaded_by_participants_only(s3_bucket, settings):
    storages = {**settings.STORAGES, "attachments": s3_bucket.storages}
    alice, bob, outsider = MemberFactory(), MemberFactory(), MemberFactory()
    conversation = services.conversation_direct_get_or_create(member=alice, other=bob)
    services.request_accept(member=bob, conversation=conversation)
    image = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 160, 90)).save(image, "JPEG")

    with override_settings(STORAGES=storages):
        assert type(attachment_storage()).__name__ == "S3Storage"
        uploaded = _client(alice).post(
            "/api/messages/attachments",
            {
                "conversation": str(conversation.pk),
                "file": SimpleUploadedFile("terrasse.jpg", image.getvalue()),
            },
        )
        assert uploaded.status_code == 201
        attachment = Attachment.objects.get(pk=uploaded.json()["id"])
        services.message_send(
            sender=alice, conversation=conversation, body="", client_id="s3-1", attachments=[attachment.pk]
        )
        full = _client(bob).get(f"/messages/attachments/{attachment.pk}/")
        thumbnail = _client(bob).get(f"/messages/attachments/{attachment.pk}/thumbnail/")
        refused = _client(outsider).get(f"/messages/attachments/{attachment.pk}/")

    keys = {o["Key"] for o in s3_bucket.client.list_objects_v2(Bucket=s3_bucket.name)["Contents"]}
    assert keys == {f"attachments/{attachment.path}", f"attachments/{attachment.thumbnail_path}"}
    stored = s3_bucket.client.get_object(Bucket=s3_bucket.name, Key=f"attachments/{attachment.path}")[
        "Body"
    ].read()
    assert full.status_code == 200 and full.content == stored
    assert full["Content-Disposition"] == 'inline; filename="terrasse.jpg"'
    assert thumbnail.status_code == 200 and thumbnail.content[:3] == b"\xff\xd8\xff"
    assert refused.status_code == 404
    # Private: the object grants nothing to everyone or to any authenticated AWS user.
    for key in keys:
        grants = s3_bucket.client.get_object_acl(Bucket=s3_bucket.name, Key=key)["Grants"]
        grantees = {g["Grantee"].get("URI", g["Grantee"].get("ID")) for g in grants}
        assert not grantees & {
            "http://acs.amazonaws.com/groups/global/AllUsers",
            "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
        }
        assert {g["Permission"] for g in grants} == {"FULL_CONTROL"}
        with pytest.raises(urllib.error.HTTPError) as anonymous:
            urllib.request.urlopen(f"{s3_bucket.endpoint_url}/{s3_bucket.name}/{key}", timeout=10)
        assert anonymous.value.code == 403

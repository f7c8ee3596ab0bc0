"""A small world for the security tests: one space, its manager, staff, members with
conversations, a help request, an event and a trial request, and the five roles that ask."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from community.network.models import Event, Space, TrialRequest
from profiles.models import Member
from tests.factories import MemberFactory, SpaceFactory

ROLES = ("anonymous", "other", "manager", "staff", "member")


@dataclass
class World:
    space: Space
    member: Member  # the owner of the things below (profile, conversation, help request)
    other: Member  # another member with no part in them
    manager: Member  # manages `space`
    staff: Member
    peer: Member  # the member's correspondent
    hidden: Member  # a hidden profile
    conversation: object
    help_request: object
    event: Event
    trial: TrialRequest
    message: object = None  # the member's first message in `conversation`
    attachment: object = None  # an image the member sent in `conversation`

    def user(self, role: str) -> Member | None:
        return None if role == "anonymous" else getattr(self, role)

    def client(self, role: str, **defaults) -> Client:
        client = Client(**defaults)
        if (user := self.user(role)) is not None:
            client.force_login(user)
        return client


def build_world() -> World:
    from community.helpboard.services import help_request_create
    from messaging.services import conversation_direct_get_or_create, message_send

    space = SpaceFactory(name="La Fabrique", slug="la-fabrique")
    member = MemberFactory(
        username="alice",
        email="alice.secret@example.org",
        display_name="Alice Traductrice",
        home_space=space,
        offers=["translation"],
    )
    other = MemberFactory(username="bob", email="bob.secret@example.org", display_name="Bob Builder")
    manager = MemberFactory(username="manon", email="manon.secret@example.org", display_name="Manon Manager")
    space.managers.add(manager)
    staff = MemberFactory(
        username="stan",
        email="stan.secret@example.org",
        display_name="Stan Staff",
        is_staff=True,
        is_superuser=True,
    )
    peer = MemberFactory(username="carol", email="carol.secret@example.org", display_name="Carol Peer")
    hidden = MemberFactory(
        username="hugo",
        email="hugo.secret@example.org",
        display_name="Hugo Hidden",
        visibility=Member.Visibility.HIDDEN,
        offers=["translation"],
    )
    conversation = conversation_direct_get_or_create(member=member, other=peer)
    message = message_send(
        sender=member, conversation=conversation, body="Our private plans", client_id="world-1"
    )
    message_send(sender=peer, conversation=conversation, body="Secret reply", client_id="world-2")
    help_request = help_request_create(
        author=member,
        title="Need a Dutch translator",
        description="A contract of 3 pages to translate.",
        skills=["translation"],
        space=space,
    )
    starts = timezone.now() + dt.timedelta(days=3)
    event = Event.objects.create(
        space=space,
        title="Apéro réseau",
        description="Drinks",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        capacity=10,
        created_by=manager,
    )
    trial = TrialRequest.objects.create(
        space=space,
        name="Visitor Vera",
        email="vera.visitor@example.org",
        date=timezone.localdate() + dt.timedelta(days=2),
        message="I would like to try.",
    )
    attachment = _sent_image(member, conversation)
    return World(
        space,
        member,
        other,
        manager,
        staff,
        peer,
        hidden,
        conversation,
        help_request,
        event,
        trial,
        message,
        attachment,
    )


def _sent_image(member, conversation):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from messaging.attachments import attachment_upload
    from messaging.services import message_send

    data = io.BytesIO()
    Image.new("RGB", (32, 24), (40, 120, 200)).save(data, "PNG")
    upload = attachment_upload(
        uploader=member,
        conversation_id=conversation.pk,
        upload=SimpleUploadedFile("plan.png", data.getvalue()),
    )
    message_send(
        sender=member, conversation=conversation, body="", client_id="world-3", attachments=[upload.pk]
    )
    upload.refresh_from_db()
    return upload


@pytest.fixture
def world(db) -> World:
    return build_world()

"""Every page and API answer of one member's private data says `Cache-Control: no-store`
(community.core.private_pages), and the public ones are left to cache as they like."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from community.core.private_pages import NOT_PRIVATE, PRIVATE_PAGES, is_private_page
from tests.security.conftest import build_world

# Pages that must answer 200 to the member, so the header is checked on the real page.
SHOWN = {
    "messaging:inbox",
    "messaging:conversation",
    "messaging:search",
    "messaging:notifications",
    "notifications:preferences",
    "profiles:edit",
    "password_change",
    "community:my_hours",
    "api:conversations",
    "api:conversation_messages",
    "api:preferences_get",
}


def _routes(patterns=None, prefix: str = "", namespace: str = ""):
    """(view name, path pattern) of every named URL of the site."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern)


def _path(route: str, world) -> str:
    values = {
        "conversation_id": world.conversation.pk,
        "message_id": world.message.pk,
        "attachment_id": world.attachment.pk,
        "username": world.peer.username,
        "slug": world.space.slug,
        "pk": world.trial.pk,
        "decision": "accept",
        "action": "mute",
        "token": "not-a-token",
        "uidb64": "MQ",
    }
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return build_world()


def test_every_name_on_the_list_is_a_page_of_the_site():
    names = {name for name, _route in _routes()}

    assert PRIVATE_PAGES - names == set()
    assert NOT_PRIVATE - names == set()


@pytest.mark.parametrize("role", ["member", "manager"])
def test_every_private_page_says_no_store(world, role):
    client = world.client(role, raise_request_exception=False)
    private = [(name, route) for name, route in _routes() if is_private_page(name)]
    assert {name for name, _route in private} >= SHOWN

    missing = []
    for name, route in private:
        path = _path(route, world)
        if name in SHOWN and role == "member":
            response = client.get(path, {"q": "plans"} if name == "messaging:search" else {})
            assert response.status_code == 200, (name, path, response.status_code)
        else:
            response = client.get(path)
            assert response.status_code < 500, (name, path)
        if "no-store" not in response.get("Cache-Control", ""):
            missing.append(f"{name} {path} {response.status_code}: {response.get('Cache-Control')!r}")

    assert missing == []


def test_public_pages_and_attachments_keep_their_caching(world):
    client = world.client("member")

    home = client.get("/")
    space = client.get(f"/spaces/{world.space.slug}/")
    image = client.get(_path("messages/attachments/<int:attachment_id>/", world))

    assert "no-store" not in home.get("Cache-Control", "")
    assert "no-store" not in space.get("Cache-Control", "")
    assert image["Cache-Control"] == "private, max-age=86400"


def test_the_admin_says_no_store_too(world):
    response = world.client("staff").get("/admin/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]

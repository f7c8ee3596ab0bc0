"""The permission matrix: every URL and API endpoint, asked by the five roles, with the expected
status. A new URL pattern that is not in the matrix fails `test_every_url_pattern_is_in_the_matrix`,
so nothing is forgotten.

Roles (see conftest.World): anonymous; `member`, who owns the profile, conversation and help
request used; `other`, a member with no part in them; `manager` of the space; `staff`.
`LOGIN` means a redirect to the login page, `REDIRECT` any other redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import MemberFactory
from tests.security.conftest import ROLES, World

LOGIN = "login"
REDIRECT = "redirect"


def everyone(status) -> dict[str, Any]:
    return dict.fromkeys(ROLES, status)


def members(status, *, anonymous=LOGIN, **overrides) -> dict[str, Any]:
    return {**dict.fromkeys(ROLES, status), "anonymous": anonymous, **overrides}


def owner_only(status, *, others=404, anonymous=LOGIN, **overrides) -> dict[str, Any]:
    return {**dict.fromkeys(ROLES, others), "anonymous": anonymous, "member": status, **overrides}


def managers(status, *, others=403, anonymous=LOGIN) -> dict[str, Any]:
    return {**dict.fromkeys(ROLES, others), "anonymous": anonymous, "manager": status, "staff": status}


@dataclass
class Case:
    route: str
    path: str  # formatted with w=World
    expect: dict[str, Any]
    method: str = "get"
    data: dict | Callable[[World], dict] = field(default_factory=dict)
    label: str = ""
    headers: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.route}{' ' + self.label if self.label else ''}"


API_JSON = {"HTTP_ACCEPT": "application/json"}
# Keys of a browser's push subscription (a P-256 point and a 16-byte secret), base64url.
PUSH_P256DH = "BKf3nX5nxQPTwxEthPZ-GF8z23KLiBDPSdf9dpi-hNFgj3bAPWBXkY6MoPBpHF2QgrCz4jjANfNJZPQjsaKUsL4"
PUSH_AUTH = "MDEyMzQ1Njc4OWFiY2RlZg"

MATRIX: list[Case] = [
    # --- home, spaces, trials, check-ins, hours -------------------------------------------
    Case("", "/", everyone(200)),
    Case("spaces/", "/spaces/", everyone(200)),
    Case("spaces/<slug:slug>/", "/spaces/{w.space.slug}/", everyone(200)),
    Case("spaces/<slug:slug>/", "/spaces/no-such-space/", everyone(404), label="unknown"),
    Case("spaces/<slug:slug>/trial/", "/spaces/{w.space.slug}/trial/", everyone(200)),
    Case(
        "spaces/<slug:slug>/trial/",
        "/spaces/{w.space.slug}/trial/",
        everyone(400),
        method="post",
        data={"name": "", "email": "not-an-email"},
        label="bad form",
    ),
    Case("spaces/<slug:slug>/trial/sent/", "/spaces/{w.space.slug}/trial/sent/", everyone(200)),
    Case(
        "spaces/<slug:slug>/check-in/", "/spaces/{w.space.slug}/check-in/", members(REDIRECT), method="post"
    ),
    Case("spaces/<slug:slug>/check-in/", "/spaces/{w.space.slug}/check-in/", members(405), label="GET"),
    Case("spaces/<slug:slug>/manage/", "/spaces/{w.space.slug}/manage/", managers(200)),
    Case(
        "spaces/<slug:slug>/manage/trials/<int:pk>/<str:decision>/",
        "/spaces/{w.space.slug}/manage/trials/{w.trial.pk}/accept/",
        managers(REDIRECT),
        method="post",
    ),
    Case(
        "spaces/<slug:slug>/manage/trials/<int:pk>/<str:decision>/",
        "/spaces/{w.space.slug}/manage/trials/{w.trial.pk}/explode/",
        members(404),
        method="post",
        label="unknown decision",
    ),
    Case("spaces/<slug:slug>/manage/hours.csv", "/spaces/{w.space.slug}/manage/hours.csv", managers(200)),
    Case(
        "spaces/<slug:slug>/manage/hours.csv",
        "/spaces/{w.space.slug}/manage/hours.csv?month=2026-13",
        managers(400),
        label="bad month",
    ),
    Case("spaces/<slug:slug>/manage/events/new/", "/spaces/{w.space.slug}/manage/events/new/", managers(200)),
    Case(
        "spaces/<slug:slug>/manage/events/new/",
        "/spaces/{w.space.slug}/manage/events/new/",
        managers(400),
        method="post",
        data={"title": ""},
        label="bad form",
    ),
    Case("check-out/", "/check-out/", members(REDIRECT), method="post"),
    Case("hours/", "/hours/", members(200)),
    # --- events ------------------------------------------------------------------------------
    Case("events/", "/events/", everyone(200)),
    Case("events/feed.ics", "/events/feed.ics", everyone(200)),
    Case("events/<int:pk>/", "/events/{w.event.pk}/", everyone(200)),
    Case("events/<int:pk>/", "/events/999999/", everyone(404), label="unknown"),
    Case(
        "events/<int:pk>/rsvp/",
        "/events/{w.event.pk}/rsvp/",
        members(REDIRECT),
        method="post",
        data={"action": "going"},
    ),
    Case(
        "events/<int:pk>/rsvp/",
        "/events/{w.event.pk}/rsvp/",
        members(400),
        method="post",
        data={"action": "explode"},
        label="bad action",
    ),
    Case("events/<int:pk>/event.ics", "/events/{w.event.pk}/event.ics", everyone(200)),
    # --- accounts ------------------------------------------------------------------------------
    Case("accounts/signup/", "/accounts/signup/", members(REDIRECT, anonymous=200)),
    Case("accounts/login/", "/accounts/login/", members(REDIRECT, anonymous=200)),
    Case("accounts/logout/", "/accounts/logout/", everyone(REDIRECT), method="post"),
    Case("accounts/logout/", "/accounts/logout/", everyone(405), label="GET"),
    Case("accounts/password/change/", "/accounts/password/change/", members(200)),
    Case("accounts/password/change/done/", "/accounts/password/change/done/", members(200)),
    Case("accounts/password/reset/", "/accounts/password/reset/", everyone(200)),
    Case("accounts/password/reset/done/", "/accounts/password/reset/done/", everyone(200)),
    Case("accounts/reset/<uidb64>/<token>/", "/accounts/reset/MQ/bad-token/", everyone(200)),
    Case("accounts/reset/done/", "/accounts/reset/done/", everyone(200)),
    # Privacy (issue #18): one's own data page, archive and account; the texts for everyone.
    Case("accounts/terms/", "/accounts/terms/", everyone(200)),
    Case("accounts/privacy/", "/accounts/privacy/", everyone(200)),
    Case("accounts/data/", "/accounts/data/", members(200)),
    Case("accounts/data/export/", "/accounts/data/export/", members(REDIRECT), method="post"),
    Case("accounts/data/export/", "/accounts/data/export/", members(405), label="GET"),
    Case("accounts/data/export/<str:token>/", "/accounts/data/export/not-a-token/", members(404)),
    # Without the password: the form answers with its error, and nobody is deleted.
    Case("accounts/delete/", "/accounts/delete/", members(200), method="post"),
    Case("accounts/delete/", "/accounts/delete/", members(405), label="GET"),
    # --- profiles --------------------------------------------------------------------------------
    Case("members/", "/members/", everyone(200)),
    Case("members/me/edit/", "/members/me/edit/", members(200)),
    Case("members/skills/suggest/", "/members/skills/suggest/?prefix=tra", everyone(200)),
    Case("members/skills/suggest", "/members/skills/suggest?prefix=tra", everyone(200)),
    Case("members/<str:username>/", "/members/{w.member.username}/", members(200)),
    Case(
        "members/<str:username>/",
        "/members/{w.hidden.username}/",
        owner_only(404, others=404, anonymous=404),
        label="hidden",
    ),
    Case("members/<str:username>/", "/members/nobody-at-all/", everyone(404), label="unknown"),
    # --- search --------------------------------------------------------------------------------------
    Case("search/", "/search/?q=traducteur", everyone(200)),
    # --- messages ------------------------------------------------------------------------------------
    Case("messages/", "/messages/", members(200)),
    Case("messages/<int:conversation_id>/", "/messages/{w.conversation.pk}/", owner_only(200)),
    Case(
        "messages/<int:conversation_id>/",
        "/messages/{w.conversation.pk}/",
        owner_only(REDIRECT),
        method="post",
        data={"body": "hi", "client_id": "matrix-1"},
        label="send",
    ),
    Case("messages/<int:conversation_id>/", "/messages/99999999999999999999/", members(404), label="huge id"),
    Case(
        "messages/<int:conversation_id>/<str:action>/",
        "/messages/{w.conversation.pk}/mute/",
        owner_only(REDIRECT),
        method="post",
    ),
    Case(
        "messages/<int:conversation_id>/<str:action>/",
        "/messages/{w.conversation.pk}/mute/",
        members(405, other=405),
        label="GET",
    ),
    Case(
        "messages/<int:conversation_id>/members/add/",
        "/messages/{w.conversation.pk}/members/add/",
        owner_only(REDIRECT),
        method="post",
        data={"usernames": "carol"},
    ),
    Case(
        "messages/<int:conversation_id>/members/add/",
        "/messages/{w.conversation.pk}/members/add/",
        members(405, other=405),
        label="GET",
    ),
    Case(
        "messages/<int:conversation_id>/members/remove/",
        "/messages/{w.conversation.pk}/members/remove/",
        owner_only(REDIRECT),
        method="post",
        data={"username": "carol"},
    ),
    Case("messages/with/<str:username>/", "/messages/with/{w.peer.username}/", members(REDIRECT)),
    Case(
        "messages/with/<str:username>/", "/messages/with/{w.hidden.username}/", members(404), label="hidden"
    ),
    Case("messages/groups/new/", "/messages/groups/new/", members(200)),
    Case("messages/notifications/", "/messages/notifications/", members(200)),
    # --- help board ----------------------------------------------------------------------------------
    Case("help/", "/help/", members(200)),
    Case("help/new/", "/help/new/", members(200)),
    Case("help/new/", "/help/new/", members(400), method="post", data={"title": ""}, label="bad form"),
    Case("help/preferences/", "/help/preferences/", members(REDIRECT), method="post"),
    Case("help/<int:pk>/", "/help/{w.help_request.pk}/", members(200)),
    Case("help/<int:pk>/", "/help/999999/", members(404), label="unknown"),
    Case("help/<int:pk>/edit/", "/help/{w.help_request.pk}/edit/", owner_only(200, others=403)),
    Case(
        "help/<int:pk>/reply/",
        "/help/{w.help_request.pk}/reply/",
        members(REDIRECT),
        method="post",
        data={"body": "I can help with that."},
    ),
    Case(
        "help/<int:pk>/reply/",
        "/help/{w.help_request.pk}/reply/",
        members(400),
        method="post",
        data={"body": ""},
        label="empty",
    ),
    Case(
        "help/<int:pk>/offer/",
        "/help/{w.help_request.pk}/offer/",
        members(REDIRECT, member=400),
        method="post",
    ),
    Case(
        "help/<int:pk>/solve/",
        "/help/{w.help_request.pk}/solve/",
        owner_only(REDIRECT, others=403),
        method="post",
    ),
    Case(
        "help/<int:pk>/close/",
        "/help/{w.help_request.pk}/close/",
        owner_only(REDIRECT, others=403),
        method="post",
    ),
    Case(
        "help/<int:pk>/reopen/",
        "/help/{w.help_request.pk}/reopen/",
        owner_only(400, others=403),
        method="post",
    ),
    Case(
        "help/<int:pk>/message/<str:username>/",
        "/help/{w.help_request.pk}/message/{w.member.username}/",
        members(200, member=403),
    ),
    # The author may write to anyone (direct messages are open to members anyway); others only to the
    # author, the matched members and those who replied.
    Case(
        "help/<int:pk>/message/<str:username>/",
        "/help/{w.help_request.pk}/message/{w.other.username}/",
        members(403, member=200),
        label="to a stranger",
    ),
    Case(
        "help/<int:pk>/message/<str:username>/",
        "/help/{w.help_request.pk}/message/{w.hidden.username}/",
        members(404),
        label="to a hidden member",
    ),
    # --- JSON API ------------------------------------------------------------------------------------
    Case("api/openapi.json", "/api/openapi.json", everyone(200)),
    Case("api/", "/api/", everyone(404)),
    Case("api/search/members", "/api/search/members?q=traducteur", members(200, anonymous=401)),
    Case(
        "api/search/members",
        "/api/search/members?q=" + "x" * 600,
        members(400, anonymous=401),
        label="query too long",
    ),
    Case("api/skills/suggest", "/api/skills/suggest?prefix=tra", members(200, anonymous=401)),
    Case("api/conversations/", "/api/conversations/", members(200, anonymous=401)),
    Case(
        "api/messages/<int:message_id>",
        "/api/messages/{w.message.pk}",
        owner_only(200, anonymous=401),
        method="patch",
        data={"body": "Our new plans"},
        headers={"content_type": "application/json"},
    ),
    Case(
        "api/messages/<int:message_id>",
        "/api/messages/{w.message.pk}",
        owner_only(200, anonymous=401),
        method="delete",
    ),
    Case(
        "api/messages/<int:message_id>/reactions",
        "/api/messages/{w.message.pk}/reactions",
        owner_only(200, anonymous=401),
        method="post",
        data={"emoji": "👍"},
        headers={"content_type": "application/json"},
    ),
    Case(
        "api/messages/attachments",
        "/api/messages/attachments",
        members(400, anonymous=401),
        method="post",
        data={"conversation": "1"},
        label="no file",
    ),
    Case("api/messages/search", "/api/messages/search?q=plans", members(200, anonymous=401)),
    Case("messages/search/", "/messages/search/?q=plans", members(200)),
    Case(
        "messages/attachments/<int:attachment_id>/",
        "/messages/attachments/{w.attachment.pk}/",
        owner_only(200),
    ),
    Case(
        "messages/attachments/<int:attachment_id>/thumbnail/",
        "/messages/attachments/{w.attachment.pk}/thumbnail/",
        owner_only(200),
    ),
    Case(
        "api/messages/member-suggestions",
        "/api/messages/member-suggestions?q=ca",
        members(200, anonymous=401),
    ),
    Case(
        "api/messages/member-suggestions",
        "/api/messages/member-suggestions?limit=500",
        members(400, anonymous=401),
        label="bad limit",
    ),
    Case(
        "api/conversations/",
        "/api/conversations/?folder=bogus",
        members(400, anonymous=401),
        label="bad folder",
    ),
    Case(
        "api/conversations/<conversation_id>/messages",
        "/api/conversations/{w.conversation.pk}/messages",
        owner_only(200, anonymous=401),
    ),
    Case(
        "api/conversations/<conversation_id>/messages",
        "/api/conversations/99999999999999999999999/messages",
        members(404, anonymous=401),
        label="huge id",
    ),
    Case("api/notifications/preferences", "/api/notifications/preferences", members(200, anonymous=401)),
    Case(
        "api/notifications/preferences",
        "/api/notifications/preferences",
        members(400, anonymous=401),
        method="patch",
        data={"messages": "sometimes"},
        label="a choice the topic does not offer",
        headers={"content_type": "application/json"},
    ),
    Case("api/notifications/push/key", "/api/notifications/push/key", members(200, anonymous=401)),
    Case(
        "api/notifications/push/subscriptions",
        "/api/notifications/push/subscriptions",
        members(200, anonymous=401),
    ),
    Case(
        "api/notifications/push/subscriptions",
        "/api/notifications/push/subscriptions",
        members(400, anonymous=401),
        method="post",
        data={"endpoint": "http://push.example.com/x", "keys": {"p256dh": PUSH_P256DH, "auth": PUSH_AUTH}},
        label="not https",
        headers={"content_type": "application/json"},
    ),
    # One device, one member: the first to allow it keeps it (each role posts in turn).
    Case(
        "api/notifications/push/subscriptions",
        "/api/notifications/push/subscriptions",
        {"anonymous": 401, "other": 201, "manager": 409, "staff": 409, "member": 409},
        method="post",
        data={
            "endpoint": "https://push.example.com/one-device",
            "keys": {"p256dh": PUSH_P256DH, "auth": PUSH_AUTH},
        },
        label="a device another member allowed",
        headers={"content_type": "application/json"},
    ),
    Case(
        "api/notifications/push/unsubscribe",
        "/api/notifications/push/unsubscribe",
        members(404, anonymous=401),
        method="post",
        data={"endpoint": "https://push.example.com/nobody"},
        label="not their device",
        headers={"content_type": "application/json"},
    ),
    # --- notifications -------------------------------------------------------------------------------
    Case("notifications/settings/", "/notifications/settings/", members(200)),
    Case(
        "notifications/devices/<int:pk>/remove/",
        "/notifications/devices/999999/remove/",
        members(404),
        method="post",
        label="not their device",
    ),
    Case(
        "notifications/devices/<int:pk>/remove/",
        "/notifications/devices/99999999999999999999/remove/",
        members(404),
        method="post",
        label="huge id",
    ),
    Case(
        "notifications/devices/<int:pk>/remove/",
        "/notifications/devices/1/remove/",
        members(405),
        label="GET",
    ),
    # --- the installable app ---------------------------------------------------------------------------
    Case("manifest.webmanifest", "/manifest.webmanifest", everyone(200)),
    Case("sw.js", "/sw.js", everyone(200)),
    Case("offline/", "/offline/?lang=nl", everyone(200)),
    Case(
        "notifications/unsubscribe/<str:token>/",
        "/notifications/unsubscribe/forged-token/",
        everyone(400),
        label="a token this site did not sign",
    ),
    # --- moderation ----------------------------------------------------------------------------------
    Case("moderation/", "/moderation/", managers(200)),
    Case("moderation/", "/moderation/?state=bogus&kind=planet", managers(200), label="bad filters"),
    Case(
        "moderation/report/<str:kind>/<int:object_id>/",
        "/moderation/report/help_request/{w.help_request.pk}/",
        members(200),
    ),
    Case(
        "moderation/report/<str:kind>/<int:object_id>/",
        "/moderation/report/event/{w.event.pk}/",
        members(400),
        method="post",
        data={"reason": "because"},
        label="bad reason",
    ),
    Case(
        "moderation/report/<str:kind>/<int:object_id>/",
        "/moderation/report/planet/1/",
        members(404),
        label="unknown kind",
    ),
    Case(
        "moderation/report/<str:kind>/<int:object_id>/",
        "/moderation/report/profile/{w.hidden.pk}/",
        members(404),
        method="post",
        data={"reason": "spam"},
        label="a hidden profile",
    ),
    Case("moderation/reports/<int:pk>/", "/moderation/reports/999999/", managers(404)),
    Case(
        "moderation/reports/<int:pk>/assign/",
        "/moderation/reports/999999/assign/",
        managers(404),
        method="post",
    ),
    Case(
        "moderation/reports/<int:pk>/resolve/",
        "/moderation/reports/999999/resolve/",
        managers(404),
        method="post",
        data={"action": "ban"},
    ),
    Case(
        "api/moderation/reports",
        "/api/moderation/reports",
        members(400, anonymous=401),
        method="post",
        data={"kind": "profile", "object_id": 1, "reason": "because"},
        label="bad reason",
        headers={"content_type": "application/json"},
    ),
    # --- i18n, media ---------------------------------------------------------------------------------
    Case("i18n/setlang/", "/i18n/setlang/", everyone(REDIRECT), method="post", data={"language": "fr"}),
    Case("i18n/js/", "/i18n/js/", everyone(200)),
    Case("media/<path:path>", "/media/avatars/nothing.png", everyone(404)),
    Case("media/<path:path>", "/media/../community/settings.py", everyone(400), label="traversal"),
]

# Patterns not in the matrix on purpose, with the reason.
NOT_IN_MATRIX = {
    "admin/": "the admin site: every registered model is checked by test_admin_is_staff_only",
}


def _walk(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def all_routes() -> set[str]:
    return {
        route
        for route in _walk(get_resolver().url_patterns)
        if not any(route.startswith(skipped) for skipped in NOT_IN_MATRIX)
    }


def test_every_url_pattern_is_in_the_matrix():
    covered = {case.route for case in MATRIX}

    missing = sorted(all_routes() - covered)
    stale = sorted(covered - all_routes())

    assert missing == [], f"URL patterns missing from the permission matrix: {missing}"
    assert stale == [], f"matrix rows for URL patterns that no longer exist: {stale}"


def _check(response, expected, where: str) -> None:
    status = response.status_code
    if expected == LOGIN:
        assert status == 302, f"{where}: expected a login redirect, got {status}"
        assert response.headers["Location"].startswith(reverse("login")), (
            f"{where}: {response.headers['Location']}"
        )
    elif expected == REDIRECT:
        assert status == 302, f"{where}: expected a redirect, got {status}"
        assert not response.headers["Location"].startswith(reverse("login")), f"{where}: sent to log in"
    else:
        assert status == expected, f"{where}: expected {expected}, got {status}"
    assert status < 500, where


def _area(case: Case) -> str:
    return case.route.split("/", 1)[0] or "home"


AREAS = sorted({_area(case) for case in MATRIX})


@pytest.mark.parametrize("area", AREAS)
def test_permission_matrix(world, area):
    # One world per area, each row in a savepoint rolled back after it: rows stay independent
    # (the owner goes last, so their successful writes never change what the others see), and
    # the world is built a dozen times instead of a hundred.
    from django.core.cache import cache
    from django.db import transaction

    rows = [case for case in MATRIX if _area(case) == area]
    failures = []
    for case in rows:
        path = case.path.format(w=world)
        data = case.data(world) if callable(case.data) else case.data
        with transaction.atomic():
            cache.clear()  # rate limits of earlier rows
            for role in ROLES:
                client = world.client(role, raise_request_exception=False)
                response = getattr(client, case.method)(path, data, **case.headers)
                try:
                    _check(response, case.expect[role], f"{case.id} as {role} ({path})")
                except AssertionError as error:
                    failures.append(str(error))
                    if response.status_code >= 500:
                        break  # the transaction may be unusable after a server error
            transaction.set_rollback(True)

    assert rows
    assert failures == []


def test_api_token_sees_what_the_session_sees(world):
    from profiles.models import ApiToken

    ApiToken.objects.create(member=world.member, key="token-of-alice-0123456789")
    ApiToken.objects.create(member=world.other, key="token-of-bob-0123456789")
    client = world.client("anonymous")
    path = f"/api/conversations/{world.conversation.pk}/messages"

    owner = client.get(path, HTTP_AUTHORIZATION="Token token-of-alice-0123456789")
    stranger = client.get(path, HTTP_AUTHORIZATION="Token token-of-bob-0123456789")
    forged = client.get(path, HTTP_AUTHORIZATION="Token not-a-real-token")

    assert owner.status_code == 200
    assert [m["body"] for m in owner.json()["results"]] == [
        "Our private plans",
        "Secret reply",
        "",
    ]  # then an image
    assert stranger.status_code == 404
    assert stranger.json()["error"] == "not_found"
    assert forged.status_code == 401
    assert forged.json() == {"error": "unauthenticated", "detail": forged.json()["detail"]}


def test_deactivated_member_loses_api_and_pages(world):
    from profiles.models import ApiToken

    ApiToken.objects.create(member=world.member, key="token-of-alice-0123456789")
    client = world.client("member")
    world.member.is_active = False
    world.member.save(update_fields=["is_active"])

    page = client.get("/messages/")
    api = world.client("anonymous").get(
        "/api/conversations/", HTTP_AUTHORIZATION="Token token-of-alice-0123456789"
    )

    assert page.status_code == 302 and page.headers["Location"].startswith(reverse("login"))
    assert api.status_code == 401


def test_admin_is_staff_only(world):
    # Every registered model's list and add pages: members and managers are sent to the admin
    # login, staff (superuser) gets the page, and no admin page errors.
    urls = ["/admin/"]
    for model in admin.site._registry:
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert len(urls) > 10

    for role in ("anonymous", "member", "manager", "staff"):
        client = world.client(role, raise_request_exception=False)
        for url in urls:
            response = client.get(url)
            if role == "staff":
                assert response.status_code == 200, f"{url} as staff: {response.status_code}"
            else:
                assert response.status_code == 302, f"{url} as {role}: {response.status_code}"
                assert response.headers["Location"].startswith("/admin/login/"), url


def test_post_only_endpoints_refuse_cross_site_posts(world):
    # CSRF: a logged-in member's browser tricked into posting from another site gets 403.
    client = world.client("member", enforce_csrf_checks=True)

    for path in (
        f"/messages/{world.conversation.pk}/",
        f"/help/{world.help_request.pk}/close/",
        f"/events/{world.event.pk}/rsvp/",
        "/members/me/edit/",
        "/accounts/logout/",
    ):
        response = client.post(path, {"body": "x", "action": "going", "client_id": "csrf-1"})
        assert response.status_code == 403, path

    world.help_request.refresh_from_db()
    assert world.help_request.status == "open"


def test_a_hidden_member_stays_reachable_in_an_existing_conversation(world):
    from messaging.services import conversation_direct_get_or_create

    conversation = conversation_direct_get_or_create(member=world.hidden, other=world.member)

    response = world.client("member").get(f"/messages/with/{world.hidden.username}/")
    stranger = world.client("other").get(f"/messages/with/{world.hidden.username}/")

    assert response.status_code == 302
    assert response.headers["Location"] == conversation.get_absolute_url()
    assert stranger.status_code == 404


SAME_SITE = b"http://localhost"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("who", "origin", "accepted"),
    [
        ("anonymous", SAME_SITE, False),
        ("member", SAME_SITE, True),
        ("staff", SAME_SITE, True),
        ("inactive", SAME_SITE, False),
        ("member", b"http://evil.example", False),
        ("member", b"http://localhost.evil.example", False),
        ("member", None, False),
        ("member", b"null", False),
    ],
    ids=[
        "anonymous",
        "member",
        "staff",
        "deactivated",
        "foreign-origin",
        "lookalike-origin",
        "no-origin",
        "null-origin",
    ],
)
async def test_chat_socket_wants_an_active_member_from_an_allowed_origin(who, origin, accepted):
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator

    from community.asgi import application
    from tests.fixtures.daphne import cookie_header

    def given():
        if who == "anonymous":
            return ""
        member = MemberFactory(is_staff=who == "staff", is_active=who != "inactive")
        return cookie_header(member)

    cookie = await database_sync_to_async(given)()
    headers = [(b"host", b"localhost")] + ([(b"origin", origin)] if origin is not None else [])
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    socket = WebsocketCommunicator(application, "/ws/chat/", headers=headers)

    connected, _ = await socket.connect()
    await socket.disconnect()

    assert connected is accepted


def test_a_token_writes_without_csrf_and_a_session_still_needs_it(world):
    # Browsers send cookies on their own, so a session's write needs its CSRF token; a script's
    # token is sent on purpose, so it needs none. Checked with CSRF enforced, as in production.
    from django.test import Client

    from profiles.models import ApiToken

    ApiToken.objects.create(member=world.member, key="token-of-alice-0123456789")
    path = f"/api/messages/{world.message.pk}"
    script = Client(enforce_csrf_checks=True)
    edited = script.patch(
        path,
        {"body": "Edited by a script"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Token token-of-alice-0123456789",
    )
    preferences = script.patch(
        "/api/notifications/preferences",
        {"mentions": "digest"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Token token-of-alice-0123456789",
    )
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.member)
    forged = browser.patch(path, {"body": "Forged"}, content_type="application/json")

    assert edited.status_code == 200 and edited.json()["body"] == "Edited by a script"
    assert preferences.status_code == 200
    assert forged.status_code == 403
    world.message.refresh_from_db()
    assert world.message.body == "Edited by a script"

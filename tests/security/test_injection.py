"""HTML and JavaScript typed into every text field stays text everywhere it is shown: pages,
search highlights, htmx fragments, the JSON API and the scripts that consume it.

Mallory puts markup in her profile, skills, messages, a help request, a group name, an event and
a free trial request; every page that shows them is fetched by the people who would see them,
and none may contain her markup unescaped. The live paths (chat over the WebSocket, search as
you type) are checked in a real browser in tests/browser/test_injection_journey.py.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import MemberFactory, SpaceFactory
from tests.fixtures.search_engine import eventually

ROOT = Path(__file__).resolve().parents[2]

# Breaks out of an attribute, opens tags with handlers; short enough for a display name (80).
PAYLOAD = "\"'><img src=x onerror=alert(1)><script>alert(2)</script>"
SKILL_PAYLOAD = "<b onmouseover=alert(3)>logo</b>"
URL_PAYLOAD = "javascript:alert(4)"
# What must never appear in a response body: the markup, live.
LIVE_MARKUP = re.compile(r"<img src=x onerror|<script>alert\(2\)|<b onmouseover=|\"'><img", re.I)


@pytest.fixture
def evil(db, django_capture_on_commit_callbacks):
    # Run the after-commit work (search index, notifications) as real commits would.
    return _build_evil(lambda: django_capture_on_commit_callbacks(execute=True))


def _build_evil(commit) -> dict:
    with commit():
        people = _build_people()
    with commit():
        return _build_content(**people)


def _build_people() -> dict:
    from community.network.services import check_in_start
    from profiles.services import member_update_profile

    space = SpaceFactory(name="Coworking Namur", slug="coworking-namur", city="Namur")
    manager = MemberFactory(username="manager", home_space=space)
    space.managers.add(manager)
    victim = MemberFactory(username="victim", display_name="Victor Victim", home_space=space)
    member_update_profile(member=victim, skills_offered=["graphic design"], skills_wanted=[])
    mallory = MemberFactory(username="mallory", home_space=space)
    member_update_profile(
        member=mallory,
        display_name=PAYLOAD,
        headline=PAYLOAD,
        profession=PAYLOAD[:100],
        bio=PAYLOAD * 3,
        skills_offered=[SKILL_PAYLOAD, "translation"],
        skills_wanted=[SKILL_PAYLOAD],
    )
    mallory.refresh_from_db()
    check_in_start(member=mallory, space=space)
    return {"space": space, "manager": manager, "victim": victim, "mallory": mallory}


def _build_content(*, space, manager, victim, mallory) -> dict:
    from community.helpboard.services import help_reply_create, help_request_create
    from community.network.services import event_create
    from messaging.services import conversation_direct_get_or_create, group_create, message_send

    direct = conversation_direct_get_or_create(member=mallory, other=victim)
    message_send(sender=mallory, conversation=direct, body=PAYLOAD, client_id="evil-1")
    group = group_create(creator=mallory, title=PAYLOAD, members=[victim])
    message_send(sender=mallory, conversation=group, body=PAYLOAD + " logo", client_id="evil-2")

    help_request = help_request_create(
        author=mallory,
        title=PAYLOAD,
        description=PAYLOAD + " I need a logo designer",
        skills=["graphic design"],
        space=space,
    )
    help_reply_create(help_request=help_request, author=mallory, body=PAYLOAD)

    starts = timezone.now() + dt.timedelta(days=4)
    event = event_create(
        by=manager,
        space=space,
        title=PAYLOAD,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        description=PAYLOAD,
        place=PAYLOAD,
    )
    from community.network.models import RSVP

    RSVP.objects.create(event=event, member=mallory, status=RSVP.Status.GOING, requested_at=timezone.now())
    from community.network.models import TrialRequest

    TrialRequest.objects.create(
        space=space,
        name=PAYLOAD,
        email="mallory@example.org",
        message=PAYLOAD,
        date=timezone.localdate() + dt.timedelta(days=3),
    )
    return {
        "space": space,
        "manager": manager,
        "victim": victim,
        "mallory": mallory,
        "direct": direct,
        "group": group,
        "help_request": help_request,
        "event": event,
    }


def _client(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


ESCAPED = re.compile(r"&lt;script&gt;alert\(2\)|&lt;b onmouseover=|&lt;img src=x onerror")


def _assert_inert(response, where: str, *, shown: bool = True) -> None:
    assert response.status_code == 200, f"{where}: {response.status_code}"
    body = response.content.decode()
    found = LIVE_MARKUP.search(body)
    assert found is None, (
        f"{where}: live markup {found.group(0)!r} near: {body[max(0, found.start() - 200) : found.end() + 100]}"
    )
    if shown:  # the page did show Mallory's text (escaped), so the check above meant something
        assert ESCAPED.search(body), f"{where}: Mallory's text is not on the page at all"


def test_markup_in_every_field_is_escaped_on_every_page(evil):
    victim, manager = _client(evil["victim"]), _client(evil["manager"])
    space, event, help_request = evil["space"], evil["event"], evil["help_request"]

    pages = {
        "home": (victim, "/"),
        "directory": (victim, "/members/"),
        # The directory's text goes through the search: a word of Mallory's headline finds her.
        "directory search": (victim, "/members/?q=logo+alert"),
        "directory fragment": (victim, "/members/?q=logo+alert"),
        "profile": (victim, "/members/mallory/"),
        "search": (victim, "/search/?q=logo+alert+onerror+script"),
        "search fragment": (victim, "/search/?q=logo+alert"),
        "search by skill": (victim, "/search/?q=translation"),
        "inbox": (victim, "/messages/"),
        "requests folder": (victim, "/messages/?folder=requests"),
        "direct conversation": (victim, f"/messages/{evil['direct'].pk}/"),
        "group conversation": (victim, f"/messages/{evil['group'].pk}/"),
        "notifications": (victim, "/messages/notifications/"),
        "help board": (victim, "/help/"),
        "help request": (victim, f"/help/{help_request.pk}/"),
        "space": (victim, f"/spaces/{space.slug}/"),
        "events": (victim, "/events/"),
        "event": (victim, f"/events/{event.pk}/"),
        "manager page": (manager, f"/spaces/{space.slug}/manage/"),
    }
    # Mallory's first messages wait in the victim's requests folder, not in the inbox.
    not_shown = {"inbox"}
    problems = []
    for name, (client, path) in pages.items():
        headers = {"HTTP_HX_REQUEST": "true"} if "fragment" in name else {}
        try:
            _assert_inert(client.get(path, **headers), name, shown=name not in not_shown)
        except AssertionError as error:
            problems.append(str(error).splitlines()[0])
    assert problems == []


def test_markup_is_escaped_in_the_admin(evil):
    staff = MemberFactory(username="root", is_staff=True, is_superuser=True)
    client = _client(staff)

    for path in (
        "/admin/profiles/member/",
        f"/admin/profiles/member/{evil['mallory'].pk}/change/",
        "/admin/community/event/",
        "/admin/community/trialrequest/",
    ):
        _assert_inert(client.get(path), path)


def test_search_api_highlights_hold_only_mark_tags(evil):
    _assert_highlights_inert(evil)


@pytest.mark.slow
def test_elasticsearch_highlights_hold_only_mark_tags(elasticsearch_settings, evil):
    # Mallory was indexed into the real search engine too: its highlighter's output is checked.
    from search.selectors import search_members

    assert search_members(query="logo", searcher=evil["victim"], page_size=5).backend == "elasticsearch"
    eventually(lambda: _assert_highlights_inert(evil))  # indexed: searchable after a refresh
    page = _client(evil["victim"]).get("/search/", {"q": "logo alert onerror script img"})
    _assert_inert(page, "search page on Elasticsearch")


def _assert_highlights_inert(evil) -> None:
    response = _client(evil["victim"]).get("/api/search/members", {"q": "logo alert onerror script img"})

    assert response.status_code == 200
    hits = {hit["username"]: hit for hit in response.json()["results"]}
    assert "mallory" in hits
    for field, fragments in hits["mallory"]["highlights"].items():
        for fragment in fragments:
            tags = re.findall(r"</?([a-zA-Z][^\s>/]*)", fragment)
            assert set(tags) <= {"mark"}, f"highlight {field}: {fragment}"
    # Plain fields are data (JSON), shown by scripts through textContent: kept as typed.
    assert hits["mallory"]["display_name"] == PAYLOAD


def test_messages_api_returns_text_as_typed(evil):
    response = _client(evil["victim"]).get(f"/api/conversations/{evil['direct'].pk}/messages")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert [m["body"] for m in response.json()["results"]] == [PAYLOAD]


def test_profile_links_refuse_javascript_urls(evil):
    from django.core.exceptions import ValidationError

    from profiles.services import member_update_profile

    with pytest.raises(ValidationError):
        member_update_profile(member=evil["mallory"], website=URL_PAYLOAD)

    response = _client(evil["mallory"]).post(
        "/members/me/edit/", {"website": URL_PAYLOAD, "display_name": "M"}
    )
    assert response.status_code in (200, 400)
    assert "website" in response.context["form"].errors
    evil["mallory"].refresh_from_db()
    assert not evil["mallory"].website.startswith("javascript")


def test_notification_links_refuse_javascript_urls(evil):
    from community.notifications.services import NotificationError, notify

    with pytest.raises(NotificationError):
        notify(recipient=evil["victim"], kind="help_match", params={"title": "Click me"}, url=URL_PAYLOAD)


# ---------------------------------------------------------------------------------------------
# The scripts put user text in the page as text only.
# ---------------------------------------------------------------------------------------------

HTML_SINKS = re.compile(
    r"\.innerHTML\s*[+]?=|\.outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\("
)


def _our_scripts() -> list[Path]:
    return sorted(
        p
        for p in ROOT.glob("**/static/**/*.js")
        if not {".venv", "vendor", "staticfiles", "node_modules"} & set(p.parts)
    )


def test_our_scripts_never_write_html_from_strings():
    scripts = _our_scripts()
    assert len(scripts) >= 3

    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in scripts
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if HTML_SINKS.search(line)
    ]

    assert offenders == []


def test_templates_mark_safe_only_escaped_highlights():
    # Every `|safe` in a template is either a search highlight or a message snippet (escaped by search.highlight,
    # checked above) or a form help text (written by us, translatable). Anything new gets a look.
    allowed = re.compile(
        r"result\.highlights\.\w+\.0\|safe|result\.snippet\|safe|marked\|safe|field\.help_text\|safe"
    )
    offenders = []
    for path in sorted(ROOT.glob("**/templates/**/*.html")):
        if ".venv" in path.parts:
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            for match in re.finditer(r"[\w.]+\|safe\b", line):
                if not allowed.fullmatch(match.group(0)):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {match.group(0)}")

    assert offenders == []

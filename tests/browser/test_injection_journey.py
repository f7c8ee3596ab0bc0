"""Markup typed by a member stays text in the live paths a server-side test cannot see: search as
you type (htmx fragments with highlights), chat messages and notifications arriving over the
WebSocket and written into the page by chat.js. An alert() that ran would open a dialog."""

from __future__ import annotations

import pytest

from tests.browser.conftest import orm
from tests.factories import MemberFactory, SpaceFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAYLOAD = "\"'><img src=x onerror=alert(1)><script>alert(2)</script>"
INJECTED = "document.querySelectorAll('img[src=\"x\"], b[onmouseover], script:not([src]):not([type])').length"


def given_mallory_and_victim():
    from messaging.services import conversation_direct_get_or_create, message_send, request_accept
    from profiles.services import member_update_profile

    space = SpaceFactory(name="Coworking Liège", slug="coworking-liege", city="Liège")
    victim = MemberFactory(username="victim", display_name="Victor Victim", home_space=space)
    member_update_profile(member=victim, skills_offered=["graphic design"], skills_wanted=[])
    mallory = MemberFactory(username="mallory", home_space=space)
    member_update_profile(
        member=mallory,
        display_name=PAYLOAD,
        headline=PAYLOAD + " logo",
        bio=PAYLOAD + " logo design",
        skills_offered=["<b onmouseover=alert(3)>logo</b>", "translation"],
        skills_wanted=[],
    )
    conversation = conversation_direct_get_or_create(member=victim, other=mallory)
    message_send(sender=victim, conversation=conversation, body="Hello", client_id="x-1")
    request_accept(member=mallory, conversation=conversation)
    return space, victim, mallory, conversation


def test_markup_stays_text_in_live_search_chat_and_notifications(daphne_server, browser_session):
    space, victim, mallory, conversation = orm(given_mallory_and_victim)
    dialogs: list[str] = []

    tab = browser_session(daphne_server, name="victim")
    tab.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.login_as(victim)

    # Search as you type: the htmx fragment with Mallory's highlighted headline and skills
    tab.goto("/search/")
    tab.page.locator("#search-q").press_sequentially("logo", delay=40)
    tab.page.locator("#search-results").get_by_text(PAYLOAD, exact=False).first.wait_for()
    tab.page.locator("#search-results mark").first.wait_for()
    assert tab.page.evaluate(INJECTED) == 0
    tab.shot("search")

    # Chat: Mallory writes from her own browser; her message arrives live and chat.js writes it
    tab.goto(f"/messages/{conversation.pk}/")
    tab.wait_synced()
    seen = len(tab.frames)
    her = browser_session(daphne_server, name="mallory")
    her.login_as(mallory)
    her.goto(f"/messages/{conversation.pk}/")
    her.wait_synced()
    her.page.get_by_label("Message").fill(PAYLOAD)
    her.page.get_by_label("Message").press("Enter")
    # ... and posts a help request that the victim's skills match: a live notification
    her.goto("/help/new/")
    her.page.get_by_label("What do you need?").fill(PAYLOAD)
    her.page.get_by_label("Details").fill("I need a logo designer for " + PAYLOAD)
    her.page.get_by_label("Skills needed").fill("graphic design")
    her.page.get_by_role("button", name="Post my request").click()
    her.page.wait_for_url("**/help/*/")

    tab.wait_for_frame(lambda f: f.get("type") == "message" and f["message"]["body"] == PAYLOAD, after=seen)
    tab.page.locator("#chat-messages .chat-body", has_text="<script>alert(2)</script>").wait_for()
    tab.wait_for_frame(lambda f: f.get("type") == "notification", after=seen)
    tab.page.locator("#nav-notifications-list a", has_text="<script>alert(2)</script>").first.wait_for(
        state="attached"
    )
    tab.page.wait_for_timeout(300)  # let an injected image fail to load and fire onerror, if there were one
    tab.shot("chat")

    assert tab.page.evaluate(INJECTED) == 0
    assert dialogs == []

"""The main journey: a newcomer signs up, says what she does, asks "traducteur", finds the
translator, opens his profile and writes to him; he gets it live, answers, and she sees the answer
without reloading. Laptop and phone viewports."""

from __future__ import annotations

import pytest

from tests.browser.conftest import orm
from tests.factories import MemberFactory, SpaceFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "grafisch-ontwerp-2026"


def given_a_translator():
    from profiles.services import member_update_profile

    space = SpaceFactory(name="Coworking Sablon", slug="coworking-sablon")
    jan = MemberFactory(username="jan", display_name="Jan Peeters", home_space=space)
    member_update_profile(
        member=jan,
        headline="Vertaler FR/NL/EN, juridische teksten",
        profession="Vertaler",
        skills_offered=["translation"],
        skills_wanted=[],
        available=True,
    )
    # Someone who is no translator, so the search has to choose.
    other = MemberFactory(username="pieter", display_name="Pieter Claes", home_space=space)
    member_update_profile(
        member=other, headline="Boekhouder", skills_offered=["accounting"], skills_wanted=[]
    )
    return space, jan


def test_newcomer_finds_translator_and_they_chat_live(daphne_server, browser_session, viewport):
    from playwright.sync_api import expect

    space, jan = orm(given_a_translator)

    # Jan has his inbox open: his tab is live on the socket.
    jan_tab = browser_session(daphne_server, name="jan")
    jan_tab.login_as(jan)
    jan_tab.goto("/messages/")
    jan_tab.wait_synced()

    # Sofie signs up...
    sofie = browser_session(daphne_server, name="sofie")
    sofie.goto("/")
    sofie.nav("Join")
    page = sofie.page
    page.get_by_label("Username").fill("sofie")
    page.get_by_label("Email").fill("sofie@example.be")
    page.get_by_label("Display name").fill("Sofie Dubois")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("I accept the terms of use and the privacy notice").check()
    sofie.shot("signup")
    page.get_by_role("button", name="Create my account").click()

    # ... lands on her profile form and fills in her skills
    page.wait_for_url("**/members/me/edit/")
    page.get_by_label("Headline").fill("Graphiste indépendante")
    page.get_by_label("I can help with").fill("graphic design, logo")
    page.get_by_label("I am looking for").fill("translation")
    page.get_by_label("Home space").select_option(label=str(space))
    sofie.shot("profile-form")
    page.get_by_role("button", name="Save my profile").click()
    page.wait_for_url("**/members/sofie/")
    page.get_by_text("Your profile is saved.").wait_for()
    sofie.shot("own-profile")

    # She asks "who can help me?" in French and finds Jan, the translator
    sofie.nav("Who can help me?")
    page.wait_for_url("**/search/**")
    page.locator("#search-q").press_sequentially("traducteur", delay=40)
    result = page.locator("#search-results").get_by_role("link", name="Jan Peeters")
    result.wait_for()
    assert page.locator("#search-results").get_by_text("Pieter Claes").count() == 0
    sofie.shot("search")
    result.click()

    # She opens his profile and writes to him
    page.wait_for_url("**/members/jan/")
    sofie.shot("translator-profile")
    page.get_by_role("button", name="Send a message").click()
    page.wait_for_url("**/messages/*/")
    conversation_url = page.url
    sofie.wait_synced()
    page.evaluate("window.__sameDocument = true")  # gone if the page ever reloads
    question = "Bonjour Jan, pouvez-vous traduire mon site en néerlandais ?"
    page.get_by_label("Message").fill(question)
    page.get_by_role("button", name="Send").click()
    page.locator("#chat-messages .chat-body", has_text=question).wait_for()

    # Jan is told at once, without reloading: the unread badge in his header, on the Messages
    # link, or on a phone (where that link sits in the folded menu) on the menu button
    badge = jan_tab.page.locator("#nav-unread-folded" if viewport == "phone" else "#nav-unread")
    expect(badge).to_be_visible()
    expect(badge).to_have_text("1")
    jan_tab.shot("inbox-badge")

    # He opens the conversation and answers
    jan_tab.page.goto(conversation_url)
    jan_tab.page.locator("#chat-messages .chat-body", has_text=question).wait_for()
    jan_tab.wait_synced()
    answer = "Bonjour Sofie, avec plaisir ! Envoyez-moi les textes."
    jan_tab.page.get_by_label("Message").fill(answer)
    jan_tab.page.get_by_role("button", name="Send").click()
    jan_tab.page.locator("#chat-messages .chat-body", has_text=answer).wait_for()
    jan_tab.shot("conversation")

    # Sofie sees the answer appear on the same page, once
    page.locator("#chat-messages .chat-body", has_text=answer).wait_for()
    assert page.evaluate("window.__sameDocument") is True
    bodies = page.locator("#chat-messages .chat-body").all_inner_texts()
    assert bodies == [question, answer]
    sofie.shot("conversation")

"""Two members in a conversation use what Slack users expect: a mention picked from the list,
a reaction, an edit, a delete, and "Seen" once the other has read. Laptop and phone viewports."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import orm
from tests.factories import MemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def given_two_members_talking():
    from messaging import services

    lotte = MemberFactory(username="lotte", display_name="Lotte Janssens")
    karim = MemberFactory(username="karim", display_name="Karim Benali")
    conversation = services.conversation_direct_get_or_create(member=lotte, other=karim)
    services.request_accept(member=karim, conversation=conversation)
    services.message_send(sender=karim, conversation=conversation, body="Salut Lotte !", client_id="k-1")
    return lotte, karim, conversation.get_absolute_url()


def test_mention_react_edit_delete_and_seen(daphne_server, browser_session, viewport):
    from playwright.sync_api import expect

    lotte, karim, url = orm(given_two_members_talking)
    lotte_tab = browser_session(daphne_server, name="lotte")
    lotte_tab.login_as(lotte)
    lotte_tab.goto(url)
    lotte_tab.wait_synced()
    karim_tab = browser_session(daphne_server, name="karim")
    karim_tab.login_as(karim)
    karim_tab.goto(url)
    karim_tab.wait_synced()
    page, other = lotte_tab.page, karim_tab.page

    # Lotte starts a mention and picks Karim from the list with the keyboard
    composer = page.get_by_label("Message")
    composer.press_sequentially("Merci @kar", delay=30)
    option = page.get_by_role("option", name="Karim Benali @karim")
    expect(option).to_be_visible()
    lotte_tab.shot("mention-list")
    composer.press("Enter")
    expect(composer).to_have_value("Merci @karim ")
    composer.press_sequentially("pour le logo, voir https://example.org/logo", delay=10)
    page.get_by_role("button", name="Send").click()

    # Karim sees it live, his name marked and the link safe
    sent = other.locator(".chat-message", has_text="pour le logo")
    expect(sent.locator(".mention.me")).to_have_text("@karim")
    link = sent.get_by_role("link", name="https://example.org/logo")
    expect(link).to_have_attribute("rel", "noopener nofollow ugc")

    # He has read it: Lotte sees "Seen" under her message
    mine = page.locator(".chat-message.mine", has_text="pour le logo")
    expect(mine.locator(".chat-receipt")).to_have_text("Seen")

    # He reacts; Lotte sees the reaction, with the count
    sent.locator(".chat-bubble").click(position={"x": 6, "y": 6})  # a tap on a phone, a click on a laptop
    sent.get_by_role("button", name="React").click()
    sent.get_by_role("button", name="👍").click()
    expect(mine.locator(".chat-reaction")).to_have_text("👍 1")
    karim_tab.shot("reacted")

    # She corrects her message: he sees the new text and the edited mark
    mine.hover()
    mine.get_by_role("button", name="Edit").click()
    editor = mine.locator(".chat-edit textarea")
    editor.fill("Merci @karim pour le logo !")
    editor.press("Enter")
    expect(sent.locator(".chat-body")).to_have_text("Merci @karim pour le logo !")
    expect(sent.locator(".chat-edited")).to_be_visible()
    expect(sent.locator(".chat-reaction")).to_have_text("👍 1")  # the reaction stays

    # She sends one more by mistake and deletes it: a placeholder on both sides
    composer.fill("Mauvaise conversation, désolée")
    page.get_by_role("button", name="Send").click()
    oops = page.locator(".chat-message.mine", has_text="Mauvaise conversation")
    page.once("dialog", lambda dialog: dialog.accept())
    oops.hover()
    oops.get_by_role("button", name="Delete").click()
    expect(other.locator(".chat-message.deleted .chat-body")).to_have_text("Message deleted")
    expect(other.get_by_text("Mauvaise conversation")).to_have_count(0)
    lotte_tab.shot("after-delete")

    # A reload shows the same state from the server
    other.reload()
    expect(other.locator(".chat-message.deleted .chat-body")).to_have_text("Message deleted")
    expect(other.locator(".chat-message", has_text="pour le logo").locator(".chat-edited")).to_be_visible()


def test_a_tab_whose_session_ended_leaves_the_chat_for_the_login_page(daphne_server, browser_session):
    from playwright.sync_api import expect

    lotte, _karim, url = orm(given_two_members_talking)
    tab = browser_session(daphne_server, name="lotte")
    tab.login_as(lotte)
    tab.goto(url)
    tab.wait_synced()
    tab.allow_console("WebSocket")  # the refused reconnection

    # She logs out in another tab of the same browser
    other_tab = tab.context.new_page()
    other_tab.goto(daphne_server.http_url + "/")
    other_tab.locator("form[action$='/logout/'] button").evaluate("button => button.form.requestSubmit()")
    other_tab.wait_for_url("**/")

    # The conversation's socket is closed (4001), refused again, and the tab reloads into the login
    expect(tab.page).to_have_url(re.compile(r"/login/"))
    tab.shot("login")

"""A member reports a message from the chat's message actions; a moderator finds it in the queue,
takes it and hides it: the message reads as removed on the member's page. Laptop and phone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import orm
from tests.factories import MemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def given_a_spammer_writing_to_a_member():
    from messaging import services

    lotte = MemberFactory(username="lotte", display_name="Lotte Janssens")
    spammer = MemberFactory(username="spammer", display_name="Sam Spammer")
    moderator = MemberFactory(username="mona", display_name="Mona Moderator", is_staff=True)
    conversation = services.conversation_direct_get_or_create(member=spammer, other=lotte)
    services.request_accept(member=lotte, conversation=conversation)
    services.message_send(
        sender=spammer, conversation=conversation, body="Cheap pills here!", client_id="s-1"
    )
    return lotte, moderator, conversation.get_absolute_url()


def test_a_member_reports_a_message_and_a_moderator_hides_it(daphne_server, browser_session, viewport):
    from playwright.sync_api import expect

    lotte, moderator, url = orm(given_a_spammer_writing_to_a_member)
    lotte_tab = browser_session(daphne_server, name="lotte")
    lotte_tab.login_as(lotte)
    lotte_tab.goto(url)
    lotte_tab.wait_synced()
    page = lotte_tab.page

    # Lotte opens the message's actions and reports it as spam, with a note
    message_id = page.locator(".chat-message", has_text="Cheap pills here!").get_attribute("data-id")
    spam = page.locator(f'.chat-message[data-id="{message_id}"]')
    spam.locator(".chat-bubble").click(position={"x": 6, "y": 6})
    spam.get_by_role("button", name="Report").click()
    form = spam.locator(".chat-report")
    form.get_by_label("Why are you reporting this?").select_option("spam")
    form.get_by_label("Anything the moderators should know (optional)").fill("Sent to everyone")
    lotte_tab.shot("report-form")
    form.get_by_role("button", name="Send the report").click()
    expect(form.get_by_role("status")).to_have_text("Thank you: the moderators will look at your report.")

    # Mona finds it in her queue, takes it and hides the message
    mona_tab = browser_session(daphne_server, name="mona")
    mona_tab.login_as(moderator)
    mona_tab.goto("/moderation/")
    queue = mona_tab.page
    row = queue.locator(".report-row", has_text="Spam or advertising")
    expect(row).to_have_count(1)
    mona_tab.shot("queue")
    row.get_by_role("link", name="Open").click()
    expect(queue.locator(".report-excerpt")).to_contain_text("Cheap pills here!")
    queue.get_by_role("button", name="Assign to me").click()
    queue.get_by_label("Hide the content").check()
    queue.get_by_label("Note for the audit trail (a warning sends it to the author)").fill("Spam")
    queue.get_by_role("button", name="Resolve").click()
    expect(queue.get_by_text("The report is resolved.")).to_be_visible()
    mona_tab.shot("resolved")

    # Lotte's open page shows the message as removed, live
    expect(spam.locator(".chat-body")).to_have_text("Message deleted")
    expect(page.get_by_text("Cheap pills here!")).to_have_count(0)
    lotte_tab.shot("removed")

"""A group made with the member picker (type, pick with the keyboard, create), and the conversation
page's column: with a long history the Send button stays inside the viewport, laptop and phone."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import orm
from tests.factories import MemberFactory, SpaceFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def given_members():
    from messaging import services
    from profiles.models import Member

    space = SpaceFactory(name="Coworking Gent Dok", slug="gent-dok")
    carla = MemberFactory(username="carla", display_name="Carla Claes")
    bert = MemberFactory(username="bertv", display_name="Bert Vermeulen", home_space=space)
    MemberFactory(username="berthidden", display_name="Bert Hidden", visibility=Member.Visibility.HIDDEN)
    # A long direct conversation: its history is far taller than any screen.
    talk = services.conversation_direct_get_or_create(member=carla, other=bert)
    services.request_accept(member=bert, conversation=talk)
    for n in range(40):
        services.message_import(
            sender=carla if n % 2 else bert,
            conversation=talk,
            body=f"Message {n}: " + "a fairly long line of chat text " * 3,
            client_id=f"seed-{n}",
            created=talk.created,
        )
    return carla, bert, talk


def _send_is_on_screen(page) -> None:
    send = page.locator("#chat-form").get_by_role("button", name="Send")
    box = send.bounding_box()
    size = page.viewport_size
    assert box is not None
    assert 0 <= box["y"] and box["y"] + box["height"] <= size["height"], (box, size)
    assert 0 <= box["x"] and box["x"] + box["width"] <= size["width"], (box, size)


def test_a_group_from_the_picker_and_send_always_on_screen(daphne_server, browser_session, viewport):
    from playwright.sync_api import expect

    carla, bert, talk = orm(given_members)
    tab = browser_session(daphne_server, name="carla")
    tab.login_as(carla)
    page = tab.page

    # The long conversation: the newest message and the Send button both on screen.
    tab.goto(f"/messages/{talk.pk}/")
    tab.wait_synced()
    _send_is_on_screen(page)
    expect(page.locator("#chat-messages li").last).to_be_in_viewport()
    tab.shot("long-conversation")

    # A new group: type, pick with the keyboard, create.
    tab.goto("/messages/groups/new/")
    page.get_by_label("Group name").fill("Vélo-boulot")
    search = page.get_by_role("combobox", name="Members")
    search.press_sequentially("ber", delay=40)
    listbox = page.get_by_role("listbox")
    expect(listbox.get_by_role("option")).to_have_count(1)
    option = listbox.get_by_role("option").first
    expect(option).to_contain_text("Bert Vermeulen")
    expect(option).to_contain_text("@bertv · Coworking Gent Dok")
    assert listbox.get_by_text("Bert Hidden").count() == 0
    search.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    search.press("Enter")
    chip = page.locator(".member-picker-chip")
    expect(chip).to_have_count(1)
    expect(chip).to_contain_text("Bert Vermeulen")
    expect(page.get_by_role("button", name="Remove Bert Vermeulen")).to_be_visible()
    tab.shot("picker")
    page.get_by_role("button", name="Create the group").click()

    page.wait_for_url(re.compile(r"/messages/\d+/$"))
    expect(page.locator("h1")).to_contain_text("Vélo-boulot")
    expect(page.locator("#chat-member-list")).to_have_text("Bert Vermeulen")
    tab.wait_synced()
    _send_is_on_screen(page)

    # A message sent live carries a Belgian date and a 24-hour time.
    page.locator("#chat-form textarea").fill("Zaterdag fietsen?")
    page.locator("#chat-form").get_by_role("button", name="Send").click()
    stamp = page.locator("#chat-messages .chat-message.mine time").last
    expect(stamp).to_have_text(re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$"), timeout=15_000)
    _send_is_on_screen(page)
    tab.shot("group")

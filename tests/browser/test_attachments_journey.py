"""Files and images in the chat: Anne attaches a photo with the button and drops a text file on
the conversation; Jan, on the same conversation, sees the thumbnail and the file link live, and
opens them. Laptop and phone viewports."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.browser.conftest import orm
from tests.factories import MemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def given_a_conversation():
    from messaging.services import conversation_direct_get_or_create, request_accept

    anne = MemberFactory(username="anne", display_name="Anne Dupont")
    jan = MemberFactory(username="jan", display_name="Jan Peeters")
    conversation = conversation_direct_get_or_create(member=anne, other=jan)
    request_accept(member=jan, conversation=conversation)
    return anne, jan, conversation


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (30, 120, 180)).save(out, "JPEG")
    return out.getvalue()


def test_a_photo_and_a_dropped_file_reach_the_other_member_live(daphne_server, browser_session, viewport):
    from playwright.sync_api import expect

    anne, jan, conversation = orm(given_a_conversation)
    path = f"/messages/{conversation.pk}/"
    jan_tab = browser_session(daphne_server, name="jan")
    jan_tab.login_as(jan)
    jan_tab.goto(path)
    jan_tab.wait_synced()
    anne_tab = browser_session(daphne_server, name="anne")
    anne_tab.login_as(anne)
    anne_tab.goto(path)
    anne_tab.wait_synced()
    page = anne_tab.page

    # The button opens the file chooser; the upload waits in the tray.
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Attach a file").click()
    chooser.value.set_files({"name": "terrasse.jpg", "mimeType": "image/jpeg", "buffer": photo()})
    expect(page.locator(".chat-tray-item.ready img")).to_be_visible()
    # A file dropped on the conversation joins it.
    page.evaluate(
        """() => {
            const data = new DataTransfer();
            data.items.add(new File(["Agenda: coffee at 10\\n"], "agenda.txt", { type: "text/plain" }));
            const chat = document.getElementById("chat");
            chat.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true, cancelable: true }));
            chat.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
        }"""
    )
    expect(page.locator(".chat-tray-item.ready")).to_have_count(2)
    anne_tab.shot("tray")
    page.get_by_label("Message").fill("La terrasse, et l'ordre du jour")
    page.get_by_role("button", name="Send").click()

    mine = page.locator(".chat-message.mine[data-id]")
    expect(mine.locator(".chat-attachment-image img")).to_be_visible()
    expect(page.locator("#chat-tray")).to_be_hidden()
    theirs = jan_tab.page.locator(".chat-message[data-id]").last
    expect(theirs.locator(".chat-body")).to_have_text("La terrasse, et l'ordre du jour")
    thumbnail = theirs.locator(".chat-attachment-image img")
    expect(thumbnail).to_be_visible()
    jan_tab.page.wait_for_function(
        "() => { const i = document.querySelector('.chat-attachment-image img'); return i && i.complete && i.naturalWidth > 0; }"
    )
    assert thumbnail.evaluate("(img) => img.naturalWidth") == 480
    expect(theirs.locator(".chat-attachment-file .chat-attachment-name")).to_have_text("agenda.txt")
    # Nothing wider than the phone's screen.
    assert jan_tab.page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    jan_tab.shot("received")

    # The file link downloads the file, through the permission-checked view.
    with jan_tab.page.expect_download() as download:
        theirs.locator(".chat-attachment-file a").click()
    assert download.value.suggested_filename == "agenda.txt"
    # After a reload the server renders the same attachments.
    jan_tab.goto(path)
    expect(
        jan_tab.page.locator(".chat-message[data-id]").last.locator(".chat-attachment-image img")
    ).to_be_visible()
    jan_tab.shot("reloaded")

    assert anne_tab.problems() == [] and jan_tab.problems() == []

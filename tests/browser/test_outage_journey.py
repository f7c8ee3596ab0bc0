"""The server dies in the middle of a conversation: Daphne is killed (SIGKILL, no goodbye) while
two members chat, and started again on the same port. Both pages reconnect by themselves, the
message typed during the outage is delivered, and no message is missing or shown twice."""

from __future__ import annotations

import pytest

from tests.browser.conftest import orm
from tests.factories import MemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Backoff with jitter reaches a few seconds after a few failed attempts; the restart itself takes
# seconds on a loaded 2-core machine.
RECONNECT_MS = 45_000


def given_a_conversation():
    from messaging.services import conversation_direct_get_or_create, message_send, request_accept

    sofie = MemberFactory(username="sofie", display_name="Sofie Dubois")
    jan = MemberFactory(username="jan", display_name="Jan Peeters")
    conversation = conversation_direct_get_or_create(member=sofie, other=jan)
    message_send(sender=sofie, conversation=conversation, body="Bonjour Jan !", client_id="seed-1")
    request_accept(member=jan, conversation=conversation)
    message_send(sender=jan, conversation=conversation, body="Dag Sofie!", client_id="seed-2")
    return sofie, jan, conversation


def bodies(session) -> list[str]:
    return session.page.locator("#chat-messages .chat-message .chat-body").all_inner_texts()


def test_both_pages_reconnect_after_a_crash_and_nothing_is_lost_or_doubled(daphne_server, browser_session):
    sofie, jan, conversation = orm(given_a_conversation)
    tabs = {}
    for member in (sofie, jan):
        tab = browser_session(daphne_server, name=member.username)
        tab.login_as(member)
        tab.goto(f"/messages/{conversation.pk}/")
        tab.wait_synced()
        tab.page.evaluate("window.__sameDocument = true")
        # While the server is down the browser logs its failed reconnection attempts.
        tab.allow_console(r"WebSocket connection to .* failed")
        tab.allow_console(r"ERR_CONNECTION_REFUSED")
        tabs[member.username] = tab
    she, he = tabs["sofie"], tabs["jan"]

    # A message goes through live before the crash
    she.page.get_by_label("Message").fill("Avant la panne")
    she.page.get_by_label("Message").press("Enter")
    he.page.locator("#chat-messages .chat-body", has_text="Avant la panne").wait_for()

    # When Daphne is killed, both pages notice their socket is gone
    frames_before = {name: len(tab.frames) for name, tab in tabs.items()}
    daphne_server.kill()
    for tab in tabs.values():
        tab.page.wait_for_function("window.CoworkingChat.state.socket === null")

    # Sofie writes during the outage: the page keeps it as pending and says it is offline
    she.page.get_by_label("Message").fill("Pendant la panne")
    she.page.get_by_label("Message").press("Enter")
    she.page.locator(
        "#chat-messages .chat-message.pending .chat-body", has_text="Pendant la panne"
    ).wait_for()
    she.page.locator("#chat-status").wait_for()
    she.shot("offline")

    # When the server is back on the same port, both pages reconnect without a reload
    daphne_server.start()
    for name, tab in tabs.items():
        tab.wait_for_frame(
            lambda f: f.get("type") == "synced", after=frames_before[name], timeout=RECONNECT_MS
        )

    # The outage message arrives at Jan's, once, and is confirmed at Sofie's
    he.page.locator("#chat-messages .chat-body", has_text="Pendant la panne").wait_for()
    she.page.locator("#chat-messages .chat-message.pending").wait_for(state="detached")
    assert she.page.locator("#chat-status").is_hidden()

    # And the conversation goes on live after the restart
    he.page.get_by_label("Message").fill("Na de panne")
    he.page.get_by_label("Message").press("Enter")
    she.page.locator("#chat-messages .chat-body", has_text="Na de panne").wait_for()
    he.page.locator("#chat-messages .chat-body", has_text="Na de panne").wait_for()

    expected = ["Bonjour Jan !", "Dag Sofie!", "Avant la panne", "Pendant la panne", "Na de panne"]
    stored = orm(lambda: list(conversation.messages.order_by("seq").values_list("body", flat=True)))
    assert stored == expected
    for tab in tabs.values():
        assert bodies(tab) == expected, tab.name
        assert tab.page.evaluate("window.__sameDocument") is True, f"{tab.name} reloaded"
        assert tab.sockets_opened >= 2, f"{tab.name} did not reconnect"
    she.shot("after-restart")
    he.shot("after-restart")

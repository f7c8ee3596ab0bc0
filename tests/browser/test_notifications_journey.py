"""The notifications menu on a phone and a laptop: the folded menu's badge counts notifications
as well as messages, the list fits the screen, and a notification reads in the reader's
language whatever language it was created in."""

from __future__ import annotations

import pytest

from tests.browser.conftest import VIEWPORTS, orm
from tests.factories import MemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def given_a_member_with_news():
    from community.notifications.services import notify
    from messaging import services

    anne = MemberFactory(username="anne", display_name="Anne Lambert", preferred_language="fr")
    jan = MemberFactory(username="jan", display_name="Jan Peeters", preferred_language="nl")
    for n in range(3):
        notify(
            recipient=anne,
            kind="help_match",
            actor=jan,
            params={
                "title": f"Een logo voor mijn webshop, versie {n} met een heel lange titel die niet past"
            },
            url="/help/",
        )
    conversation = services.conversation_direct_get_or_create(member=jan, other=anne)
    services.message_send(sender=jan, conversation=conversation, body="Dag Anne!", client_id="away-1")
    return anne


def test_the_notifications_menu_fits_and_counts(daphne_server, browser_session, viewport):
    anne = orm(given_a_member_with_news)
    tab = browser_session(daphne_server, name="anne", locale="fr-BE")
    tab.login_as(anne)
    tab.goto("/")
    page = tab.page
    width = VIEWPORTS[viewport]["width"]

    toggle = page.locator(".nav-toggle-label")
    if toggle.is_visible():  # phone: the folded menu says 1 message + 3 notifications
        assert page.locator("#nav-unread-folded").inner_text() == "4"
        toggle.click()
    page.locator(".notifications-menu summary").click()
    items = page.locator("#nav-notifications-list li.notification")
    assert items.count() == 3
    first = items.first
    assert "Jan Peeters aurait besoin de votre aide" in first.inner_text()  # worded in French
    for index in range(items.count()):
        box = items.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (viewport, box)
    tab.shot("notifications-menu")
    assert tab.problems() == []


def test_a_member_chooses_how_each_topic_reaches_them(daphne_server, browser_session, viewport):
    anne = orm(lambda: MemberFactory(username="anne", display_name="Anne Lambert", preferred_language="nl"))
    tab = browser_session(daphne_server, name="anne", locale="nl-BE")
    tab.login_as(anne)
    tab.goto("/members/me/edit/")
    tab.page.get_by_role("link", name="E-mailinstellingen: wat je bereikt als je weg bent").click()
    tab.page.wait_for_url("**/notifications/settings/")

    group = tab.page.get_by_role(
        "group", name="Directe berichten en contactverzoeken die ik niet gelezen heb"
    )
    group.get_by_label("In het weekoverzicht").check()
    digest = tab.page.get_by_role("group", name="Het weekoverzicht")
    assert digest.get_by_label("Elke maandagochtend").is_checked()
    digest.get_by_label("Nooit").check()
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= tab.page.viewport_size["width"], "the settings page scrolls sideways"
    tab.shot("settings")
    tab.page.get_by_role("button", name="Opslaan").click()
    tab.page.get_by_text("Je e-mailinstellingen zijn bewaard.").wait_for()

    from community.notifications.selectors import deliveries_for

    chosen = orm(lambda: deliveries_for(member=anne))
    assert (
        chosen["messages"] == "digest"
        and chosen["digest"] == "never"
        and chosen["help_matches"] == "immediately"
    )
    assert tab.problems() == []

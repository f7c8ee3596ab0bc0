"""The help board live: a member posts a help request, the member whose skills match is told at
once (notification over the socket, no reload), opens it and offers help; the author is told too.
Laptop and phone viewports."""

from __future__ import annotations

import pytest

from tests.browser.conftest import orm
from tests.factories import MemberFactory, SpaceFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def given_two_members():
    from profiles.services import member_update_profile

    space = SpaceFactory(name="Coworking Leuven", slug="coworking-leuven", city="Leuven")
    jan = MemberFactory(username="jan", display_name="Jan Peeters", home_space=space)
    member_update_profile(
        member=jan, headline="Vertaler", skills_offered=["translation"], skills_wanted=[], available=True
    )
    sofie = MemberFactory(username="sofie", display_name="Sofie Dubois", home_space=space)
    return space, jan, sofie


def wait_for_notification(tab, *, after: int, title_part: str) -> dict:
    frame = tab.wait_for_frame(
        lambda f: f.get("type") == "notification" and title_part in f["notification"]["title"], after=after
    )
    tab.page.wait_for_function(
        "(() => { const b = document.getElementById('nav-notifications'); return b && !b.hidden && Number(b.textContent) >= 1; })()"
    )
    return frame["notification"]


def test_help_request_reaches_the_matched_member_live(daphne_server, browser_session, viewport):
    space, jan, sofie = orm(given_two_members)

    # Jan browses the events: his tab is live
    jan_tab = browser_session(daphne_server, name="jan")
    jan_tab.login_as(jan)
    jan_tab.goto("/events/")
    jan_tab.wait_synced()
    jan_tab.page.evaluate("window.__sameDocument = true")
    seen = len(jan_tab.frames)

    # Sofie asks the board for a translator
    her = browser_session(daphne_server, name="sofie")
    her.login_as(sofie)
    her.goto("/")
    her.nav("Help board")
    her.page.get_by_role("button", name="Ask for help").click()
    her.page.get_by_label("What do you need?").fill("Traduire un contrat en néerlandais")
    her.page.get_by_label("Details").fill("Un contrat de bail de 4 pages, pour la semaine prochaine.")
    her.page.get_by_label("Skills needed").fill("traduction")
    her.shot("ask")
    her.page.get_by_role("button", name="Post my request").click()
    her.page.wait_for_url("**/help/*/")
    her.page.get_by_text("Jan Peeters").first.wait_for()  # he is among the suggested helpers
    her.wait_synced()
    her_seen = len(her.frames)
    her.shot("request")

    # Jan is told at once, on the page he was reading
    notification = wait_for_notification(jan_tab, after=seen, title_part="Traduire un contrat")
    assert jan_tab.page.evaluate("window.__sameDocument") is True
    bell = jan_tab.page.locator(".notifications-menu summary")
    if bell.is_visible():  # on a phone the bell sits in the folded menu
        bell.click()
        jan_tab.page.locator("#nav-notifications-list").get_by_text("Traduire un contrat").wait_for()
    jan_tab.shot("notified")

    # He opens it and offers to help; Sofie is told live in turn
    jan_tab.page.goto(daphne_server.http_url + notification["url"])
    jan_tab.page.get_by_role("button", name="I can help").click()
    jan_tab.page.get_by_text("You offered to help").wait_for()
    wait_for_notification(her, after=her_seen, title_part="Jan Peeters")
    her.shot("offer-notified")

"""Journeys through the coworking network: a visitor asks for a free trial day without an account,
a member RSVPs to an event. Laptop and phone viewports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from community.network.models import RSVP, Event, TrialRequest
from tests.browser.conftest import orm
from tests.factories import MemberFactory, SpaceFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def next_weekday(days_ahead: int = 2) -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    while day.weekday() >= 5:  # the factory's spaces are open Monday to Friday
        day += dt.timedelta(days=1)
    return day


def test_visitor_asks_for_a_free_trial_and_member_rsvps(daphne_server, browser_session, viewport):
    # Given a space with an upcoming event, and a member of it
    def given():
        space = SpaceFactory(name="Fabrik Gent", slug="fabrik-gent", city="Gent")
        starts = timezone.now() + dt.timedelta(days=5)
        event = Event.objects.create(
            space=space,
            title="Lunch & learn: invoicing",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
            capacity=20,
        )
        return space, event, MemberFactory(username="lotte", display_name="Lotte Janssens", home_space=space)

    space, event, member = orm(given)
    day = next_weekday()

    # When a visitor without an account asks for a free day from the space's page
    visitor = browser_session(daphne_server, name="visitor")
    visitor.goto(f"/spaces/{space.slug}/")
    visitor.shot("space")
    visitor.page.get_by_role("button", name="Ask for a free trial day").click()
    visitor.page.get_by_label("Your name").fill("Vera Visitor")
    visitor.page.get_by_label("Email").fill("vera@example.be")
    visitor.page.get_by_label("Day").fill(day.isoformat())
    visitor.page.get_by_label("A few words about you (optional)").fill("Graphic designer, new in Gent.")
    visitor.shot("trial-form")
    visitor.page.get_by_role("button", name="Ask for my free day").click()

    # Then she lands on the thank-you page and the space has her request
    visitor.page.wait_for_url(f"**/spaces/{space.slug}/trial/sent/")
    assert "Thank you!" in visitor.page.locator("h1").inner_text()
    visitor.shot("trial-sent")
    trial = TrialRequest.objects.get(space=space)
    assert (trial.name, trial.email, trial.date) == ("Vera Visitor", "vera@example.be", day)

    # When a member opens the event and says they are going
    lotte = browser_session(daphne_server, name="member")
    lotte.login_as(member)
    lotte.goto(f"/events/{event.pk}/")
    lotte.page.get_by_role("button", name="I'm going").click()

    # Then the page says so and the RSVP is stored once
    lotte.page.get_by_text("You are going.", exact=True).wait_for()
    lotte.shot("event-going")
    assert RSVP.objects.get(event=event, member=member).status == RSVP.Status.GOING


def test_the_harness_catches_a_csp_violation_and_a_js_error(daphne_server, browser_session):
    # The journeys' "no CSP violation, no JS error" checks can fail: an inline script (as an
    # injection would add) is blocked by the policy and reported, an exception is recorded.
    tab = browser_session(daphne_server, name="harness")
    tab.goto("/spaces/")
    tab.page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.body.append(s); }"
    )
    tab.page.evaluate("() => setTimeout(() => { throw new Error('boom from a test'); }, 0)")
    tab.page.wait_for_timeout(200)

    problems = tab.problems()
    assert tab.page.evaluate("window.__ran") is None  # the inline script never ran
    assert any(p.startswith("csp: script-src") for p in problems), problems
    assert any("boom from a test" in p for p in problems), problems
    tab.console_errors.clear()  # expected here: do not fail the test at teardown
    tab.page_errors.clear()
    tab.page.evaluate("window.__cspViolations = []")

""" "Who can help me?" on a phone and on a laptop: a member types a request, skill suggestions
appear under the box without squeezing it, the results come first (on a phone the filters fold
away beside the count; on a laptop they stand beside the results), the counts say who offers it,
and a need nobody offers leads to the help board with the request already written."""

from __future__ import annotations

import pytest

from tests.browser.conftest import VIEWPORTS, orm
from tests.factories import MemberFactory, SpaceFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TRANSLATORS = [
    ("anne", "Anne Dupont", "Traductrice FR-NL, sites web"),
    ("jan", "Jan Peeters", "Vertaler juridische teksten"),
    ("lea", "Léa Martin", "Traduction et relecture"),
]


def given_translators_and_a_searcher():
    from profiles.services import member_update_profile
    from search.services import index_rebuild

    space = SpaceFactory(name="Hub Brussels", slug="hub-brussels", city="Bruxelles")
    for username, name, headline in TRANSLATORS:
        translator = MemberFactory(username=username, display_name=name, home_space=space)
        member_update_profile(
            member=translator, headline=headline, skills_offered=["translation"], skills_wanted=[]
        )
    searcher = MemberFactory(username="sofie", display_name="Sofie Dubois", home_space=space)
    # The flush between tests empties the members, not the full-text index: start from what is here.
    index_rebuild()
    return searcher


def test_a_request_on_a_phone_and_a_laptop(daphne_server, browser_session, viewport):
    from playwright.sync_api import expect

    searcher = orm(given_translators_and_a_searcher)
    tab = browser_session(daphne_server, name="sofie")
    tab.login_as(searcher)
    page = tab.page
    tab.goto("/search/")

    # When she types a request, skill suggestions appear and the results follow
    box = page.locator("#search-q")
    box.press_sequentially("traducteur", delay=40)
    page.locator("#search-suggestions a.chip").first.wait_for()
    expect(page.locator("#search-results .result-count")).to_contain_text("3 members offer this")
    tab.shot("typed")

    # Then the box keeps the form's width, with the suggestions under it, and her words in sight
    form, field = page.locator("#search-form").bounding_box(), box.bounding_box()
    suggestions = page.locator("#search-suggestions").bounding_box()
    assert field["width"] >= 0.9 * form["width"], (field, form)
    assert suggestions["y"] >= field["y"] + field["height"], (suggestions, field)
    assert box.input_value() == "traducteur"
    assert page.evaluate(
        "() => { const i = document.getElementById('search-q'); return i.scrollWidth <= i.clientWidth; }"
    )
    assert "can help" not in page.locator("#search-results").inner_text()

    first = page.locator("#search-results .search-result").first.bounding_box()
    facet_group = page.locator("#search-filters .facet-group").first
    summary = page.locator("#search-filters > summary")
    if viewport == "phone":
        # The results come first: the filters are one folded line beside the count, the first
        # result is on the first screen
        assert page.locator("#search-filters").get_attribute("open") is None
        expect(facet_group).to_be_hidden()
        expect(summary).to_be_visible()
        count = page.locator("#search-results .result-count").bounding_box()
        folded = summary.bounding_box()
        assert folded["y"] < count["y"] + count["height"] and folded["x"] > count["x"]  # beside it
        assert folded["y"] + folded["height"] <= first["y"]
        assert first["y"] < VIEWPORTS["phone"]["height"] / 2, first
        # and they unfold on demand
        summary.click()
        expect(facet_group).to_be_visible()
        tab.shot("filters-open")
    else:
        # The filters stand open beside the results
        expect(facet_group).to_be_visible()
        expect(summary).to_be_hidden()
        facets = facet_group.bounding_box()
        assert facets["x"] >= first["x"] + first["width"], (facets, first)
        assert facets["y"] < first["y"] + first["height"], (facets, first)

    # When she asks for something nobody offers, the page says so and offers the help board
    box.fill("restaurateur de vitraux")
    page.get_by_role("heading", name="Nobody offers this yet").wait_for()
    tab.shot("no-answer")
    page.get_by_role("button", name="Post it on the help board").click()

    # Then the help board's form has her request as its title
    page.wait_for_url("**/help/new/?title=*")
    assert page.get_by_label("What do you need?").input_value() == "restaurateur de vitraux"

"""The /search/ page: results with links, search-as-you-type fragments, friendly bad input."""

from __future__ import annotations

import pytest

from search.services import index_rebuild
from tests.search.conftest import make_person


@pytest.fixture
def indexed(spaces, member):
    make_person(
        "anne",
        name="Anne Dupont",
        headline="Traductrice FR-NL",
        bio="Je traduis des sites web.",
        skills=("translation",),
        space=spaces["brussels"],
        visibility="public",
        available=True,
    )
    make_person(
        "pieter", name="Pieter Claes", headline="Vertaler", skills=("translation",), space=spaces["gent"]
    )
    index_rebuild()


def test_results_link_to_the_profile_and_to_a_message(member_client, indexed):
    response = member_client.get("/search/", {"q": "traducteur"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/members/anne/"' in html and 'href="/messages/with/anne/"' in html
    assert 'href="/members/pieter/"' in html and 'href="/messages/with/pieter/"' in html
    assert "<mark>Translation</mark>" in html
    assert "2 members can help" in html


def test_typing_gets_the_results_fragment_only(member_client, indexed):
    response = member_client.get("/search/", {"q": "vertal"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'href="/members/pieter/"' in html


def test_the_page_is_wired_for_search_as_you_type(member_client, indexed):
    html = member_client.get("/search/").content.decode()
    assert 'hx-get="/search/"' in html and "delay:300ms" in html
    assert 'data-suggest-url="/api/skills/suggest"' in html
    assert "search/search.js" in html


def test_anonymous_visitors_see_public_profiles_only(client, indexed):
    html = client.get("/search/", {"q": "traducteur"}).content.decode()
    assert 'href="/members/anne/"' in html
    assert "pieter" not in html
    assert 'data-suggest-url=""' in html  # the suggest API needs a login


def test_empty_search_shows_examples_not_an_error(member_client, indexed):
    response = member_client.get("/search/", {"q": "   "})
    assert response.status_code == 200
    assert "For example" in response.content.decode()


def test_an_overlong_search_gets_a_friendly_message(member_client, indexed):
    response = member_client.get("/search/", {"q": "traducteur " * 1000})
    assert response.status_code == 400
    html = response.content.decode()
    assert "too long" in html and "<form" in html


def test_an_unknown_filter_value_gets_a_friendly_message(member_client, indexed):
    response = member_client.get("/search/", {"q": "traducteur", "region": "atlantis"})
    assert response.status_code == 400
    assert "Unknown region" in response.content.decode()


def test_facets_link_to_the_filtered_page(member_client, indexed):
    html = member_client.get("/search/", {"q": "traducteur"}).content.decode()
    assert "/search/?q=traducteur&amp;region=flanders" in html
    filtered = member_client.get("/search/", {"q": "traducteur", "region": "flanders"}).content.decode()
    assert 'href="/members/pieter/"' in filtered and 'href="/members/anne/"' not in filtered
    assert "Clear filters" in filtered


def test_a_bad_page_number_falls_back_to_the_first_page(member_client, indexed):
    response = member_client.get("/search/", {"q": "traducteur", "page": "abc"})
    assert response.status_code == 200


def test_the_page_speaks_french(member_client, indexed):
    html = member_client.get("/search/", {"q": "traducteur"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Traduction" in html

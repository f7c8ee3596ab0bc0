"""The /search/ page: results with links, search-as-you-type fragments, friendly bad input,
honest counts (who offers it apart from who only mentions it) and a way forward when nobody does."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from search.backends.base import SearchFilters
from search.query import LANGUAGE_WORDS, understand
from search.reasons import SPEAKS
from search.selectors import FacetValue, SearchPage, SearchResult
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


def test_members_who_offer_what_is_asked_are_counted_as_offering_it(member_client, indexed):
    html = member_client.get("/search/", {"q": "traducteur"}).content.decode()

    assert "2 members offer this" in html
    assert "can help" not in html.split('id="search-results"')[1]
    assert "Nobody offers this yet" not in html


def test_a_need_nobody_offers_says_so_and_leads_to_the_help_board(member_client, indexed):
    response = member_client.get("/search/", {"q": "restaurateur de vitraux anciens"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nobody offers this yet" in html
    assert 'href="/help/new/?title=restaurateur+de+vitraux+anciens"' in html
    assert "members offer this" not in html and "Nobody matches yet" not in html
    form = member_client.get("/help/new/", {"title": "restaurateur de vitraux anciens"})
    assert form.context["form"]["title"].value() == "restaurateur de vitraux anciens"


def test_a_listing_by_filters_alone_is_not_said_to_offer_anything(member_client, indexed):
    html = member_client.get("/search/", {"region": "flanders"}).content.decode()

    assert "1 member matches these filters" in html
    assert "offer" not in html.split('id="search-results"')[1]


def test_the_filters_fold_into_one_disclosure_that_counts_the_chosen_ones(member_client, indexed):
    html = member_client.get("/search/", {"q": "traducteur", "region": "flanders"}).content.decode()

    disclosure = html.split('<details class="search-facets" id="search-filters">')[1]
    assert disclosure.split("</summary>")[0].strip().startswith("<summary>Filters")
    assert 'filter-count">1<' in disclosure.split("</summary>")[0]
    assert "Regions" in disclosure


# The counts and the "why" line rendered from a page built by hand: the search fills strong and
# weak apart (search/selectors.py); here the page is given, to read what each case says.


def hand_built_page(*, query: str, strong: list, weak: list, strong_count: int, weak_count: int, **extra):
    def result(member, *, strong: bool, **why) -> SearchResult:
        return SearchResult(
            member_id=member.pk,
            username=member.username,
            score=1.0,
            highlights={},
            member=member,
            languages=["fr", "nl"],
            strong=strong,
            **why,
        )

    return SearchPage(
        query=understand(query),
        filters=SearchFilters(),
        count=strong_count + weak_count,
        strong_count=strong_count,
        weak_count=weak_count,
        page=1,
        page_size=20,
        results=[result(m, strong=True, **why) for m, why in strong]
        + [result(m, strong=False, **why) for m, why in weak],
        facets={"skills": [], "spaces": [], "regions": [], "languages": [], "available": []},
        backend="database",
        **extra,
    )


def render_results(page: SearchPage, viewer, **context) -> str:
    request = RequestFactory().get("/search/")
    request.user = viewer
    return render_to_string("search/_results.html", {"page": page, "filters": {}, **context}, request=request)


@pytest.fixture
def translators(spaces):
    return (
        make_person("anne", name="Anne Dupont", headline="Traductrice", skills=("translation",)),
        make_person("bram", name="Bram Peeters", bio="Ik heb ooit een vertaling nagelezen."),
    )


def test_strong_and_weak_matches_are_counted_and_shown_apart(member, translators):
    anne, bram = translators
    page = hand_built_page(
        query="vertaler", strong=[(anne, {})], weak=[(bram, {})], strong_count=16, weak_count=427
    )

    html = render_results(page, member)

    assert "16 members offer this" in html
    assert "and 427 more mention it in their bio" in html
    assert "can help" not in html and "443" not in html
    # The divider comes once, after the strong results, before the first weak one.
    assert html.count("They mention it") == 1
    assert html.index("Anne Dupont") < html.index("They mention it") < html.index("Bram Peeters")
    assert "Nobody offers this yet" not in html


def test_one_strong_match_is_said_in_the_singular(member, translators):
    anne, _bram = translators
    page = hand_built_page(query="vertaler", strong=[(anne, {})], weak=[], strong_count=1, weak_count=0)

    html = render_results(page, member)

    assert "1 member offers this" in html
    assert "mention" not in html


def test_weak_matches_alone_are_no_answer_with_related_skills_to_try(member, translators):
    _anne, bram = translators
    page = hand_built_page(
        query="vertaler",
        strong=[],
        weak=[(bram, {})],
        strong_count=0,
        weak_count=1,
        related_skills=[FacetValue("interpreting", "Interpreting", 4)],
    )

    html = render_results(
        page,
        member,
        help_url="/help/new/?title=vertaler",
        related_skills=[(page.related_skills[0], "/search/?q=Interpreting")],
    )

    assert page.no_answer
    assert "Nobody offers this yet" in html
    assert "1 member mentions it in their bio" in html
    assert 'href="/help/new/?title=vertaler"' in html
    assert 'href="/search/?q=Interpreting"' in html and "Interpreting" in html
    assert html.index("Nobody offers this yet") < html.index("They mention it") < html.index("Bram Peeters")
    assert "offer this" not in html


def test_the_why_line_says_how_far_and_which_asked_language_they_speak(member, translators):
    anne, bram = translators
    page = hand_built_page(
        query="vertaler Nederlands",
        strong=[(anne, {"distance_km": 3.0, "speaks": ["nl"]}), (bram, {"distance_km": 12.4})],
        weak=[],
        strong_count=2,
        weak_count=0,
    )

    english = render_results(page, member)
    with translation.override("fr"):
        french = render_results(page, member)
    with translation.override("nl"):
        dutch = render_results(page, member)

    assert "3 km away" in english and "speaks Dutch" in english and "12 km away" in english
    assert "3 km" in french and "parle néerlandais" in french
    assert "spreekt Nederlands" in dutch


def test_distances_under_ten_km_keep_a_decimal_in_the_belgian_format(member, translators):
    anne, _bram = translators
    page = hand_built_page(
        query="vertaler", strong=[(anne, {"distance_km": 2.54})], weak=[], strong_count=1, weak_count=0
    )

    with translation.override("fr"):
        assert "2,5 km" in render_results(page, member)
    assert "2.5 km away" in render_results(page, member)


def test_every_language_a_request_can_name_has_its_speaks_phrase():
    assert set(LANGUAGE_WORDS.values()) == set(SPEAKS)

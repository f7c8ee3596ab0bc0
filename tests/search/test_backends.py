"""The results contract, the same on both backends (each test runs on the database backend and
on the real search engine): who may appear, filters and facets, highlights, paging, boosts,
suggestions."""

from __future__ import annotations

import pytest
from django.utils import timezone

from community.network.models import CheckIn
from search.selectors import search_members, suggest_skills
from tests.factories import MemberFactory
from tests.search.conftest import make_person


@pytest.fixture
def translators(spaces):
    return {
        "anne": make_person(
            "anne",
            name="Anne Dupont",
            headline="Traductrice FR-NL",
            skills=("translation",),
            languages=("fr", "nl"),
            space=spaces["brussels"],
            visibility="public",
        ),
        "pieter": make_person(
            "pieter",
            name="Pieter Claes",
            headline="Vertaler",
            skills=("translation", "subtitling"),
            languages=("nl",),
            space=spaces["gent"],
            available=True,
        ),
        "marc": make_person(
            "marc",
            name="Marc Lefèvre",
            headline="Interprète",
            skills=("interpreting",),
            languages=("fr", "en"),
            space=spaces["liege"],
        ),
        "hidden": make_person(
            "hidden",
            name="Hidden Person",
            headline="Traducteur",
            skills=("translation",),
            space=spaces["brussels"],
            visibility="hidden",
        ),
    }


def usernames(page) -> list[str]:
    return [result.username for result in page.results]


def test_hidden_profiles_never_appear(backend_name, translators, reindex, member):
    reindex()
    page = search_members(query="traducteur", searcher=member)
    assert "hidden" not in usernames(page)
    assert page.count == 2


def test_anonymous_searchers_find_public_profiles_only(backend_name, translators, reindex):
    reindex()
    page = search_members(query="traducteur", searcher=None)
    assert usernames(page) == ["anne"]
    assert page.count == 1


def test_the_searcher_never_finds_themself(backend_name, translators, reindex):
    reindex()
    page = search_members(query="traducteur", searcher=translators["pieter"])
    assert usernames(page) == ["anne"]
    assert page.count == 1


def test_filters_narrow_and_facets_count_the_filtered_results(backend_name, translators, reindex, member):
    # given three translators and interpreters in three regions
    reindex()
    # when filtering a broad request by region
    page = search_members(query="traducteur interprète", searcher=member, filters={"region": "flanders"})
    # then only the Flemish one is left, and the facets count what is left
    assert usernames(page) == ["pieter"]
    facets = {kind: {value.key: value.count for value in values} for kind, values in page.facets.items()}
    assert facets["skills"] == {"translation": 1, "subtitling": 1}
    assert facets["spaces"] == {"gentse-werkbank": 1}
    assert facets["languages"] == {"nl": 1}
    assert facets["available"] == {"true": 1}
    assert page.facets["regions"][0].selected


def test_each_filter_kind(backend_name, translators, reindex, member):
    reindex()
    assert usernames(
        search_members(query="traducteur", searcher=member, filters={"skill": "subtitling"})
    ) == ["pieter"]
    assert usernames(search_members(query="", searcher=member, filters={"space": "forge-liege"})) == ["marc"]
    assert set(usernames(search_members(query="", searcher=member, filters={"language": ["en", "nl"]}))) == {
        "anne",
        "pieter",
        "marc",
    }
    assert usernames(search_members(query="traducteur", searcher=member, filters={"available": "true"})) == [
        "pieter"
    ]
    assert usernames(search_members(query="traducteur", searcher=member, filters={"available": False})) == [
        "anne"
    ]


def test_facets_without_query_cover_everyone_visible(backend_name, translators, reindex, member):
    reindex()
    page = search_members(query="", searcher=member)
    assert page.count == 3
    counts = {value.key: value.count for value in page.facets["regions"]}
    assert counts == {"brussels": 1, "flanders": 1, "wallonia": 1}


def test_highlights_are_escaped_text_with_mark_only(backend_name, spaces, reindex, member):
    # given a member whose profile contains markup
    make_person(
        "mallory",
        name="Mallory <b>Bold</b>",
        headline="<script>alert(1)</script> traductrice",
        bio='Je suis traductrice. <img src=x onerror="alert(1)"> & plus',
        skills=("translation",),
    )
    reindex()
    # when their text is highlighted
    result = search_members(query="traductrice", searcher=member).results[0]
    # then the markup comes back escaped, with our <mark> around the match
    fragments = [html for values in result.highlights.values() for html in values]
    assert any("<mark>" in html for html in fragments)
    joined = " ".join(fragments)
    assert "<script" not in joined and "<img" not in joined and "<b>" not in joined
    assert "&lt;script&gt;" in " ".join(result.highlights["headline"])
    assert result.highlights["skills"] == ["<mark>Translation</mark>"]


def test_pages_split_the_results_and_keep_the_count(backend_name, spaces, reindex, member):
    for i in range(5):
        make_person(f"t{i}", name=f"Translator {i}", skills=("translation",))
    reindex()
    first = search_members(query="translation", searcher=member, page=1, page_size=2)
    second = search_members(query="translation", searcher=member, page=2, page_size=2)
    third = search_members(query="translation", searcher=member, page=3, page_size=2)
    assert first.count == second.count == third.count == 5
    seen = usernames(first) + usernames(second) + usernames(third)
    assert sorted(seen) == [f"t{i}" for i in range(5)]
    assert first.has_next and not third.has_next and third.num_pages == 3


def test_nearest_first_then_available(backend_name, spaces, reindex):
    # given the same skill in the searcher's space, elsewhere in their region, and far away
    far = make_person("far", name="Far Away", skills=("bookkeeping",), space=spaces["liege"])
    region = make_person("region", name="Same Region", skills=("bookkeeping",), space=spaces["antwerpen"])
    same = make_person("same", name="Same Space", skills=("bookkeeping",), space=spaces["gent"])
    searcher = MemberFactory(username="searcher", home_space=spaces["gent"])
    reindex()
    # when they search
    found = usernames(search_members(query="boekhouder", searcher=searcher))
    # then nearest first
    assert found == [same.username, region.username, far.username]
    # and being available does not bring someone from 140 km before someone 50 km away,
    far.available = True
    far.save()
    make_person(
        "neighbour", name="Same City", skills=("bookkeeping",), space=spaces["antwerpen"], available=True
    )
    reindex()
    found = usernames(search_members(query="boekhouder", searcher=searcher))
    assert found.index("far") > found.index("region")
    # but it puts them first among those as near
    assert found.index("neighbour") < found.index("region")


def test_members_checked_in_where_the_searcher_is_come_first(backend_name, spaces, reindex):
    away = make_person("away", name="Usually Here", skills=("photography",), space=spaces["brussels"])
    visitor = make_person("visitor", name="Visiting Today", skills=("photography",), space=spaces["liege"])
    searcher = MemberFactory(username="searcher", home_space=spaces["brussels"])
    reindex()
    assert usernames(search_members(query="photographe", searcher=searcher))[0] == away.username
    # when the visitor checks in at the searcher's space
    CheckIn.objects.create(member=visitor, space=spaces["brussels"], started_at=timezone.now())
    # then they come first, before the member whose home it is but who is not in today
    assert usernames(search_members(query="photographe", searcher=searcher))[0] == visitor.username


def test_typos_in_names_and_words_are_forgiven(backend_name, spaces, reindex, member):
    make_person("vds", name="Vanderstraeten Lotte", headline="Keramiek en pottenbakken", skills=())
    reindex()
    assert usernames(search_members(query="Vandersraeten", searcher=member)) == ["vds"]
    assert usernames(search_members(query="pottenbakkn", searcher=member)) == ["vds"]


def test_free_tags_are_searchable_and_faceted(backend_name, spaces, reindex, member):
    make_person("zoe", name="Zoë Kint", free_tags=("Calligraphy",))
    reindex()
    page = search_members(query="calligraphy", searcher=member)
    assert usernames(page) == ["zoe"]
    assert [value.name for value in page.facets["skills"]] == ["Calligraphy"]


def test_skill_suggestions_by_prefix_in_three_languages(backend_name, translators, reindex):
    reindex()
    for prefix in ("transl", "tradu", "vertal"):
        suggestions = suggest_skills(prefix=prefix)
        assert suggestions[0]["slug"] == "translation", prefix
    first = suggest_skills(prefix="tradu")[0]
    assert first["count"] == 2  # anne and pieter; the hidden member is not counted
    assert suggest_skills(prefix="") == []
    assert suggest_skills(prefix="zzzzqqq") == []

"""Who sees whom, the directory's filters, sorting and keyset pages, complementary members."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.utils import timezone, translation

from community.network.models import Region
from community.network.selectors import region_space_ids, space_member_set
from profiles.models import Member
from profiles.selectors import (
    BadCursor,
    complementary_members,
    directory_members,
    directory_page,
    member_profile,
    skill_suggestions,
)
from profiles.visibility import visible_members
from search.selectors import read_text_for_listing
from search.services import index_rebuild
from tests.factories import MemberFactory, SpaceFactory
from tests.profiles.conftest import make_member

pytestmark = pytest.mark.django_db


def by_text(viewer, q: str, **filters):
    """The directory for a free-text `q`, as its view composes it: the search app reads the
    text (the index is rebuilt first: these tests' members were never committed)."""
    if not q:
        return directory_members(viewer=viewer, **filters)
    index_rebuild()
    reading = read_text_for_listing(query=q, searcher=viewer)
    if reading.skill:
        return directory_members(viewer=viewer, skills=[reading.skill], **filters)
    return directory_members(viewer=viewer, text_matches=reading.member_ids, **filters)


V = Member.Visibility


@pytest.mark.parametrize(
    ("viewer_kind", "visibility", "listed"),
    [
        ("anonymous", V.PUBLIC, True),
        ("anonymous", V.MEMBERS, False),
        ("anonymous", V.HIDDEN, False),
        ("member", V.PUBLIC, True),
        ("member", V.MEMBERS, True),
        ("member", V.HIDDEN, False),
    ],
)
def test_visibility_matrix(viewer_kind, visibility, listed):
    # given a profile with this visibility and a viewer who is anonymous or another member
    profile = MemberFactory(visibility=visibility)
    viewer = AnonymousUser() if viewer_kind == "anonymous" else MemberFactory()
    # then the directory, the visible set and the profile page agree
    assert visible_members(viewer=viewer).filter(pk=profile.pk).exists() is listed
    assert (profile in directory_members(viewer=viewer)) is listed
    assert (member_profile(username=profile.username, viewer=viewer) is not None) is listed


def test_members_see_their_own_hidden_profile_page_but_not_in_the_directory():
    hidden = MemberFactory(visibility=V.HIDDEN)
    assert member_profile(username=hidden.username, viewer=hidden) == hidden
    assert hidden not in directory_members(viewer=hidden)


def test_deactivated_members_are_never_listed():
    gone = MemberFactory(visibility=V.PUBLIC, is_active=False)
    assert gone not in directory_members(viewer=MemberFactory())
    assert member_profile(username=gone.username, viewer=MemberFactory()) is None


def test_skill_filter_needs_all_chosen_skills_and_understands_synonyms(member):
    both = make_member(offers=["translation", "proofreading"])
    only_one = make_member(offers=["translation"])
    wants_it = make_member(wants=["translation", "proofreading"])
    found = list(directory_members(viewer=member, skills=["vertaler", "proofreading"]))
    assert found == [both]
    assert set(directory_members(viewer=member, skills=["translation"])) == {both, only_one}
    assert wants_it not in directory_members(viewer=member, skills=["translation"])


def test_an_unknown_skill_matches_nobody(member):
    make_member(offers=["translation"])
    assert list(directory_members(viewer=member, skills=["underwater basket weaving"])) == []


def test_space_region_language_and_available_filters(member):
    brussels = SpaceFactory(region=Region.BRUSSELS)
    ghent = SpaceFactory(region=Region.FLANDERS, city="Gent")
    at_home = make_member(home_space=brussels, languages=["fr"], available=True)
    visiting = make_member(home_space=ghent, languages=["nl"])
    visiting.other_spaces.add(brussels)
    elsewhere = make_member(home_space=ghent, languages=["nl", "fr"], available=True)

    assert set(directory_members(viewer=member, space=space_member_set(slug=brussels.slug))) == {
        at_home,
        visiting,
    }
    assert list(directory_members(viewer=member, space=space_member_set(slug="no-such-space"))) == []
    assert set(directory_members(viewer=member, home_spaces=region_space_ids(region=Region.FLANDERS))) == {
        visiting,
        elsewhere,
    }
    assert set(directory_members(viewer=member, language="fr")) == {at_home, elsewhere}
    assert set(directory_members(viewer=member, available=True)) == {at_home, elsewhere}
    assert list(
        directory_members(
            viewer=member, space=space_member_set(slug=brussels.slug), language="fr", available=True
        )
    ) == [at_home]


def test_a_skill_named_in_any_language_lists_the_members_offering_it(member):
    offers = make_member(offers=["traduction"])
    make_member(headline="Freelance vertaler FR/NL")  # says it, does not offer it
    for q in ("vertaler", "Traducteur", "translation"):
        assert list(by_text(member, q)) == [offers]
    # and a free tag saying the words counts too
    free = make_member(offers=["Traduction littéraire ancienne"])
    assert free in set(by_text(member, "traduction littéraire"))


def test_free_text_query_searches_name_headline_profession_and_skill_starts(member):
    by_name = make_member(display_name="Anneleen Peeters")
    # ("Gent" would be a place now: members at Gent, not a word to look for)
    by_headline = make_member(headline="Freelance ghostwriter and sommelier")
    by_profession = make_member(profession="Ghostwriter")
    by_skill = make_member(offers=["Ghostwriting"])
    make_member(display_name="Someone Else", headline="Architect")
    assert list(by_text(member, "anneleen")) == [by_name]
    assert list(by_text(member, "sommelier")) == [by_headline]
    # a word that starts a skill finds its offerers (the search completes it against the skills)
    assert by_skill in set(by_text(member, "ghostwrit"))
    # several words: members matching any of them, as the search ranks them
    assert {by_headline, by_profession} <= set(by_text(member, "ghostwriter sommelier"))


def test_relevance_puts_the_best_match_first(member):
    now = timezone.now()
    headline_only = make_member(headline="Ask me about zebras", date_joined=now)
    name_and_profession = make_member(
        display_name="Zebra Zoe", profession="Zebra keeper", date_joined=now - timedelta(days=30)
    )
    ranked = list(by_text(member, "zebra"))
    assert ranked == [name_and_profession, headline_only]


def test_sorting_by_name_and_newest(member):
    now = timezone.now()
    b = make_member(display_name="bernard", date_joined=now - timedelta(days=1))
    a = make_member(display_name="Alice", date_joined=now - timedelta(days=2))
    c = make_member(display_name="Chloé", date_joined=now)
    others = [m for m in directory_members(viewer=member, sort="name") if m != member]
    assert others == [a, b, c]
    newest = [m for m in directory_members(viewer=member, sort="newest") if m != member]
    assert newest == [c, b, a]
    # a sort that does not exist falls back to newest, "relevance" without q too
    assert list(directory_members(viewer=member, sort="shoe-size")) == list(directory_members(viewer=member))
    assert list(directory_members(viewer=member, sort="relevance")) == list(directory_members(viewer=member))


@pytest.mark.parametrize("sort", ["newest", "name", "relevance"])
def test_keyset_pages_cover_everyone_once_forward_and_back(member, sort):
    # given 23 members sharing names and join dates (ties the cursor must break by id)
    joined = timezone.now()
    for i in range(23):
        make_member(
            display_name=f"Twin {i % 3}", headline="zebra" if i % 2 else "Zebra Zebra", date_joined=joined
        )
    queryset = by_text(member, "zebra" if sort == "relevance" else "", sort=sort)
    everyone = list(queryset)
    # when walking forward five at a time
    pages, cursor = [], ""
    while True:
        page = directory_page(queryset, cursor=cursor, size=5)
        pages.append(page)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    # then every member appears once, in the queryset's order
    assert [m for page in pages for m in page.members] == everyone
    assert pages[0].is_first and pages[0].previous_cursor is None
    # and walking back from the last page gives the same pages
    back = directory_page(queryset, cursor=pages[-1].previous_cursor, size=5)
    assert back.members == pages[-2].members
    assert pages[0].count == len(everyone) and not pages[0].count_capped


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "WyJhZnRlciJd",
        "eyJhIjogMX0",
        "WyJzaWRld2F5cyIsICIyMDI0LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgMV0",
    ],
)
def test_cursors_we_did_not_make_are_refused(member, cursor):
    with pytest.raises(BadCursor):
        directory_page(directory_members(viewer=member), cursor=cursor)


def test_complementary_members_same_space_first_and_only_visible_ones():
    hub, other = SpaceFactory(), SpaceFactory()
    me = make_member(home_space=hub, offers=["web-development"], wants=["translation", "seo"])
    far_double = make_member(home_space=other, offers=["vertaler", "seo"])
    near_single = make_member(home_space=hub, offers=["translation"])
    make_member(home_space=hub, offers=["translation"], visibility=V.HIDDEN)
    needs_me = make_member(home_space=other, wants=["développeur web"])
    make_member(offers=["python"], wants=["accounting"])  # nothing in common

    result = complementary_members(member=me, viewer=me)

    assert result.could_help_you == [near_single, far_double]
    assert result.could_help_you[1].matched == 2
    assert result.you_could_help == [needs_me]


def test_complementary_members_for_an_anonymous_viewer_are_public_only():
    me = make_member(wants=["translation"], visibility=V.PUBLIC)
    public = make_member(offers=["translation"], visibility=V.PUBLIC)
    make_member(offers=["translation"], visibility=V.MEMBERS)
    assert complementary_members(member=me, viewer=AnonymousUser()).could_help_you == [public]


def test_skill_suggestions_in_the_readers_language_with_free_tags_in_use():
    make_member(offers=["vertaler", "Traductions techniques"])
    MemberFactory()  # nobody else
    with translation.override("fr"):
        results = skill_suggestions(prefix="trad")
    assert results[0] == {"name": "Traduction", "slug": "translation", "count": 1}
    assert {"name": "Traductions techniques", "slug": "traductions-techniques", "count": 1} in results
    with translation.override("nl"):
        assert skill_suggestions(prefix="vert")[0]["name"] == "Vertaling"
    assert skill_suggestions(prefix="   ") == []


@pytest.mark.parametrize(
    "total", [1, 10**9], ids=["filters-scan-the-sort", "filters-start-from-their-members"]
)
def test_both_query_shapes_find_the_same_members(member, total):
    # given members with skills, languages and spaces
    hub, other = SpaceFactory(), SpaceFactory(region=Region.WALLONIA)
    expected = {
        "skills": make_member(offers=["translation", "proofreading"], languages=["de"], home_space=hub),
        "space": make_member(offers=["translation"], home_space=other),
    }
    expected["space"].other_spaces.add(hub)
    make_member(offers=["python"], languages=["fr"], home_space=other)
    # when the member total makes every filter look common (scan the sort) or rare (start from its members)
    cache.set("profiles:size:members", total, 60)
    filters = dict(skills=["translation"], space=space_member_set(slug=hub.slug))
    page = directory_members(viewer=member, **filters)
    counting = directory_members(viewer=member, for_count=True, **filters)
    # then both shapes and the count agree
    assert set(page) == set(counting) == {expected["skills"], expected["space"]}
    assert list(directory_members(viewer=member, skills=["proofreading"], language="de")) == [
        expected["skills"]
    ]
    assert list(directory_members(viewer=member, for_count=True, skills=["proofreading"], language="de")) == [
        expected["skills"]
    ]
    assert set(by_text(member, "vertaler", home_spaces=region_space_ids(region=Region.WALLONIA))) == {
        expected["space"]
    }


def test_later_pages_show_the_first_pages_count(member):
    for i in range(12):
        MemberFactory(display_name=f"Counted {i}")
    queryset = directory_members(viewer=member)
    first = directory_page(queryset, size=5)
    MemberFactory(display_name="Arrived meanwhile")
    second = directory_page(queryset, cursor=first.next_cursor, size=5)
    assert first.count == second.count == 13

"""One definition of who belongs to a space (community.network.selectors): home space, another
space on the profile, or an active membership (plan). Space pages, counts, the directory, search
and lobby rooms all follow it (the help board suggests whom the search finds)."""

from __future__ import annotations

import pytest

from community.network import selectors, services
from community.network.selectors import member_space_ids, space_member_ids, space_member_set
from profiles.selectors import directory_members
from search.selectors import search_members
from search.services import index_rebuild
from tests.factories import MemberFactory, PlanFactory, SpaceFactory


@pytest.fixture
def hub(db):
    return SpaceFactory(slug="hub")


@pytest.fixture
def people(hub):
    elsewhere = SpaceFactory(slug="elsewhere")
    resident = MemberFactory(username="resident", home_space=hub, offers=["translation"])
    visitor = MemberFactory(username="visitor", home_space=elsewhere, offers=["translation"])
    visitor.other_spaces.add(hub)
    subscriber = MemberFactory(username="subscriber", home_space=elsewhere, offers=["translation"])
    services.membership_set(member=subscriber, space=hub, plan=PlanFactory(space=hub))
    outsider = MemberFactory(username="outsider", home_space=elsewhere, offers=["translation"])
    MemberFactory(username="gone", home_space=hub, is_active=False)
    return {"resident": resident, "visitor": visitor, "subscriber": subscriber, "outsider": outsider}


BELONG = {"resident", "visitor", "subscriber"}


def test_the_three_ways_of_belonging_count_and_nothing_else(hub, people):
    ids = space_member_ids(space_ids=[hub.pk])

    assert {m.username for m in people.values() if m.pk in ids} == BELONG
    assert len(ids) == 3  # the deactivated resident does not belong
    assert selectors.space_member_counts()[hub.pk] == 3
    belongs = member_space_ids(member_ids=[m.pk for m in people.values()])
    assert {name for name, m in people.items() if hub.pk in belongs.get(m.pk, ())} == BELONG


def test_the_space_page_the_directory_and_search_list_the_same_members(hub, people, settings):
    settings.SEARCH_BACKEND = "database"
    index_rebuild()
    viewer = MemberFactory(username="viewer")

    page = {m.username for m in selectors.space_members(space=hub, viewer=viewer)}
    directory = {m.username for m in directory_members(viewer=viewer, space=space_member_set(slug="hub"))}
    counted = directory_members(viewer=viewer, space=space_member_set(slug="hub"), for_count=True).count()
    found = {r.username for r in search_members(query="", searcher=viewer, filters={"space": "hub"}).results}

    assert page == directory == found == BELONG
    assert counted == 3


def test_a_plan_taken_reaches_the_search_index(hub, people, settings, django_capture_on_commit_callbacks):
    settings.SEARCH_BACKEND = "database"
    index_rebuild()
    viewer = MemberFactory(username="viewer")
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_set(member=people["outsider"], space=hub)

    found = {r.username for r in search_members(query="", searcher=viewer, filters={"space": "hub"}).results}
    assert found == BELONG | {"outsider"}

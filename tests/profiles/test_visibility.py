"""One rule decides who may see a member (profiles.visibility); every entry point follows it."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from community.network.selectors import space_members
from profiles.models import Member
from profiles.visibility import listed_members, member_is_reachable, member_is_visible, visible_members
from search.documents import searchable_members
from tests.factories import MemberFactory, SpaceFactory

pytestmark = pytest.mark.django_db

V = Member.Visibility


@pytest.mark.parametrize(
    ("visibility", "anonymous_sees", "member_sees"),
    [(V.PUBLIC, True, True), (V.MEMBERS, False, True), (V.HIDDEN, False, False)],
)
def test_the_rule_answers_the_same_for_a_queryset_and_for_one_member(visibility, anonymous_sees, member_sees):
    profile = MemberFactory(visibility=visibility)
    viewer = MemberFactory()

    assert member_is_visible(profile, viewer=AnonymousUser()) is anonymous_sees
    assert visible_members(viewer=AnonymousUser()).filter(pk=profile.pk).exists() is anonymous_sees
    assert member_is_visible(profile, viewer=viewer) is member_sees
    assert visible_members(viewer=viewer).filter(pk=profile.pk).exists() is member_sees
    assert listed_members().filter(pk=profile.pk).exists() is member_sees


def test_a_deactivated_account_is_seen_by_nobody_and_a_member_always_sees_themselves():
    gone = MemberFactory(visibility=V.PUBLIC, is_active=False)
    hidden = MemberFactory(visibility=V.HIDDEN)

    assert not member_is_visible(gone, viewer=MemberFactory())
    assert not listed_members().filter(pk=gone.pk).exists()
    assert member_is_visible(hidden, viewer=hidden)


def test_a_hidden_member_is_reachable_only_where_they_showed_themselves():
    hidden, viewer = MemberFactory(visibility=V.HIDDEN), MemberFactory()

    assert not member_is_reachable(hidden, viewer=viewer)
    assert member_is_reachable(hidden, viewer=viewer, showed_themselves=True)
    assert not member_is_reachable(hidden, viewer=AnonymousUser(), showed_themselves=True)


def test_the_search_index_and_a_space_page_hold_whom_the_rule_lists():
    space = SpaceFactory()
    shown = MemberFactory(visibility=V.MEMBERS, home_space=space)
    hidden = MemberFactory(visibility=V.HIDDEN, home_space=space)

    assert set(searchable_members().filter(pk__in=[shown.pk, hidden.pk])) == {shown}
    assert set(space_members(space=space, viewer=MemberFactory())) == {shown}
    assert set(space_members(space=space, viewer=AnonymousUser())) == set()


def test_a_group_cannot_be_made_with_a_hidden_member_and_says_so_as_for_nobody(client):
    creator = MemberFactory()
    hidden = MemberFactory(visibility=V.HIDDEN)
    client.force_login(creator)

    with_hidden = client.post(
        reverse("messaging:group_new"), {"title": "Lunch", "usernames": hidden.username}
    )
    with_nobody = client.post(reverse("messaging:group_new"), {"title": "Lunch", "usernames": "no-such-name"})

    assert with_hidden.status_code == with_nobody.status_code == 400
    hidden_errors = with_hidden.context["form"].errors["usernames"]
    nobody_errors = with_nobody.context["form"].errors["usernames"]
    assert [e.replace(hidden.username, "X") for e in hidden_errors] == [
        e.replace("no-such-name", "X") for e in nobody_errors
    ]
    assert not creator.chat_participations.exists()

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from community.network import selectors, services
from community.network.models import CheckIn, Membership, Plan, Region
from profiles.models import Member
from tests.factories import MemberFactory, PlanFactory, SpaceFactory


@pytest.mark.django_db
def test_network_totals_count_spaces_active_members_and_square_metres(client):
    hub = SpaceFactory(surface_m2=400)
    SpaceFactory(surface_m2=1200, region=Region.FLANDERS)
    MemberFactory.create_batch(3, home_space=hub)
    MemberFactory(is_active=False)

    response = client.get(reverse("community:space_list"))

    assert response.context["totals"] == {"spaces": 2, "members": 3, "surface": 1600}
    page = response.content.decode()
    assert "1,600 m²" in page


@pytest.mark.django_db
def test_totals_of_an_empty_network_are_zero(client):
    response = client.get(reverse("community:space_list"))

    assert response.status_code == 200
    assert response.context["totals"] == {"spaces": 0, "members": 0, "surface": 0}


@pytest.mark.django_db
def test_the_region_filter_keeps_that_region_and_ignores_nonsense(client):
    SpaceFactory(name="Hub Ixelles", region=Region.BRUSSELS)
    SpaceFactory(name="Gentse Werkbank", region=Region.FLANDERS)

    flanders = client.get(reverse("community:space_list"), {"region": "flanders"})
    nonsense = client.get(reverse("community:space_list"), {"region": "<script>"})

    assert [s.name for s in flanders.context["spaces"]] == ["Gentse Werkbank"]
    assert flanders.context["totals"]["spaces"] == 2  # the totals stay the network's
    assert nonsense.status_code == 200 and len(nonsense.context["spaces"]) == 2


@pytest.mark.django_db
def test_a_space_counts_each_member_once_whether_home_space_or_membership(client):
    hub, other = SpaceFactory(), SpaceFactory()
    at_home = MemberFactory(home_space=hub)
    services.membership_set(member=at_home, space=hub, plan=PlanFactory(space=hub))
    visitor = MemberFactory(home_space=other)
    services.membership_set(member=visitor, space=hub)
    MemberFactory(home_space=hub, is_active=False)

    counts = selectors.space_member_counts()

    assert counts == {hub.pk: 2, other.pk: 1}


@pytest.mark.django_db
def test_space_page_shows_plans_amenities_and_opening_hours(client):
    space = SpaceFactory(name="Hub Porte de Namur", amenities=["meeting-rooms", "kitchen", "lounge"])
    PlanFactory(space=space, kind=Plan.Kind.FULL_TIME, price_eur=300)
    PlanFactory(space=space, kind=Plan.Kind.HALF_TIME, price_eur=200)
    PlanFactory(space=space, kind=Plan.Kind.HOURLY, price_eur="4.50")

    page = client.get(space.get_absolute_url()).content.decode()

    for text in (
        "Full time",
        "300 €",
        "Half time",
        "200 €",
        "4.50 €",
        "per hour",
        "Meeting rooms",
        "Kitchen",
        "Lounge",
    ):
        assert text in page, text
    assert "Monday" in page and "08:30–18:30" in page and "closed" in page
    assert reverse("community:trial_request", kwargs={"slug": space.slug}) in page


@pytest.mark.django_db
def test_space_members_respect_profile_visibility(client):
    space = SpaceFactory()
    public = MemberFactory(username="pub", home_space=space, visibility=Member.Visibility.PUBLIC)
    members_only = MemberFactory(username="mem", visibility=Member.Visibility.MEMBERS)
    services.membership_set(member=members_only, space=space)
    MemberFactory(username="hid", home_space=space, visibility=Member.Visibility.HIDDEN)

    anonymous = client.get(space.get_absolute_url()).context["members"]
    client.force_login(MemberFactory(username="viewer"))
    logged_in = client.get(space.get_absolute_url()).context["members"]

    assert [m.username for m in anonymous] == [public.username]
    assert sorted(m.username for m in logged_in) == ["mem", "pub"]


@pytest.mark.clock
@pytest.mark.django_db
def test_whos_in_today_names_visible_members_and_only_counts_hidden_ones(client):
    space = SpaceFactory()
    for name, visibility in (("pub", "public"), ("mem", "members"), ("hid", "hidden")):
        services.check_in_start(member=MemberFactory(username=name, visibility=visibility), space=space)
    gone = MemberFactory(username="gone", visibility="public")
    services.check_in_start(member=gone, space=space)
    services.check_in_end(member=gone)

    anonymous = client.get(space.get_absolute_url()).context["whos_in"]
    client.force_login(MemberFactory())
    member = client.get(space.get_absolute_url()).context["whos_in"]

    assert [c.member.username for c in anonymous.check_ins] == ["pub"]
    assert [c.member.username for c in member.check_ins] == ["pub", "mem"]
    assert member.total == 3 and member.others == 1


@pytest.mark.django_db
def test_space_page_shows_its_upcoming_events_and_a_check_in_button(member_client, space):
    from community.network.models import Event

    starts = timezone.now() + dt.timedelta(days=3)
    Event.objects.create(
        space=space, title="Apéro des coworkers", starts_at=starts, ends_at=starts + dt.timedelta(hours=2)
    )

    page = member_client.get(space.get_absolute_url()).content.decode()

    assert "Apéro des coworkers" in page
    assert reverse("community:check_in", kwargs={"slug": space.slug}) in page
    assert 'name="csrfmiddlewaretoken"' in page


@pytest.mark.django_db
def test_space_page_links_members_to_the_lobby_chat(member_client, client, space):
    member_page = member_client.get(space.get_absolute_url())
    anonymous_page = client.get(space.get_absolute_url())

    assert member_page.context["lobby_url"]
    assert anonymous_page.context["lobby_url"] is None


@pytest.mark.django_db
def test_only_managers_and_staff_see_the_manage_link(client, manager_client, member_client, space):
    manage = reverse("community:space_manage", kwargs={"slug": space.slug})

    assert manage in manager_client.get(space.get_absolute_url()).content.decode()
    assert manage not in member_client.get(space.get_absolute_url()).content.decode()
    assert manage not in client.get(space.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_an_unknown_space_is_a_404(client):
    assert client.get(reverse("community:space_detail", kwargs={"slug": "nowhere"})).status_code == 404
    assert client.get(reverse("community:trial_request", kwargs={"slug": "nowhere"})).status_code == 404


@pytest.mark.django_db
def test_a_membership_plan_must_belong_to_the_space(member, space):
    from django.core.exceptions import ValidationError

    other_plan = PlanFactory(space=SpaceFactory())

    with pytest.raises(ValidationError):
        services.membership_set(member=member, space=space, plan=other_plan)
    assert not Membership.objects.exists()


@pytest.mark.django_db
def test_the_space_list_does_not_query_per_space(client, django_assert_max_num_queries):
    for _ in range(6):
        space = SpaceFactory()
        MemberFactory(home_space=space)
        CheckIn.objects.create(member=MemberFactory(), space=space, started_at=timezone.now())

    with django_assert_max_num_queries(8):
        client.get(reverse("community:space_list"))


@pytest.mark.django_db
def test_space_page_marks_the_members_own_plan(member_client, member, space):
    half_time = PlanFactory(space=space, kind=Plan.Kind.HALF_TIME, price_eur=200)
    PlanFactory(space=space, kind=Plan.Kind.FULL_TIME, price_eur=300)
    services.membership_set(member=member, space=space, plan=half_time)

    response = member_client.get(space.get_absolute_url())

    assert response.context["my_membership"].plan == half_time
    assert response.content.decode().count("your plan") == 1

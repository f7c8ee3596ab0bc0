import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from community.network import services
from community.network.models import Event
from tests.factories import MemberFactory, SpaceFactory


@pytest.mark.django_db
def test_anonymous_visitors_get_a_landing_page_with_spaces_and_trials(client):
    SpaceFactory(surface_m2=400)

    response = client.get(reverse("home"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Stop working alone" in page
    assert reverse("community:space_list") in page
    assert "free trial" in page.lower()
    assert reverse("signup") in page
    assert "400 m²" in page


@pytest.mark.clock
@pytest.mark.django_db
def test_member_home_shows_their_space_whos_in_events_and_new_faces(client):
    space = SpaceFactory(name="Gentse Werkbank")
    me = MemberFactory(username="anke", home_space=space)
    colleague = MemberFactory(username="bram", display_name="Bram Claes", home_space=space)
    services.check_in_start(member=colleague, space=space)
    starts = timezone.now() + dt.timedelta(days=2)
    Event.objects.create(
        space=space,
        title="Netwerkontbijt",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        language="nl",
    )
    Event.objects.create(
        space=None, title="Coworking Week", starts_at=starts, ends_at=starts + dt.timedelta(days=4)
    )
    Event.objects.create(
        space=SpaceFactory(), title="Elsewhere", starts_at=starts, ends_at=starts + dt.timedelta(hours=1)
    )
    client.force_login(me)

    response = client.get(reverse("home"))

    page = response.content.decode()
    assert response.context["space"] == space
    assert [c.member for c in response.context["whos_in"].check_ins] == [colleague]
    assert "Netwerkontbijt" in page and "Coworking Week" in page and "Elsewhere" not in page
    assert list(response.context["recent_members"]) == [colleague]
    assert reverse("community:check_in", kwargs={"slug": space.slug}) in page


@pytest.mark.clock
@pytest.mark.django_db
def test_member_home_offers_check_out_once_checked_in(client):
    space = SpaceFactory()
    me = MemberFactory(home_space=space)
    services.check_in_start(member=me, space=space)
    client.force_login(me)

    page = client.get(reverse("home")).content.decode()

    assert reverse("community:check_out") in page
    assert "You are checked in here since" in page


@pytest.mark.django_db
def test_member_without_a_space_is_invited_to_choose_one(member_client):
    response = member_client.get(reverse("home"))

    assert response.status_code == 200
    assert "You have not chosen a home space yet." in response.content.decode()


@pytest.mark.django_db
def test_home_has_the_help_requests_slot(member_client):
    response = member_client.get(reverse("home"))

    assert "includes/home_help_requests.html" in [t.name for t in response.templates]

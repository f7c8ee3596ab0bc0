from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from community.network.models import Plan, Space
from profiles.models import Member

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--no-progress", *args, stdout=out)
    return out.getvalue()


def test_seed_builds_the_network_of_25_spaces_in_three_regions():
    output = seed("--members", "40")

    assert Space.objects.count() == 25
    by_region = {r: Space.objects.filter(region=r).count() for r in ("brussels", "flanders", "wallonia")}
    assert by_region == {"brussels": 8, "flanders": 8, "wallonia": 9}
    surface = Space.objects.aggregate(total=Sum("surface_m2"))["total"]
    assert 13_800 <= surface <= 14_200
    assert Plan.objects.count() == 75
    full_time = Plan.objects.filter(kind="full_time").values_list("price_eur", flat=True)
    assert all(250 <= price <= 350 for price in full_time)
    assert "demo / coworking-demo" in output


def test_seed_default_is_about_1300_members_with_skills_languages_and_spaces():
    seed()

    members = Member.objects.exclude(username="demo")
    assert members.count() == 1300
    assert not members.filter(home_space__isnull=True).exists()
    assert members.filter(skills_offered__isnull=False).distinct().count() == 1300
    assert members.filter(languages__code="nl").distinct().count() > 200
    assert members.filter(languages__code="fr").distinct().count() > 500
    regions = set(members.values_list("home_space__region", flat=True))
    assert regions == {"brussels", "flanders", "wallonia"}


def test_seed_is_deterministic_and_safe_to_run_twice():
    seed("--members", "30")
    first = list(Member.objects.order_by("username").values_list("username", "headline", "home_space__slug"))

    seed("--members", "30")

    assert (
        list(Member.objects.order_by("username").values_list("username", "headline", "home_space__slug"))
        == first
    )
    assert Space.objects.count() == 25


def test_seed_with_more_members_only_adds_the_missing_ones():
    seed("--members", "20")
    before = set(Member.objects.values_list("username", flat=True))

    seed("--members", "50")

    after = set(Member.objects.values_list("username", flat=True))
    assert before < after
    assert len(after) == 51  # 50 demo members and the demo login


def test_demo_login_works(client):
    seed("--members", "5")

    assert client.login(username="demo", password="coworking-demo")


def test_if_empty_leaves_an_existing_network_alone():
    seed("--members", "5")

    output = seed("--members", "50", "--if-empty")

    assert "left as it is" in output
    assert Member.objects.count() == 6

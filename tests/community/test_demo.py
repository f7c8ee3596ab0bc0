import datetime as dt
import io
import random

import pytest
import time_machine
from django.utils import timezone

from community.core.timeutils import start_of_today
from community.demo import members as demo_members
from community.network import demo
from community.network.models import RSVP, CheckIn, Event, Membership, Space, TrialRequest
from tests.conftest import BRUSSELS


def counts() -> dict[str, int]:
    return {
        "memberships": Membership.objects.count(),
        "events": Event.objects.count(),
        "rsvps": RSVP.objects.count(),
        "trials": TrialRequest.objects.count(),
        "check_ins": CheckIn.objects.count(),
        "managers": Space.managers.through.objects.count(),
    }


@pytest.mark.clock
@pytest.mark.django_db
def test_demo_seed_brings_the_network_to_life_and_is_idempotent():
    demo_members.load_spaces()
    demo_members.seed_members(count=120)
    demo_members.ensure_demo_login()

    demo.seed(rng=random.Random(demo_members.SEED), stdout=io.StringIO())
    first = counts()
    demo.seed(rng=random.Random(demo_members.SEED), stdout=io.StringIO())

    assert counts() == first
    assert first["memberships"] >= 121 and first["trials"] > 0 and first["check_ins"] > 0
    assert Event.objects.filter(space__isnull=True, title__startswith="Coworking Week").exists()
    assert Event.objects.filter(space__isnull=True, title__contains="European coworking conference").exists()
    assert Event.objects.filter(space__isnull=False, language="nl").exists()
    assert Event.objects.filter(space__isnull=False, language="fr").exists()
    # Seeded RSVPs never exceed a capacity; the waiting list only exists when full.
    for event in Event.objects.exclude(capacity=None):
        going = event.rsvps.filter(status="going").count()
        assert going <= event.capacity
        if event.rsvps.filter(status="waiting").exists():
            assert going == event.capacity
    assert (
        CheckIn.objects.filter(ended_at__isnull=True).values("member").distinct().count()
        == CheckIn.objects.filter(ended_at__isnull=True).count()
    )
    assert Space.objects.get(slug="hub-porte-de-namur").managers.filter(username="demo").exists()


@pytest.mark.django_db
def test_a_later_run_the_same_day_only_adds_who_has_arrived_since():
    demo_members.load_spaces()
    demo_members.seed_members(count=120)
    with time_machine.travel(dt.datetime(2026, 6, 9, 9, 10, tzinfo=BRUSSELS), tick=False):
        demo.seed(rng=random.Random(demo_members.SEED), stdout=io.StringIO())
        morning = set(
            CheckIn.objects.filter(started_at__gte=start_of_today()).values_list("member_id", "started_at")
        )

    with time_machine.travel(dt.datetime(2026, 6, 9, 11, 30, tzinfo=BRUSSELS), tick=False):
        demo.seed(rng=random.Random(demo_members.SEED), stdout=io.StringIO())
        today = CheckIn.objects.filter(started_at__gte=start_of_today())
        later = set(today.values_list("member_id", "started_at"))
        arrived_since = later - morning

        assert morning < later
        # (arriving at 09:10:00 sharp is not "before 09:10": the first run left them out)
        assert all(started >= dt.datetime(2026, 6, 9, 9, 10, tzinfo=BRUSSELS) for _, started in arrived_since)
        assert all(started < timezone.now() for _, started in later)
        assert today.values("member").distinct().count() == today.count()

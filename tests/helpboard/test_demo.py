"""The help board's demo data: realistic, in three languages, idempotent."""

from __future__ import annotations

import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F

from community.helpboard import demo, selectors
from community.helpboard.models import HelpReply, HelpRequest, HelpThanks
from tests.helpboard.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(db):
    call_command("seed_demo", "--members", "100", "--no-progress", "--skip-features", stdout=StringIO())


def seed() -> str:
    out = StringIO()
    demo.seed(rng=random.Random(7), stdout=out)
    return out.getvalue()


def test_seed_writes_about_thirty_requests_with_replies_and_thanks_once(network):
    seed()
    counts = (HelpRequest.objects.count(), HelpReply.objects.count(), HelpThanks.objects.count())

    assert "0 requests" in seed()

    assert (HelpRequest.objects.count(), HelpReply.objects.count(), HelpThanks.objects.count()) == counts

    assert 28 <= HelpRequest.objects.count() <= 35
    assert HelpRequest.objects.filter(status="open").count() >= 15
    assert HelpRequest.objects.filter(status="solved").count() >= 5
    assert HelpReply.objects.filter(is_offer=True).exists()
    assert HelpThanks.objects.count() >= 5
    titles = set(HelpRequest.objects.values_list("title", flat=True))
    assert {
        "Qui peut traduire mon site en néerlandais ?",
        "Wie kan mijn boekhouding nakijken?",
        "Looking for a photographer for our team page",
    } <= titles
    # Nobody thanks themselves, nobody answers their own need as a helper.
    assert not HelpThanks.objects.filter(helper=F("help_request__author")).exists()


def test_the_demo_login_has_requests_to_help_with_and_its_own_to_solve(network):
    from profiles.models import Member

    seed()
    demo_member = Member.objects.get(username="demo")

    own_open = HelpRequest.objects.get(author=demo_member, status="open")
    assert own_open.replies.exclude(author=demo_member).exists()
    assert selectors.requests_for_helper(member=demo_member, limit=5)
    assert selectors.helped_count(member=demo_member) == 0


def test_a_seeded_request_gets_its_matches_when_first_opened(network):
    from search.services import index_rebuild

    seed()
    index_rebuild()
    help_request = HelpRequest.objects.get(title="Qui peut traduire mon site en néerlandais ?")
    assert help_request.matched_at is None
    reader = HelpReply.objects.filter(help_request=help_request).first().author

    response = client_for(reader).get(help_request.get_absolute_url())

    help_request.refresh_from_db()
    assert response.status_code == 200
    assert help_request.matched_at is not None
    best = help_request.matches.select_related("member").get(rank=1).member
    assert "translation" in {tag.skill.slug for tag in best.offered_tags if tag.skill_id}

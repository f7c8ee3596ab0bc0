"""Help board fixtures: members with canonical skills, and a client per member."""

from __future__ import annotations

import pytest
from django.test import Client

from profiles.models import Member, SkillTag
from search.services import index_members_now
from tests.factories import MemberFactory, SpaceFactory


def give_skills(member: Member, *slugs: str) -> Member:
    """Offer canonical skills by slug (the taxonomy's own tags, as the profile editor stores them),
    and index the member as the search's outbox does after a commit (a test in a transaction
    never commits)."""
    tags = list(SkillTag.objects.filter(skill__slug__in=slugs))
    assert len(tags) == len(slugs), f"unknown skill in {slugs}"
    member.skills_offered.add(*tags)
    reindex(member)
    return member


def reindex(*members: Member) -> None:
    errors = index_members_now(member_ids=[m.pk for m in members])
    assert not errors, errors


def client_for(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def taxonomy(db):
    """The skill taxonomy, for transactional tests: an earlier one's flush empties what the data
    migration loaded (serialized_rollback clashes with the content types other flushes recreate)."""
    from profiles.models import Skill, SkillCategory
    from profiles.taxonomy import clear_term_index, load_taxonomy

    if not Skill.objects.exists():
        load_taxonomy(skill_model=Skill, category_model=SkillCategory, tag_model=SkillTag)
        clear_term_index()


@pytest.fixture
def brussels(db):
    return SpaceFactory(name="Coworking Ixelles", city="Ixelles", region="brussels")


@pytest.fixture
def ghent(db):
    return SpaceFactory(name="Coworking Gent", city="Gent", region="flanders")


@pytest.fixture
def author(db, brussels):
    return MemberFactory(username="asker", display_name="Alice Asker", home_space=brussels)


@pytest.fixture
def translator(db, brussels):
    member = MemberFactory(
        username="sofie",
        display_name="Sofie Peeters",
        headline="Vertaalster FR-NL-EN, websites en documenten",
        profession="Vertaler",
        home_space=brussels,
        available=True,
    )
    return give_skills(member, "translation", "proofreading", "localisation")


@pytest.fixture
def accountant(db, ghent):
    member = MemberFactory(
        username="jan",
        display_name="Jan Janssens",
        headline="Boekhouder voor freelancers en kmo's",
        profession="Boekhouder",
        home_space=ghent,
    )
    return give_skills(member, "bookkeeping", "accounting", "vat")


@pytest.fixture
def author_client(author) -> Client:
    return client_for(author)

"""Fixtures of the search tests: a backend fixture parametrised over both backends, people."""

from __future__ import annotations

import pytest

from community.network.models import Region
from profiles.models import Language, Member, SkillTag
from search.services import index_rebuild
from tests.factories import MemberFactory, SpaceFactory

BACKENDS = ["database", pytest.param("elasticsearch", marks=pytest.mark.slow)]


@pytest.fixture(params=BACKENDS)
def backend_name(request, settings) -> str:
    """Each test using it runs twice: on the database backend and on the real search engine."""
    if request.param == "elasticsearch":
        request.getfixturevalue("elasticsearch_settings")
    else:
        settings.SEARCH_BACKEND = "database"
    return request.param


@pytest.fixture
def reindex(backend_name):
    """Rebuild the index of the backend under test from the database (what a test just created).

    A rebuild refreshes its new index before the alias moves onto it: searchable at once."""

    def run() -> None:
        index_rebuild()

    return run


@pytest.fixture
def spaces(db):
    return {
        "brussels": SpaceFactory(
            name="Hub Brussels", slug="hub-brussels", city="Bruxelles", region=Region.BRUSSELS
        ),
        "gent": SpaceFactory(
            name="Gentse Werkbank", slug="gentse-werkbank", city="Gent", region=Region.FLANDERS
        ),
        "antwerpen": SpaceFactory(
            name="Loft Antwerpen", slug="loft-antwerpen", city="Antwerpen", region=Region.FLANDERS
        ),
        "liege": SpaceFactory(name="Forge Liège", slug="forge-liege", city="Liège", region=Region.WALLONIA),
        "namur": SpaceFactory(
            name="Atelier Namur", slug="atelier-namur", city="Namur", region=Region.WALLONIA
        ),
    }


def make_person(
    username: str,
    *,
    name: str,
    headline: str = "",
    profession: str = "",
    bio: str = "",
    skills: tuple[str, ...] = (),
    free_tags: tuple[str, ...] = (),
    languages: tuple[str, ...] = ("fr",),
    space=None,
    available: bool = False,
    visibility: str = Member.Visibility.MEMBERS,
) -> Member:
    """A member with canonical skills (by slug), free tags, languages and a home space."""
    member = MemberFactory(
        username=username,
        display_name=name,
        headline=headline,
        profession=profession,
        bio=bio,
        home_space=space,
        available=available,
        visibility=visibility,
    )
    tags = list(SkillTag.objects.filter(skill__slug__in=skills))
    assert len(tags) == len(skills), f"unknown skill slug in {skills}"
    member.skills_offered.add(*tags, *free_tags)
    member.languages.add(*[Language.objects.get_or_create(code=code)[0] for code in languages])
    return member

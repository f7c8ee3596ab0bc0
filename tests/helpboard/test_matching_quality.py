"""Matching quality: for requests written like real needs (FR/NL/EN), the member who can help
is among the three suggested, through the real search (database backend), against a member of
every profession of the demo network offering the same kinds of skills; the suggestions are the
search's own first strong results for the request, in its order (one engine, not two), and a
request whose author chose skills suggests only members who offer one of them."""

from __future__ import annotations

import pytest

from community.helpboard import matching, selectors, services
from profiles.models import Language
from search.selectors import search_members
from tests.factories import MemberFactory, SpaceFactory
from tests.helpboard.conftest import give_skills
from tests.helpboard.matching_data import PEOPLE, REQUESTS, SPACES, distractors

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(db):
    spaces = {
        key: SpaceFactory(name=name, city=city, region=region) for key, (name, city, region) in SPACES.items()
    }
    people = {}
    for username, (name, headline, bio, skills, languages, space, available) in PEOPLE.items():
        member = MemberFactory(
            username=username,
            display_name=name,
            headline=headline,
            bio=bio,
            home_space=spaces[space],
            available=available,
        )
        member.languages.add(*[Language.objects.get_or_create(code=code)[0] for code in languages])
        people[username] = give_skills(member, *skills)
    for username, name, headline, skills in distractors():
        give_skills(
            MemberFactory(username=username, display_name=name, headline=headline, home_space=spaces["mons"]),
            *skills,
        )
    return spaces, people


def test_the_member_who_can_help_is_in_the_top_three(network):
    spaces, people = network
    misses = []
    for number, (title, description, skills, space_key, expected) in enumerate(REQUESTS):
        # A new author each time, offering nothing, working where the request is.
        author = MemberFactory(username=f"asker{number}", home_space=spaces[space_key or "brussels"])
        help_request = services.help_request_create(
            author=author,
            title=title,
            description=description,
            skills=list(skills),
            space=spaces[space_key] if space_key else None,
        )
        matches = selectors.request_matches(help_request=help_request)
        ranked = [m.member.username for m in matches]
        if expected not in ranked[:3]:
            misses.append(f"{title!r}: expected {expected}, got {ranked}")
        searched = search_members(
            query=matching.help_request_query(help_request),
            searcher=author,
            filters=matching.search_filters(help_request.chosen_skills),
            page_size=matching.MATCH_LIMIT,
        )
        if ranked != [r.username for r in searched.results if r.strong]:
            misses.append(f"{title!r}: the board reordered the search: {ranked}")
        chosen = set(help_request.chosen_skills)
        offers = [{tag.skill.slug for tag in m.member.offered_tags if tag.skill_id} for m in matches]
        if chosen and any(not chosen & offered for offered in offers):
            misses.append(f"{title!r}: someone suggested offers none of {sorted(chosen)}: {ranked}")

    assert len(REQUESTS) >= 10
    assert not misses, "\n".join(misses)

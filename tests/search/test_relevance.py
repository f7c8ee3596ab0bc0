"""The relevance suite: the same fixed network and requests on both backends, MRR and nDCG@5.

Run with -s to see the figures and the requests that miss.
"""

from __future__ import annotations

import math

import pytest

from search.selectors import search_members
from tests.factories import MemberFactory
from tests.search.conftest import make_person
from tests.search.relevance_data import HIDDEN, PEOPLE, QUERIES

MRR_FLOOR = 0.85
NDCG_FLOOR = 0.80


def dcg(grades: list[int]) -> float:
    return sum((2**grade - 1) / math.log2(position + 2) for position, grade in enumerate(grades))


@pytest.fixture
def network(spaces):
    for username, (
        name,
        headline,
        profession,
        bio,
        skills,
        free_tags,
        languages,
        space,
        available,
    ) in PEOPLE.items():
        make_person(
            username,
            name=name,
            headline=headline,
            profession=profession,
            bio=bio,
            skills=skills,
            free_tags=free_tags,
            languages=languages,
            space=spaces[space],
            available=available,
            visibility="hidden" if username in HIDDEN else "members",
        )
    # A searcher with no space of their own: ranking by relevance and availability only.
    return MemberFactory(username="searcher")


def test_relevance_of_the_fixed_requests(backend_name, network, reindex):
    # given the fixed network, indexed
    reindex()
    reciprocal_ranks, ndcgs, misses = [], [], []
    # when every request is searched
    for query, grades in QUERIES:
        page = search_members(query=query, searcher=network, page_size=10)
        found = [result.username for result in page.results]
        assert not HIDDEN & set(found), query
        first = next((i for i, username in enumerate(found) if grades.get(username, 0) >= 2), None)
        reciprocal_ranks.append(0.0 if first is None else 1 / (first + 1))
        ideal = dcg(sorted(grades.values(), reverse=True)[:5])
        ndcgs.append(dcg([grades.get(username, 0) for username in found[:5]]) / ideal)
        if first != 0 or ndcgs[-1] < 0.8:
            misses.append(
                f"  {query!r}: first good answer at {None if first is None else first + 1}, top 5 {found[:5]}"
            )
    mrr, ndcg = sum(reciprocal_ranks) / len(QUERIES), sum(ndcgs) / len(QUERIES)
    print(
        f"\n[relevance] backend={backend_name} queries={len(QUERIES)} members={len(PEOPLE)} MRR={mrr:.3f} nDCG@5={ndcg:.3f}"
    )
    print("\n".join(misses))
    # then both figures stay above the floors
    assert mrr >= MRR_FLOOR, "\n".join(misses)
    assert ndcg >= NDCG_FLOOR, "\n".join(misses)

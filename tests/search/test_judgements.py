"""The relevance judgements on the demo network: every need of judgements.py, graded by grading.py,
searched on both backends, with MRR, nDCG@5 and P@5 per half (tuning / held-out).

    .venv/bin/python -m pytest tests/search/test_judgements.py -s      # the table and the misses

The demo network (community/demo, default size) is seeded once for the module inside a transaction
that is rolled back at the end; each backend indexes it once.

Targets, on the held-out half: MRR >= 0.93, nDCG@5 >= 0.90, P@5 >= 0.90, and every no-answer need
said to have no answer. The floors below are what today's engine passes, a little under what was
measured: the engine is being improved in parallel, and whoever improves it raises them.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from contextlib import ExitStack
from html.parser import HTMLParser
from typing import NamedTuple

import pytest
from django.db import transaction
from django.test import override_settings

from community.demo import members as demo_members
from search.services import index_rebuild
from tests.search.conftest import BACKENDS
from tests.search.grading import PLACES, figures, grades, load_people, misses, run_needs, table
from tests.search.judgements import HELD_OUT, HELD_OUT_HALF, KINDS, NEEDS, TUNING, TUNING_HALF

DEMO_SIZE = 1300  # seed_demo's default: about 5 s to seed here


class Floor(NamedTuple):
    mrr: float
    ndcg: float
    precision: float
    no_answer_said: float  # share of the no-answer needs whose page says nobody offers it
    wrongly_said: int  # at most this many needs with answers whose page says nobody offers it


# Before the query understanding of #14 (measured 2026-12-01, SQLite and osmem, 1,300 members):
#                      MRR    nDCG@5  P@5    no answer said   wrongly said no answer
#   database tuning    0.890  0.801  0.879  9 of 13          4
#   database held-out  0.867  0.760  0.840  9 of 13          4
#   elastic  tuning    0.883  0.793  0.870  8 of 13          4
#   elastic  held-out  0.835  0.726  0.800  7 of 13          3
# After (tuned on the tuning half only; README has the latest table):
#   database tuning    1.000  0.996  0.993  13 of 13         0
#   database held-out  0.960  0.949  0.951  13 of 13         2
#   elastic  tuning    0.995  0.994  0.993  13 of 13         0
#   elastic  held-out  0.970  0.952  0.953  13 of 13         2
# On a real OpenSearch 2.19 instead of osmem (#17; SQLite figures of the same run):
#   database tuning    1.000  0.996  0.995  13 of 13         0
#   database held-out  0.959  0.948  0.951  13 of 13         2
#   elastic  tuning    0.995  0.993  0.991  13 of 13         0
#   elastic  held-out  0.971  0.960  0.964  13 of 13         2
# Floors: the targets on the held-out half (MRR >= 0.93, nDCG@5 >= 0.90, P@5 >= 0.90,
# every no-answer need said), a little under the measured figures on the tuning half.
FLOORS = {
    ("database", TUNING_HALF): Floor(0.97, 0.96, 0.96, 1.0, 1),
    ("database", HELD_OUT_HALF): Floor(0.93, 0.90, 0.90, 1.0, 3),
    ("elasticsearch", TUNING_HALF): Floor(0.97, 0.96, 0.96, 1.0, 1),
    ("elasticsearch", HELD_OUT_HALF): Floor(0.93, 0.90, 0.90, 1.0, 3),
}

RUNS: dict[str, list] = {}  # backend -> outcomes, for the combined table at the end


@pytest.fixture(scope="module")
def people(django_db_setup, django_db_blocker):
    """The demo network, seeded once for the module (rolled back after), and what the judge knows."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            demo_members.load_spaces()
            demo_members.seed_members(count=DEMO_SIZE)
            demo_members.ensure_demo_login()
            with override_settings(SEARCH_BACKEND="database"):
                index_rebuild(backend_name="database")
            known = load_people()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield known
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request, people, django_db_blocker):
    """The module's backend_name/reindex: each backend indexes the demo network once."""
    name = request.param
    with ExitStack() as stack:
        if name == "elasticsearch":
            from search.backends.elasticsearch import ElasticsearchBackend, reset_circuit

            server = request.getfixturevalue("search_server")
            stack.enter_context(
                override_settings(
                    SEARCH_BACKEND="elasticsearch",
                    ELASTICSEARCH_URL=server.url,
                    ELASTICSEARCH_CLIENT_OPTIONS={"request_timeout": 60},
                    ELASTICSEARCH_INDEX_PREFIX=f"judge-{uuid.uuid4().hex[:10]}",
                )
            )
            reset_circuit()
            stack.callback(reset_circuit)
            stack.callback(lambda: ElasticsearchBackend().drop_indices())
            with django_db_blocker.unblock():
                index_rebuild(backend_name="elasticsearch")  # refreshed before the alias swap
        else:
            stack.enter_context(override_settings(SEARCH_BACKEND="database"))
        yield name


@pytest.fixture(scope="module", autouse=True)
def _combined_table():
    yield
    if len(RUNS) > 1:
        print("\n[judgements] both backends\n" + table(RUNS, KINDS))


@pytest.mark.django_db
def test_the_judge_finds_answers_in_the_demo_data_for_every_need(people):
    # given the seeded demo network
    listed = {username: person for username, person in people.items() if person.listed}
    problems = []
    # then every need reads as intended: known places and searchers, answers where answers are due
    for need in NEEDS:
        assert need.kind in KINDS and need.lang in ("fr", "nl", "en"), need
        assert need.place is None or need.place in PLACES, need
        assert need.searcher in people, need
        graded = grades(need, people)
        if need.kind == "no-answer":
            offered = [u for u, p in listed.items() if any(set(skill) & p.skills for skill in need.skills)]
            if offered or graded:
                problems.append(f"{need.text!r}: offered by {offered[:5]}")
        elif not any(value >= 2 for value in graded.values()):
            problems.append(f"{need.text!r}: nobody graded 2 or more")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_what_nobody_offers_is_nowhere_in_the_taxonomy_or_the_profiles(people):
    from profiles.models import Member, Skill, SkillTag
    from tests.search.grading import fold

    # given every word of the taxonomy, the demo's professions and what the members wrote
    texts = [" ".join((p.en, p.fr, p.nl)) for p in demo_members.PROFESSIONS]
    texts += [" ".join(row) for row in Skill.objects.values_list("name_fr", "name_nl", "name_en", "synonyms")]
    texts += list(SkillTag.objects.values_list("name", flat=True))
    texts += [" ".join(row) for row in Member.objects.values_list("headline", "bio", "profession")]
    folded = [fold(text) for text in texts]
    # then the no-answer needs outside the taxonomy name something nobody mentions
    for need in (n for n in NEEDS if n.topic):
        for stem in need.topic:
            assert not [text for text in folded if stem in text], (need.text, stem)


def test_the_split_is_about_half_and_half_in_every_kind():
    assert len(NEEDS) >= 220
    assert len(TUNING) + len(HELD_OUT) == len(NEEDS)
    counts = Counter((need.kind, need.half) for need in NEEDS)
    for kind in KINDS:
        assert abs(counts[kind, TUNING_HALF] - counts[kind, HELD_OUT_HALF]) <= 2, kind


@pytest.mark.django_db
def test_relevance_of_the_needs_on_the_demo_network(backend, people):
    # given the demo network, indexed by the backend under test
    # when every need is searched as its searcher
    outcomes = run_needs(NEEDS, people)
    RUNS[backend] = outcomes
    # then no hidden member and never the searcher is found
    hidden = {username for username, person in people.items() if not person.listed}
    for outcome in outcomes:
        assert not hidden & set(outcome.found), outcome.need.text
        assert outcome.need.searcher not in outcome.found, outcome.need.text
    print(f"\n[judgements] backend={backend} needs={len(NEEDS)} members={len(people)}")
    print(table({backend: outcomes}, KINDS))
    print("misses:\n" + misses(outcomes))
    # and each half stays above its floors
    for half in (TUNING_HALF, HELD_OUT_HALF):
        got = figures([o for o in outcomes if o.need.half == half])
        floor = FLOORS[backend, half]
        assert got.mrr >= floor.mrr, (half, "MRR", got.mrr)
        assert got.ndcg >= floor.ndcg, (half, "nDCG@5", got.ndcg)
        assert got.precision >= floor.precision, (half, "P@5", got.precision)
        assert got.no_answer_said >= floor.no_answer_said, (half, "no answer said", got.no_answer_said)
        assert got.wrongly_said <= floor.wrongly_said, (half, "wrongly said no answer", got.wrongly_said)


class _Fragment(HTMLParser):
    """What a highlight holds: its tags in order and its text (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.events.append(f"<{tag}{' attrs' if attrs else ''}>")

    def handle_startendtag(self, tag, attrs):
        self.events.append(f"<{tag}/>")

    def handle_endtag(self, tag):
        self.events.append(f"</{tag}>")

    def handle_data(self, data):
        self.text += data


def highlight_problem(fragment: str, source: str) -> str | None:
    """Why `fragment` is not well-formed HTML for a page, or not inside `source`; None if fine."""
    parser = _Fragment()
    parser.feed(fragment)
    parser.close()
    if parser.rawdata:
        return "unfinished markup"
    depth = 0
    for event in parser.events:
        if event not in ("<mark>", "</mark>"):
            return f"tag {event}"
        depth += 1 if event == "<mark>" else -1
        if depth not in (0, 1):
            return "nested or unopened <mark>"
    if depth:
        return "<mark> left open"
    if parser.text.strip("…").strip() not in source:
        return "text not in the field"
    return None


@pytest.mark.django_db
def test_every_highlight_of_the_needs_pages_is_well_formed(backend, people, caplog):
    from profiles.models import Member
    from search.selectors import search_members

    # given the first result page of every other need (about 120 pages, over 1,000 results)
    searchers = {m.username: m for m in Member.objects.filter(username__in={n.searcher for n in NEEDS})}
    problems, checked = [], 0
    with caplog.at_level(logging.WARNING, logger="search.selectors"):
        for need in NEEDS[::2]:
            page = search_members(query=need.text, searcher=searchers[need.searcher], page_size=10)
            for result in page.results:
                member = result.member
                labels = " | ".join(label for _key, label, _html in result.skills)
                for field, fragments in result.highlights.items():
                    source = labels if field == "skills" else getattr(member, field)
                    for fragment in fragments:
                        checked += 1
                        problem = highlight_problem(fragment, source)
                        if problem:
                            problems.append(
                                f"{need.text!r} {member.username}.{field}: {problem}: {fragment!r}"
                            )
    # then every <mark> is closed, nothing else is markup, the text is the field's own
    assert checked > 500, checked
    assert not problems, "\n".join(problems[:20])
    # and on the engine, none of its own highlights had to be replaced before reaching a page
    refused = [r.getMessage() for r in caplog.records if "highlight" in r.getMessage()]
    assert not refused, refused[:5]

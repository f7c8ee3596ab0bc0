#!/usr/bin/env python
"""Relevance report: the needs of tests/search/judgements.py searched on a demo database, graded by
tests/search/grading.py (from the demo data only), MRR, nDCG@5 and P@5 per kind and half
(tuning / held-out) on each backend available. The same figures as

    .venv/bin/python -m pytest tests/search/test_judgements.py -s

but outside pytest, for the README:

    .venv/bin/python tests/bench/bench_relevance.py                 # database backend
    .venv/bin/python tests/bench/bench_relevance.py --engine         # + the Elasticsearch backend on a real OpenSearch
    ELASTICSEARCH_URL=http://localhost:9200 .venv/bin/python tests/bench/bench_relevance.py
    .venv/bin/python tests/bench/bench_relevance.py --misses        # + the needs that miss

The database is an SQLite file in --workdir, seeded once with
`manage.py seed_demo --members 1300 --skip-features` (kept for the next run; --reseed starts over),
as in the test: no check-ins, so no "checked in here" boost depends on the hour. Elasticsearch
(ELASTICSEARCH_URL, or an OpenSearch started with --engine) gets its own index prefix, dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# The same demo file preparation as the search benchmark (this directory is on sys.path when
# a script here runs).
from bench_search import prepare

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DEMO_SIZE = 1300  # the size the judgements were written for (their searchers are demo members)


def run(db: Path, *, with_engine: bool, show_misses: bool) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
    import django

    django.setup()
    from django.conf import settings

    from search.backends import get_backend
    from search.services import index_rebuild
    from tests.search.grading import grades, load_people, misses, run_needs, table
    from tests.search.judgements import KINDS, NEEDS

    people = load_people()
    missing = sorted({need.searcher for need in NEEDS} - set(people))
    if missing:
        sys.exit(f"{db} is not the demo network the needs were written for: no {missing}")
    unanswered = [
        need.text
        for need in NEEDS
        if need.kind != "no-answer" and not any(g >= 2 for g in grades(need, people).values())
    ]
    print(
        f"{len(NEEDS)} needs, {len(people):,} members; needs the data cannot answer: {unanswered or 'none'}"
    )

    backends = ["database"]
    server = None
    if with_engine and not settings.ELASTICSEARCH_URL:
        from tests.fixtures.search_engine import start_engine

        server = start_engine()
        settings.ELASTICSEARCH_URL = server.url
    if settings.ELASTICSEARCH_URL:
        settings.ELASTICSEARCH_CLIENT_OPTIONS = {
            **settings.ELASTICSEARCH_CLIENT_OPTIONS,
            "request_timeout": 120,
        }
        settings.ELASTICSEARCH_INDEX_PREFIX = "bench-relevance"
        backends.append("elasticsearch")

    runs = {}
    try:
        for name in backends:
            settings.SEARCH_BACKEND = name
            started = time.perf_counter()
            index_rebuild(backend_name=name)
            if name == "elasticsearch":
                get_backend().refresh()
            indexed = time.perf_counter()
            runs[name] = run_needs(NEEDS, people)
            done = time.perf_counter()
            print(
                f"{name}: indexed in {indexed - started:.1f} s, {len(NEEDS)} needs searched in {done - indexed:.1f} s",
                flush=True,
            )
    finally:
        if "elasticsearch" in backends:
            from search.backends.elasticsearch import ElasticsearchBackend

            ElasticsearchBackend().drop_indices()
        if server is not None:
            server.stop()

    print()
    print("Relevance of the judged needs on the demo network (first page of 10; grades from the demo data)")
    print(table(runs, KINDS))
    if show_misses:
        for name, outcomes in runs.items():
            print(f"misses, {name}:")
            print(misses(outcomes))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/coworking-relevance-bench"))
    parser.add_argument("--reseed", action="store_true", help="Seed the demo database again.")
    parser.add_argument(
        "--engine", action="store_true", help="Also Elasticsearch, on an OpenSearch started for the run."
    )
    parser.add_argument("--misses", action="store_true", help="Print the needs that miss, per backend.")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    db = args.workdir / f"demo-{DEMO_SIZE}.sqlite3"
    prepare(db, DEMO_SIZE, args.reseed)
    run(db, with_engine=args.engine, show_misses=args.misses)


if __name__ == "__main__":
    main()

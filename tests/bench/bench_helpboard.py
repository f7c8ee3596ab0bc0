#!/usr/bin/env python
"""Benchmark: the help board on SQLite and PostgreSQL, side by side.

    .venv/bin/python tests/bench/bench_helpboard.py [--members 1300] [--rounds 30]

For each database (a fresh SQLite file; a throwaway PostgreSQL cluster via scripts/with_postgres.py)
a worker process migrates and seeds the demo network (`seed_demo --members N`, which includes the
help board's demo requests and the search index), then measures, median and p95:

- matching: one "who can help me?" search for a request's title, the whole matching of a request
  (`request_query` and `find_helpers`: one search for its title, skills and details), and posting a request
  (`help_request_create`: validation, skill inference, matching, storing, notifying after commit);
- pages rendered by Django's test client (no network), with their query counts.

It prints one table with both databases, the PostgreSQL/SQLite ratio, and the matching cost as a
multiple of one search.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

REQUESTS = [
    ("Qui peut traduire mon site en néerlandais ?", "Une dizaine de pages, pour la rentrée."),
    (
        "Wie kan mijn boekhouding nakijken?",
        "Ik ben net gestart als zelfstandige en wil zeker zijn van mijn btw.",
    ),
    ("Looking for a photographer for our team page", "Eight friendly portraits, one morning at the space."),
    ("Besoin d'un logo pour notre asbl", "Un logo simple et deux couleurs pour nos affiches."),
    ("Tuinarchitect gezocht voor onze binnenkoer", "Veel groen, weinig onderhoud."),
]

PAGES = [
    ("/help/", "/help/"),
    ("/help/?mine=on", "/help/?mine=on"),
    ("/help/?skill=translation", "/help/?skill=translation"),
    ("/help/<id>/", "DETAIL"),
    ("/help/new/", "/help/new/"),
    ("home (member, with requests)", "/"),
]


def _stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 1),
    }


def worker(members: int, rounds: int) -> dict:
    os.environ["DJANGO_SETTINGS_MODULE"] = "community.settings_test"
    import django

    django.setup()
    from io import StringIO

    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from community.helpboard import matching, services
    from community.helpboard.models import HelpRequest
    from profiles.models import Member
    from search.selectors import search_members

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--members", str(members), "--no-progress", stdout=StringIO())
    seed_seconds = round(time.perf_counter() - started, 1)

    authors = list(
        Member.objects.filter(is_active=True, home_space__isnull=False).order_by("pk")[: rounds + 1]
    )
    results: dict = {"seed_seconds": seed_seconds, "matching": {}, "pages": {}}

    def measure(label: str, run) -> None:
        run(0)  # warm caches (taxonomy, query plans)
        samples = []
        for i in range(rounds):
            begin = time.perf_counter()
            run(i)
            samples.append(time.perf_counter() - begin)
        results["matching"][label] = _stats(samples)

    def one_search(i: int) -> None:
        title, _ = REQUESTS[i % len(REQUESTS)]
        search_members(query=title, searcher=authors[i], page_size=40)

    def one_match(i: int) -> None:
        title, details = REQUESTS[i % len(REQUESTS)]
        query = matching.request_query(
            title=title, description=details, skill_slugs=matching.infer_skill_slugs(title)
        )
        matching.find_helpers(author=authors[i], query=query)

    def one_post(i: int) -> None:
        title, details = REQUESTS[i % len(REQUESTS)]
        cache.clear()  # the posting rate limit is per author; the bench posts more often than people do
        services.help_request_create(author=authors[i], title=title, description=details)

    measure("one search (title)", one_search)
    measure("match a request", one_match)
    measure("post a request", one_post)

    demo = Member.objects.get(username="demo")
    client = Client()
    client.force_login(demo)
    detail = HelpRequest.objects.filter(status="open").exclude(author=demo).order_by("pk").first()
    client.get(detail.get_absolute_url())  # its matches are computed on first view
    for label, url in PAGES:
        url = detail.get_absolute_url() if url == "DETAIL" else url
        client.get(url)
        samples = []
        for _ in range(rounds):
            begin = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - begin)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        results["pages"][label] = _stats(samples) | {"queries": len(queries.captured_queries)}
    return results


def run_worker(args, *, postgres: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL"}}
    command = [
        sys.executable,
        __file__,
        "--worker",
        "--members",
        str(args.members),
        "--rounds",
        str(args.rounds),
    ]
    with tempfile.TemporaryDirectory(prefix="bench-helpboard-") as folder:
        if postgres:
            command = [sys.executable, str(REPO / "scripts" / "with_postgres.py"), "--", *command]
        else:
            env["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        output = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True)
    if output.returncode != 0:
        raise SystemExit(output.stderr[-4000:])
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--members", type=int, default=1300)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.members, args.rounds)))
        return

    sqlite, postgres = run_worker(args, postgres=False), run_worker(args, postgres=True)
    print(f"Help board, {args.members} demo members, {args.rounds} rounds (median / p95 in ms)")
    print(f"seeding: SQLite {sqlite['seed_seconds']} s, PostgreSQL {postgres['seed_seconds']} s\n")
    header = f"{'operation':32} {'SQLite':>16} {'PostgreSQL':>18} {'PG/SQLite':>10} {'x search':>16}"
    print(header)
    print("-" * len(header))
    base_s = sqlite["matching"]["one search (title)"]["median_ms"]
    base_p = postgres["matching"]["one search (title)"]["median_ms"]
    for label in sqlite["matching"]:
        s, p = sqlite["matching"][label], postgres["matching"][label]
        ratio = p["median_ms"] / s["median_ms"] if s["median_ms"] else float("nan")
        multiple = f"{s['median_ms'] / base_s:.1f} / {p['median_ms'] / base_p:.1f}"
        print(
            f"{label:32} {s['median_ms']:>7} / {s['p95_ms']:<7} {p['median_ms']:>8} / {p['p95_ms']:<8} {ratio:>10.2f} {multiple:>16}"
        )
    print()
    header = f"{'page':32} {'SQLite':>16} {'PostgreSQL':>18} {'PG/SQLite':>10} {'queries':>8}"
    print(header)
    print("-" * len(header))
    for label, _url in PAGES:
        s, p = sqlite["pages"][label], postgres["pages"][label]
        ratio = p["median_ms"] / s["median_ms"] if s["median_ms"] else float("nan")
        print(
            f"{label:32} {s['median_ms']:>7} / {s['p95_ms']:<7} {p['median_ms']:>8} / {p['p95_ms']:<8} {ratio:>10.2f} {s['queries']:>4}/{p['queries']}"
        )


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Search benchmark: the database backend, the Elasticsearch backend (OpenSearch) and the naive
`icontains` search most Django apps start with, side by side, at 10,000 and 100,000 members.

    .venv/bin/python tests/bench/bench_search.py                 # 10k and 100k, seeds if needed
    .venv/bin/python tests/bench/bench_search.py --sizes 10000 --repeat 5 --no-es

Each size gets its own SQLite file in --workdir, seeded once with
`manage.py seed_demo --members N --skip-features` (kept for the next run; --reseed starts over).
A worker process per size then times, for the 50 fixed requests of search_queries.py (each run
`--repeat` times after a warm-up, three passes on the engine for its JIT), as the
demo member (Brussels hub):
  - database: search.query.understand + DatabaseBackend.search (page of 20, exact count, all facets)
  - database, end to end: search.selectors.search_members (adds loading the 20 members and highlights)
  - elasticsearch (OpenSearch): understand + ElasticsearchBackend.search (same contract)
  - naive: Q(display_name|headline|bio|skills_offered__name __icontains=q), distinct, count + first 20
and the rebuild throughput of both backends, then the engine's alias-swap rebuild timed under a
steady search load from another thread (what those searches cost and whether any failed). Wall-clock times, with the process CPU time beside
them (the machine may be shared: CPU time shows what the search itself costs).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


# --- the worker: runs inside Django, against one database ---------------------------------------


def worker(size: int, repeat: int, with_es: bool) -> dict:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests" / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Q
    from search_queries import QUERIES

    from profiles.models import Member
    from search.backends import get_backend
    from search.backends.base import SearchRequest
    from search.query import understand
    from search.selectors import search_context, search_members
    from search.services import index_rebuild

    report: dict = {
        "size": size,
        "members": Member.objects.count(),
        "queries": len(QUERIES),
        "repeat": repeat,
    }

    def timed(action):
        wall, cpu = time.perf_counter(), time.process_time()
        result = action()
        return result, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000

    # Rebuild throughput.
    counts, wall, cpu = timed(lambda: index_rebuild(backend_name="database"))
    report["rebuild_database"] = {
        "members": counts["database"],
        "seconds": wall / 1000,
        "cpu_seconds": cpu / 1000,
    }

    server = None
    if with_es:
        from tests.fixtures.search_engine import start_engine

        server = start_engine(full_jit=True)
        settings.ELASTICSEARCH_URL = server.url
        settings.ELASTICSEARCH_CLIENT_OPTIONS = {"request_timeout": 120}
        settings.ELASTICSEARCH_INDEX_PREFIX = "bench"
        counts, wall, cpu = timed(lambda: index_rebuild(backend_name="elasticsearch"))
        report["rebuild_elasticsearch"] = {
            "members": counts["elasticsearch"],
            "seconds": wall / 1000,
            "cpu_seconds": cpu / 1000,
        }
        get_backend("elasticsearch").refresh()

    searcher = Member.objects.filter(username="demo").first() or Member.objects.order_by("id").first()

    def run_backend(name: str):
        backend = get_backend(name)

        def run(q: str):
            # The searcher's context depends on the request (the distances from a place it names).
            parsed = understand(q)
            return backend.search(
                SearchRequest(query=parsed, context=search_context(searcher, parsed), page_size=20)
            )

        return run

    def naive(q: str):
        text = q.strip()
        found = (
            Member.objects.filter(is_active=True)
            .exclude(visibility=Member.Visibility.HIDDEN)
            .exclude(pk=searcher.pk)
            .filter(
                Q(display_name__icontains=text)
                | Q(headline__icontains=text)
                | Q(bio__icontains=text)
                | Q(skills_offered__name__icontains=text)
            )
            .distinct()
        )
        return found.count(), list(
            found.order_by("-available", "-date_joined").values_list("id", flat=True)[:20]
        )

    approaches = {
        "database": run_backend("database"),
        "database, end to end": lambda q: search_members(query=q, searcher=searcher),
    }
    if with_es:
        approaches["elasticsearch (OpenSearch)"] = run_backend("elasticsearch")
    approaches["naive icontains"] = naive

    results = {}
    for label, action in approaches.items():
        # Warm-up: caches, connections, the facet bitmaps; the engine's JVM compiles its hot
        # paths over the first few hundred requests.
        for q in QUERIES * (3 if label.startswith("elasticsearch") else 1):
            action(q)
        walls, cpus, hits = [], [], []
        for _ in range(repeat):
            for q in QUERIES:
                outcome, wall, cpu = timed(lambda q=q, action=action: action(q))
                walls.append(wall)
                cpus.append(cpu)
                hits.append(outcome[0] if isinstance(outcome, tuple) else outcome.count)
        results[label] = {
            "p50": percentile(walls, 0.50),
            "p95": percentile(walls, 0.95),
            "max": max(walls),
            "cpu_p50": percentile(cpus, 0.50),
            "cpu_p95": percentile(cpus, 0.95),
            "mean_hits": statistics.mean(hits),
        }
    report["latency_ms"] = results
    if with_es:
        report["rebuild_under_load"] = rebuild_under_load(run_backend("elasticsearch"), QUERIES, timed)
    if server is not None:
        server.stop()
    return report


def rebuild_under_load(search, queries: list[str], timed) -> dict:
    """Rebuild the engine's index (new concrete index, alias swapped at the end) while another
    thread searches without pause, as members would: how long the rebuild takes under that load,
    and what the searches meanwhile cost and found (a search that fails or finds nobody where
    it found someone before the rebuild counts as a miss)."""
    import threading

    from django.db import connection

    from search.services import index_rebuild

    expected = {q: search(q).count for q in queries}
    stop = threading.Event()
    walls: list[float] = []
    misses = errors = 0

    def load() -> None:
        nonlocal misses, errors
        n = 0
        while not stop.is_set():
            q = queries[n % len(queries)]
            n += 1
            try:
                outcome, wall, _cpu = timed(lambda q=q: search(q))
            except Exception:  # noqa: BLE001 - counted: the figure says whether any search failed
                errors += 1
                continue
            walls.append(wall)
            if expected[q] and not outcome.count:
                misses += 1
        connection.close()

    thread = threading.Thread(target=load)
    thread.start()
    time.sleep(1.0)  # the load runs before the rebuild starts
    _counts, wall, _cpu = timed(lambda: index_rebuild(backend_name="elasticsearch"))
    time.sleep(1.0)  # and after the swap
    stop.set()
    thread.join()
    return {
        "seconds": wall / 1000,
        "searches": len(walls) + errors,
        "p50": percentile(walls, 0.50),
        "p95": percentile(walls, 0.95),
        "errors": errors,
        "misses": misses,
    }


# --- the driver ----------------------------------------------------------------------------------


def manage(db: Path, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "ELASTICSEARCH_URL": ""}
    subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, check=True)


def prepare(db: Path, size: int, reseed: bool) -> None:
    if reseed and db.exists():
        for path in db.parent.glob(db.name + "*"):
            path.unlink()
    fresh = not db.exists()
    manage(db, "migrate", "--noinput", "-v", "0")
    if fresh:
        print(f"seeding {size:,} members into {db} (a few minutes for 100,000)...", flush=True)
        manage(db, "seed_demo", "--members", str(size), "--skip-features", "--no-progress")


def print_report(reports: list[dict]) -> None:
    print()
    print("Search latency, 50 fixed FR/NL/EN requests (page of 20, exact count, facets), ms")
    header = f"{'members':>8}  {'approach':<22} {'p50':>8} {'p95':>8} {'max':>8}   {'cpu p50':>8} {'cpu p95':>8}  {'hits':>7}  {'p95 vs database':>16}"
    print(header)
    print("-" * len(header))
    for report in reports:
        latency = report["latency_ms"]
        base = latency["database"]["p95"]
        for label, row in latency.items():
            ratio = row["p95"] / base if base else float("nan")
            print(
                f"{report['size']:>8,}  {label:<22} {row['p50']:>8.1f} {row['p95']:>8.1f} {row['max']:>8.1f}   "
                f"{row['cpu_p50']:>8.1f} {row['cpu_p95']:>8.1f}  {row['mean_hits']:>7.0f}  {ratio:>15.1f}x"
            )
        naive = latency["naive icontains"]
        print(
            f"{'':>8}  naive / database: p50 {naive['p50'] / latency['database']['p50']:.1f}x faster, "
            f"p95 {naive['p95'] / latency['database']['p95']:.1f}x faster"
        )
    print()
    print("Rebuild throughput")
    for report in reports:
        for key, label in (
            ("rebuild_database", "database"),
            ("rebuild_elasticsearch", "elasticsearch (OpenSearch)"),
        ):
            if key in report:
                row = report[key]
                print(
                    f"{report['size']:>8,}  {label:<22} {row['members']:>8,} members in {row['seconds']:6.1f} s "
                    f"= {row['members'] / row['seconds']:>8,.0f} members/s (CPU {row['cpu_seconds']:.1f} s)"
                )
    for report in reports:
        if "rebuild_under_load" in report:
            row = report["rebuild_under_load"]
            print(
                f"{report['size']:>8,}  alias-swap rebuild under a steady search load: {row['seconds']:.1f} s; "
                f"{row['searches']:,} searches meanwhile, p50 {row['p50']:.1f} / p95 {row['p95']:.1f} ms, "
                f"{row['errors']} failed, {row['misses']} found nobody"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/coworking-search-bench"))
    parser.add_argument("--no-es", action="store_true", help="Skip the Elasticsearch (OpenSearch) backend.")
    parser.add_argument("--reseed", action="store_true", help="Seed the databases again.")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="Also print the raw figures as JSON.")
    args = parser.parse_args()
    if args.worker:
        print(
            "REPORT " + json.dumps(worker(args.worker, args.repeat, not args.no_es)),
            flush=True,
        )
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    reports = []
    for size in args.sizes:
        db = args.workdir / f"members-{size}.sqlite3"
        prepare(db, size, args.reseed)
        print(f"measuring {size:,} members...", flush=True)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "ELASTICSEARCH_URL": ""}
        command = [
            PYTHON,
            __file__,
            "--worker",
            str(size),
            "--repeat",
            str(args.repeat),
        ]
        command += ["--no-es"] if args.no_es else []
        output = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
        reports.append(
            json.loads(next(line for line in output.splitlines() if line.startswith("REPORT "))[7:])
        )
    print_report(reports)
    if args.json:
        print(json.dumps(reports, indent=1))


if __name__ == "__main__":
    main()

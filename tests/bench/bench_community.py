#!/usr/bin/env python
"""Benchmark: the coworking network on SQLite and PostgreSQL, side by side.

    .venv/bin/python tests/bench/bench_community.py [--members 1300] [--rounds 30] [--threads 8]

For each database (a fresh SQLite file; a throwaway PostgreSQL cluster via scripts/with_postgres.py)
a worker process migrates, seeds the demo network (`seed_demo --members N`), then measures:

- pages: median and p95 of the community pages rendered by Django's test client (no network),
  with their query counts;
- contention: `--threads` threads racing to RSVP to one event (capacity 100) and to ask for free
  trial days at one space, in requests per second, checking the capacities held.

It prints one table with both databases and the PostgreSQL/SQLite ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

PAGES = [
    ("home (anonymous)", "/", False),
    ("home (member)", "/", True),
    ("/spaces/", "/spaces/", False),
    ("/spaces/<slug>/ (member)", "/spaces/hub-porte-de-namur/", True),
    ("/spaces/<slug>/trial/", "/spaces/hub-porte-de-namur/trial/", False),
    ("/events/", "/events/", False),
    ("/events/<id>/ (member)", "EVENT", True),
    ("/events/feed.ics", "/events/feed.ics", False),
    ("/hours/", "/hours/", True),
    ("manager CSV (month)", "/spaces/hub-porte-de-namur/manage/hours.csv", True),
]


def worker(members: int, rounds: int, threads: int) -> dict:
    # The test settings: plain static files storage (no collectstatic), emails kept in memory.
    os.environ["DJANGO_SETTINGS_MODULE"] = "community.settings_test"
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from community.network import services
    from community.network.models import RSVP, Event, Space, TrialRequest
    from profiles.models import Member

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", members=members, no_progress=True, stdout=open(os.devnull, "w"))
    seed_seconds = time.perf_counter() - started

    demo = Member.objects.get(username="demo")
    event = Event.objects.filter(space__slug="hub-porte-de-namur").order_by("starts_at").first()
    results: dict = {"seed_seconds": round(seed_seconds, 1), "pages": {}, "contention": {}}

    anonymous, member = Client(), Client()
    member.force_login(demo)
    for label, url, as_member in PAGES:
        url = event.get_absolute_url() if url == "EVENT" else url
        client = member if as_member else anonymous
        client.get(url)  # warm caches and connections
        timings = []
        for _ in range(rounds):
            begin = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - begin) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        timings.sort()
        results["pages"][label] = {
            "median_ms": round(statistics.median(timings), 1),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
            "queries": len(queries),
        }

    # Contention: every thread RSVPs for its own members; the capacity must hold.
    racers = list(Member.objects.exclude(rsvps__event__isnull=False).order_by("pk")[: threads * 25])
    starts = timezone.now() + dt.timedelta(days=30)
    race = Event.objects.create(
        title="Bench race", starts_at=starts, ends_at=starts + dt.timedelta(hours=2), capacity=100
    )

    def run(jobs: list) -> float:
        barrier = threading.Barrier(len(jobs))
        errors: list[BaseException] = []

        def go(batch):
            try:
                barrier.wait()
                for job in batch:
                    job()
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                connections.close_all()

        pool = [threading.Thread(target=go, args=(batch,)) for batch in jobs]
        begin = time.perf_counter()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        if errors:
            raise errors[0]
        return time.perf_counter() - begin

    batches = [
        [lambda m=m: services.rsvp_going(event=race, member=m) for m in racers[i::threads]]
        for i in range(threads)
    ]
    seconds = run(batches)
    going = RSVP.objects.filter(event=race, status="going").count()
    results["contention"]["RSVPs per second"] = {
        "value": round(len(racers) / seconds, 1),
        "check": f"{going} going of capacity 100, {RSVP.objects.filter(event=race, status='waiting').count()} waiting",
    }

    space = Space.objects.get(slug="hub-porte-de-namur")
    space.trial_capacity = 40
    space.save(update_fields=["trial_capacity"])
    day = timezone.localdate() + dt.timedelta(days=1)
    while not space.is_open_on(day):
        day += dt.timedelta(days=1)
    from django.core.cache import cache
    from django.core.exceptions import ValidationError

    def ask(n: int):
        try:
            services.trial_request_create(
                space=space, name=f"Bench {n}", email=f"bench{n}@example.org", date=day
            )
        except ValidationError:
            pass  # the day is full: refused, as it should be

    cache.clear()
    asks = threads * 10
    seconds = run([[lambda n=n: ask(n) for n in range(i, asks, threads)] for i in range(threads)])
    booked = TrialRequest.objects.filter(space=space, date=day).exclude(status="declined").count()
    results["contention"]["trial requests per second"] = {
        "value": round(asks / seconds, 1),
        "check": f"{booked} booked of capacity 40",
    }
    return results


def run_worker(args: argparse.Namespace, *, postgres: bool) -> dict:
    command = [
        sys.executable,
        __file__,
        "--worker",
        "--members",
        str(args.members),
        "--rounds",
        str(args.rounds),
        "--threads",
        str(args.threads),
    ]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL"}}
    env.update(
        DEBUG="0",
        LOG_LEVEL="ERROR",
        PYTHONUNBUFFERED="1",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    with tempfile.TemporaryDirectory(prefix="bench-community-") as folder:
        if postgres:
            command = [sys.executable, str(REPO / "scripts" / "with_postgres.py"), "--", *command]
        else:
            env["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        output = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True)
    if output.returncode:
        sys.exit(f"worker failed ({'PostgreSQL' if postgres else 'SQLite'}):\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--members", type=int, default=1300)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.members, args.rounds, args.threads)))
        return

    sqlite, postgres = run_worker(args, postgres=False), run_worker(args, postgres=True)
    print(
        f"Community pages and contention, {args.members} demo members, {args.rounds} rounds, {args.threads} threads"
    )
    print(f"seeding: SQLite {sqlite['seed_seconds']} s, PostgreSQL {postgres['seed_seconds']} s\n")
    header = (
        f"{'page':32} {'SQLite med/p95 ms':>18} {'PostgreSQL med/p95 ms':>22} {'ratio':>6} {'queries':>8}"
    )
    print(header)
    print("-" * len(header))
    for label, _url, _member in PAGES:
        s, p = sqlite["pages"][label], postgres["pages"][label]
        ratio = p["median_ms"] / s["median_ms"] if s["median_ms"] else float("nan")
        queries = f"{s['queries']}/{p['queries']}"
        print(
            f"{label:32} {s['median_ms']:>8} / {s['p95_ms']:<7} {p['median_ms']:>10} / {p['p95_ms']:<9} {ratio:>6.2f} {queries:>8}"
        )
    print()
    header = f"{'contention':32} {'SQLite':>18} {'PostgreSQL':>22} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for label in sqlite["contention"]:
        s, p = sqlite["contention"][label], postgres["contention"][label]
        print(f"{label:32} {s['value']:>18} {p['value']:>22} {p['value'] / s['value']:>6.2f}")
        print(f"  SQLite: {s['check']}; PostgreSQL: {p['check']}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Benchmark: the member directory on 100,000 members, against a minimal view on the same server.

    .venv/bin/python tests/bench/bench_directory.py [--members 100000] [--requests 200] [--db PATH] [--fresh]

1. Seeds a separate SQLite file (`seed_demo --members N --skip-features`, then ANALYZE); the file is
   kept and reused by later runs unless --fresh (seeding 100,000 members takes a few minutes).
2. Starts a live Daphne on it (DEBUG off, the project's settings plus `/bench/minimal/`).
3. Requests every scenario in turn, round after round (so load from anything else on the machine
   falls on all of them alike), and prints the median and p95 of each, with the ratio to the
   minimal view's median and p95.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.fixtures.processes import stop_process  # noqa: E402

SETTINGS = "tests.bench.directory_site"


def bench_env(db_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DATABASE_URL=f"sqlite:///{db_path}",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="ERROR",
    )
    for name in ("REDIS_URL", "ELASTICSEARCH_URL"):
        env.pop(name, None)
    return env


def member_count(db_path: Path) -> int:
    try:
        with sqlite3.connect(db_path) as db:
            return db.execute("SELECT COUNT(*) FROM profiles_member").fetchone()[0]
    except sqlite3.Error:
        return 0


def seed(db_path: Path, members: int, *, fresh: bool) -> float:
    """Make sure the file holds `members` demo members; returns the seconds spent seeding."""
    if fresh and db_path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    env = bench_env(db_path)
    manage = [sys.executable, str(REPO / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=REPO)
    have = member_count(db_path)
    if have >= members:
        print(f"Reusing {db_path} ({have:,} members).")
        analyze(db_path)
        return 0.0
    print(f"Seeding {members:,} members into {db_path} (seed_demo) ...", flush=True)
    started = time.perf_counter()
    subprocess.run(
        [*manage, "seed_demo", "--members", str(members), "--skip-features", "--no-progress"],
        env=env,
        check=True,
        cwd=REPO,
    )
    analyze(db_path)
    return time.perf_counter() - started


def analyze(db_path: Path) -> None:
    """Planner statistics, as `PRAGMA optimize` keeps them on a long-running SQLite deployment."""
    with sqlite3.connect(db_path) as db:
        db.execute("ANALYZE")


def setup_django(db_path: Path) -> None:
    os.environ.update(bench_env(db_path))
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")

    django.setup()


def login_cookie(username: str) -> tuple[str, str]:
    from django.conf import settings

    from profiles.models import Member
    from tests.fixtures.daphne import session_cookie

    return settings.SESSION_COOKIE_NAME, session_cookie(Member.objects.get(username=username))


class Server:
    """One Daphne process on a free loopback port (access log off: it would cost the minimal view most)."""

    def __init__(self, env: dict[str, str]) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.log = Path(tempfile.mkstemp(prefix="bench-directory-daphne-", suffix=".log")[1])
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "community.asgi:application",
            ],
            cwd=REPO,
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.http_url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> Server:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"daphne exited:\n{self.log.read_text()[-3000:]}")
            try:
                requests.get(self.http_url + "/bench/minimal/", timeout=2)
                return self
            except requests.ConnectionError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"daphne did not answer in {timeout}s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        stop_process(self.process)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per scenario (default 200)")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument(
        "--cpu-requests", type=int, default=30, help="in-process requests per scenario (CPU time)"
    )
    parser.add_argument(
        "--db", type=Path, default=Path(tempfile.gettempdir()) / "coworking-bench-directory.sqlite3"
    )
    parser.add_argument("--fresh", action="store_true", help="seed a new database file")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    seconds = seed(args.db, args.members, fresh=args.fresh)
    setup_django(args.db)

    import requests

    from community.network.models import Space
    from profiles.models import Member

    total = Member.objects.count()
    space = Space.objects.filter(slug="hub-porte-de-namur").first() or Space.objects.order_by("slug").first()
    # The reader: a seeded member with skills offered and wanted (so their own page has complements).
    viewer = (
        Member.objects.filter(visibility=Member.Visibility.MEMBERS, home_space__isnull=False)
        .filter(offered_items__isnull=False, wanted_items__isnull=False)
        .order_by("id")
        .first()
    )
    other = (
        Member.objects.filter(visibility=Member.Visibility.MEMBERS)
        .exclude(pk=viewer.pk)
        .order_by("id")
        .first()
    )
    cookie_name, cookie = login_cookie(viewer.username)

    server = Server(bench_env(args.db)).wait_ready()
    try:
        anonymous = requests.Session()
        member = requests.Session()
        member.cookies.set(cookie_name, cookie)
        base = server.http_url

        # A deep page: follow "Next" 100 times (page 101 of newest-first, 2,400 members in).
        url, deep_page = "/members/", 1
        for _ in range(100):
            html = member.get(base + url, timeout=60).text
            found = re.search(r'href="([^"]+)"[^>]*rel="next"', html)
            if not found:
                break
            url = urljoin("/members/", found.group(1).replace("&amp;", "&"))
            deep_page += 1
        deep_url = url

        scenarios: list[tuple[str, requests.Session, str]] = [
            ("minimal Django view", member, "/bench/minimal/"),
            ("/members/ anonymous (public only)", anonymous, "/members/"),
            ("/members/ member, newest", member, "/members/"),
            ("/members/ member, by name", member, "/members/?sort=name"),
            ("skill=translation", member, "/members/?skill=translation"),
            (
                "skill=translation&skill=proofreading&available",
                member,
                "/members/?skill=translation&skill=proofreading&available=1",
            ),
            ("q=vertaler (a skill, in Dutch)", member, "/members/?q=vertaler"),
            ("q=graphic design, by name", member, "/members/?q=graphic+design&sort=name"),
            ("q=anneleen (free text, relevance)", member, "/members/?q=anneleen"),
            (f"space={space.slug}&language=nl", member, f"/members/?space={space.slug}&language=nl"),
            ("region=wallonia&available, by name", member, "/members/?region=wallonia&available=1&sort=name"),
            (
                "skill=drone-filming&language=de (selective)",
                member,
                "/members/?skill=drone-filming&language=de",
            ),
            (f"page {deep_page} (keyset cursor)", member, deep_url),
            ("profile page (own, with complements)", member, f"/members/{viewer.username}/"),
            ("profile page (another member)", member, f"/members/{other.username}/"),
        ]
        timings: dict[str, list[float]] = {name: [] for name, _, _ in scenarios}
        sizes: dict[str, int] = {}
        for round_number in range(args.warmup + args.requests):
            for name, session, path in scenarios:
                started = time.perf_counter()
                response = session.get(base + path, timeout=60)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{name}: HTTP {response.status_code}\n{response.text[:2000]}")
                if round_number >= args.warmup:
                    timings[name].append(elapsed)
                sizes[name] = len(re.findall(r'class="member-card[ "]', response.text))
    finally:
        server.stop()

    # The same requests in this process (Django's test client, no server), timed in CPU seconds:
    # what the code costs, whatever else the machine is doing at the same time.
    from django.test import Client

    anonymous_client, member_client = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
    member_client.cookies[cookie_name] = cookie
    clients = {id(anonymous): anonymous_client, id(member): member_client}
    cpu: dict[str, list[float]] = {name: [] for name, _, _ in scenarios}
    for round_number in range(args.warmup + args.cpu_requests):
        for name, session, path in scenarios:
            started = time.process_time()
            response = clients[id(session)].get(path)
            elapsed = (time.process_time() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{name} (in process): HTTP {response.status_code}")
            if round_number >= args.warmup:
                cpu[name].append(elapsed)

    base_median = statistics.median(timings["minimal Django view"])
    base_p95 = percentile(timings["minimal Django view"], 0.95)
    print()
    print(f"Directory benchmark: {total:,} members (SQLite file {args.db}), one Daphne process, DEBUG off,")
    print(f"{args.requests} sequential requests per scenario after {args.warmup} warm-up rounds, keep-alive.")
    if seconds:
        print(f"Seeding took {seconds:.0f} s.")
    header = (
        f"{'scenario':<50} {'cards':>5} {'median ms':>10} {'p95 ms':>8} {'x median':>9} {'x p95':>7}"
        f" {'CPU ms':>7} {'x CPU':>6}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    base_cpu = statistics.median(cpu["minimal Django view"])
    for name, _, path in scenarios:
        values = timings[name]
        median, p95 = statistics.median(values), percentile(values, 0.95)
        cpu_median = statistics.median(cpu[name])
        rows.append(
            {
                "scenario": name,
                "path": path,
                "cards": sizes[name],
                "median_ms": round(median, 2),
                "p95_ms": round(p95, 2),
                "ratio_median": round(median / base_median, 1),
                "ratio_p95": round(p95 / base_p95, 1),
                "cpu_median_ms": round(cpu_median, 2),
                "ratio_cpu": round(cpu_median / base_cpu, 1),
            }
        )
        print(
            f"{name:<50} {sizes[name]:>5} {median:>10.1f} {p95:>8.1f} {median / base_median:>8.1f}x {p95 / base_p95:>6.1f}x"
            f" {cpu_median:>7.1f} {cpu_median / base_cpu:>5.1f}x"
        )
    print("median/p95: wall time through Daphne over HTTP; CPU: the same request in process, CPU time only.")
    if args.json:
        args.json.write_text(
            json.dumps({"members": total, "requests": args.requests, "rows": rows}, indent=2)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python
"""Benchmark: the chat's send path on the database thread, with and without background checkpoints.

    .venv/bin/python tests/bench/bench_send_path.py [--hot 3000] [--cold 500]

What one chat message costs in the database (`messaging.services.message_send_to`, as the socket
calls it: checks, insert, commit), on a fresh SQLite file in WAL mode, in two child processes
side by side: SQLite checkpointing inside commits (SQLITE_CHECKPOINT_SECONDS=0) and the
background checkpointer (the default, community/sqlite_wal.py).

- hot: `--hot` messages back to back;
- cold: `--cold` messages one every 10 ms, as a chat at 100 messages a second sees it (caches
  cold between messages), p50/p99 of wall time.

The per-member rate limit is lifted in the children (the benchmark sends far faster than 20
messages per 10 s).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def child(hot: int, cold: int) -> None:
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from messaging import delivery, services
    from profiles.models import Member

    services.RATE_LIMIT_WINDOW = timedelta(microseconds=1)
    alice = Member.objects.create(username="alice", email="alice@bench.example")
    bob = Member.objects.create(username="bob", email="bob@bench.example")
    conversation = services.conversation_direct_get_or_create(member=alice, other=bob)
    services.request_accept(member=bob, conversation=conversation)

    def send(n: int) -> float:
        started = time.perf_counter()
        with delivery.collecting():  # as the socket does: the broadcast is left to its event loop
            services.message_send_to(
                sender=alice if n % 2 else bob,
                conversation_id=conversation.pk,
                body=f"Bonjour {n}",
                client_id=uuid.uuid4().hex,
            )
        return (time.perf_counter() - started) * 1000

    for n in range(200):
        send(n)
    hot_times = [send(n) for n in range(hot)]
    cold_times = []
    for n in range(cold):
        time.sleep(0.01)
        cold_times.append(send(n))
    print(
        json.dumps(
            {
                "hot_p50": percentile(hot_times, 50),
                "hot_p99": percentile(hot_times, 99),
                "cold_p50": percentile(cold_times, 50),
                "cold_p99": percentile(cold_times, 99),
            }
        )
    )


def run_child(args, checkpoint_seconds: str) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="coworking-bench-send-"))
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="community.settings_test",
        DATABASE_URL=f"sqlite:///{workdir / 'send.sqlite3'}",
        SQLITE_CHECKPOINT_SECONDS=checkpoint_seconds,
        DEBUG="0",
        LOG_LEVEL="ERROR",
    )
    env.pop("REDIS_URL", None)
    output = subprocess.run(
        [sys.executable, __file__, "--child", "--hot", str(args.hot), "--cold", str(args.cold)],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hot", type=int, default=3000)
    parser.add_argument("--cold", type=int, default=500)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.hot, args.cold)
        return 0
    inside = run_child(args, "0")
    background = run_child(args, "1")
    print(
        f"\nOne chat message through messaging.services.message_send_to on SQLite (WAL); {os.cpu_count()} cores"
    )
    print(f"{'(ms)':24}{'checkpoint in commits':>24}{'background checkpoints':>24}{'ratio':>10}")
    for key, label in [
        ("hot_p50", "back to back, p50"),
        ("hot_p99", "back to back, p99"),
        ("cold_p50", "one per 10 ms, p50"),
        ("cold_p99", "one per 10 ms, p99"),
    ]:
        ratio = inside[key] / background[key] if background[key] else float("nan")
        print(f"{label:24}{inside[key]:>24.3f}{background[key]:>24.3f}{ratio:>9.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Soak benchmark: many sockets chatting for minutes on one Daphne process; does memory stay flat?

    .venv/bin/python tests/bench/bench_soak.py [--sockets 500] [--minutes 10] [--sample 30]
                                               [--interval 10] [--json out.json]

One Daphne process (community.asgi:application, in-memory channel layer, a fresh SQLite file,
committed before broadcast as in production) and one asyncio client process holding `--sockets`
authenticated sockets, paired in direct conversations. Every socket sends a message to its
partner about every `--interval` seconds (jittered), the partner marks it read (as chat.js does
when the conversation is open), and every 10 seconds one socket writes in the space's lobby room
that all sockets are in (a fan-out to everyone). Clients behave like chat.js: they detect `seq`
gaps and `sync`.

Every `--sample` seconds: the server's RSS, its open file descriptors, messages stored, and the
send -> partner-delivery latency of the last window (p50/p99). At the end: growth after warm-up
(the first fifth of the run, at least one sample) as MiB, MiB/min (least squares) and a ratio,
plus delivery accounting (acked, delivered once, missing, doubled, errors).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.bench.bench_chat import (  # noqa: E402
    bulk_session_cookies,
    migrate_and_setup,
    percentile,
    raise_fd_limit,
    start_daphne,
)


@dataclass
class Plan:
    cookies: list[str]
    usernames: list[str]
    partner: list[int]  # index of each socket's partner
    conversation: list[int]  # each socket's direct conversation
    room: int


def prepare_database(env: dict, sockets: int) -> Plan:
    """Migrate a fresh SQLite file; members in pairs with an accepted conversation; one lobby room."""
    migrate_and_setup(env)
    from django.db import connection

    from community.network.models import Space
    from messaging import services
    from profiles.models import Member

    space = Space.objects.create(name="Soak Space", slug="soak-space", city="Bruxelles", region="brussels")
    Member.objects.bulk_create(
        [
            Member(
                username=f"soak{i}",
                email=f"soak{i}@soak.example",
                password="!",
                display_name=f"Soak {i}",
                home_space=space,
            )
            for i in range(sockets)
        ],
        batch_size=500,
    )
    members = list(Member.objects.filter(username__startswith="soak").order_by("id"))
    services.space_room_members_sync(space=space)
    room = services.space_room_for(space)
    partner, conversation = [0] * sockets, [0] * sockets
    for a in range(0, sockets - 1, 2):
        b = a + 1
        conv = services.conversation_direct_get_or_create(member=members[a], other=members[b])
        services.request_accept(member=members[b], conversation=conv)
        partner[a], partner[b] = b, a
        conversation[a] = conversation[b] = conv.pk
    cookies = bulk_session_cookies(members)
    connection.close()
    return Plan(
        cookies=cookies,
        usernames=[m.username for m in members],
        partner=partner,
        conversation=conversation,
        room=room.pk,
    )


@dataclass
class Stats:
    sent: dict[str, float] = field(default_factory=dict)  # key -> perf_counter at send
    acked: set[str] = field(default_factory=set)
    delivered: Counter = field(default_factory=Counter)  # DM key -> deliveries to the partner
    room_deliveries: int = 0
    window: list[float] = field(default_factory=list)  # DM latencies (ms) since the last sample
    all_latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    gap_syncs: int = 0
    replayed: int = 0
    disconnects: int = 0
    handshake_retries: int = 0


class SoakClient:
    """Does what chat.js does with the frames this benchmark needs."""

    def __init__(self, index: int, plan: Plan, port: int, stats: Stats) -> None:
        self.index, self.plan, self.port, self.stats = index, plan, port, stats
        self.username = plan.usernames[index]
        self.ws = None
        self.last_id = 0
        self.last_seq: dict[int, tuple[int, int]] = {}
        self.synced = asyncio.Event()
        self.reader: asyncio.Task | None = None
        self.closing = False
        self.seen: set[int] = set()

    async def open(self) -> None:
        """Connect, retrying with backoff as chat.js does (a loaded server may drop a handshake)."""
        for attempt in range(6):
            try:
                await self._open()
                return
            except Exception:
                if attempt == 5:
                    raise
                self.stats.handshake_retries += 1
                await asyncio.sleep(0.5 * 2**attempt + random.random())

    async def _open(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(
            f"ws://127.0.0.1:{self.port}/ws/chat/",
            origin=f"http://127.0.0.1:{self.port}",
            additional_headers={"Cookie": self.plan.cookies[self.index]},
            ping_interval=None,
            open_timeout=120,
            max_size=2**20,
        )
        self.reader = asyncio.create_task(self.read())
        await self.ws.send(json.dumps({"type": "sync", "after": self.last_id}))

    async def read(self) -> None:
        try:
            async for raw in self.ws:
                self.handle(json.loads(raw), time.perf_counter())
        except Exception:
            pass
        if not self.closing:  # the server dropped us
            self.stats.disconnects += 1

    def handle(self, frame: dict, now: float) -> None:
        kind = frame.get("type")
        if kind == "message":
            message = frame["message"]
            self.note_seq(message)
            self.last_id = max(self.last_id, message["id"])
            if message["id"] in self.seen:  # a sync replays what arrived live too; chat.js shows it once
                self.stats.replayed += 1
                return
            self.seen.add(message["id"])
            if message["sender"] == self.username:
                return
            label, key = message["body"].split("|")[:2]
            if label == "dm":
                self.stats.delivered[key] += 1
                if key in self.stats.sent and self.stats.delivered[key] == 1:
                    latency = (now - self.stats.sent[key]) * 1000
                    self.stats.window.append(latency)
                    self.stats.all_latencies.append(latency)
                asyncio.ensure_future(
                    self.send_frame(
                        {"type": "read", "conversation": message["conversation"], "message": message["id"]}
                    )
                )
            else:
                self.stats.room_deliveries += 1
        elif kind == "ack":
            self.stats.acked.add(frame["client_id"])
            self.last_id = max(self.last_id, frame["message"]["id"])
            self.note_seq(frame["message"])
        elif kind == "synced":
            self.last_id = max(self.last_id, frame["last"])
            self.synced.set()
        elif kind == "error":
            self.stats.errors[frame.get("code", "?")] += 1

    def note_seq(self, message: dict) -> None:
        previous = self.last_seq.get(message["conversation"])
        if previous and message["seq"] > previous[0] + 1 and self.synced.is_set():
            # A frame was dropped (channel layer capacity): catch up as chat.js does.
            self.stats.gap_syncs += 1
            asyncio.ensure_future(self.send_frame({"type": "sync", "after": previous[1]}))
        if not previous or message["seq"] > previous[0]:
            self.last_seq[message["conversation"]] = (message["seq"], message["id"])

    async def send_frame(self, frame: dict) -> None:
        try:
            await self.ws.send(json.dumps(frame))
        except Exception:
            pass

    async def send_dm(self) -> None:
        key = f"{self.index}-{uuid.uuid4().hex[:12]}"
        self.stats.sent[key] = time.perf_counter()
        await self.send_frame(
            {
                "type": "send",
                "conversation": self.plan.conversation[self.index],
                "body": f"dm|{key}|{'x' * random.randint(10, 200)}",
                "client_id": key,
            }
        )

    async def send_room(self) -> None:
        key = f"room-{uuid.uuid4().hex[:12]}"
        await self.send_frame(
            {
                "type": "send",
                "conversation": self.plan.room,
                "body": f"room|{key}|hello all",
                "client_id": key,
            }
        )

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()


def open_fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def messages_stored(env: dict) -> int:
    import sqlite3

    path = env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path, timeout=5) as db:
        return db.execute("SELECT COUNT(*) FROM messaging_message").fetchone()[0]


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (x, y) points."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mx, my = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else 0.0


async def soak(plan: Plan, server, env: dict, args) -> dict:
    stats = Stats()
    clients = [SoakClient(i, plan, server.port, stats) for i in range(len(plan.usernames))]
    rss_idle = server.rss()
    opened = time.perf_counter()
    for start in range(0, len(clients), 25):  # in waves, as tabs would open
        await asyncio.gather(*(c.open() for c in clients[start : start + 25]))
    await asyncio.wait_for(asyncio.gather(*(c.synced.wait() for c in clients)), 120)
    open_seconds = time.perf_counter() - opened
    samples: list[dict] = []
    began = time.perf_counter()
    end = began + args.minutes * 60
    stop = asyncio.Event()

    async def talker(client: SoakClient) -> None:
        await asyncio.sleep(random.uniform(0, args.interval))
        while not stop.is_set():
            await client.send_dm()
            await asyncio.sleep(random.uniform(0.5, 1.5) * args.interval)

    async def room_writer() -> None:
        while not stop.is_set():
            await random.choice(clients).send_room()
            await asyncio.sleep(10)

    def sample() -> dict:
        window, stats.window = stats.window, []
        row = {
            "minute": round((time.perf_counter() - began) / 60, 2),
            "rss_mib": round(server.rss() / 2**20, 1),
            "fds": open_fds(server.process.pid),
            "stored": messages_stored(env),
            "acked": len(stats.acked),
            "p50_ms": round(percentile(window, 50), 1),
            "p99_ms": round(percentile(window, 99), 1),
            "errors": sum(stats.errors.values()),
            "disconnects": stats.disconnects,
        }
        samples.append(row)
        print(
            f"  {row['minute']:>6.2f} min  RSS {row['rss_mib']:>7.1f} MiB  fds {row['fds']:>5}  "
            f"stored {row['stored']:>7}  p50 {row['p50_ms']:>7.1f} ms  p99 {row['p99_ms']:>8.1f} ms  "
            f"errors {row['errors']}  disconnects {row['disconnects']}",
            flush=True,
        )
        return row

    print(
        f"{len(clients)} sockets open in {open_seconds:.1f} s; chatting for {args.minutes} min "
        f"(one DM per socket every ~{args.interval:g} s, a room message every 10 s)",
        flush=True,
    )
    sample()
    tasks = [asyncio.create_task(talker(c)) for c in clients] + [asyncio.create_task(room_writer())]
    while time.perf_counter() < end:
        await asyncio.sleep(min(args.sample, max(0.0, end - time.perf_counter())))
        sample()
    stop.set()
    for task in tasks:
        task.cancel()
    # Let in-flight messages land (until nothing new for 5 s, 60 s at most), then every client
    # syncs once more, as chat.js does on reconnecting: the database must have everything.
    delivered, quiet_since, drain_end = -1, time.perf_counter(), time.perf_counter() + 60
    while time.perf_counter() < drain_end and time.perf_counter() - quiet_since < 5:
        await asyncio.sleep(0.5)
        now_delivered = sum(stats.delivered.values())
        if now_delivered != delivered:
            delivered, quiet_since = now_delivered, time.perf_counter()
    missing_before_sync = sum(1 for k in stats.acked if not k.startswith("room-") and stats.delivered[k] == 0)
    final = sample()  # the end of the chatting, before the full replay below allocates its buffers
    for client in clients:
        client.synced.clear()
        await client.send_frame({"type": "sync", "after": 0})
    await asyncio.wait_for(asyncio.gather(*(c.synced.wait() for c in clients)), 120)
    after_replay = sample()
    for client in clients:
        await client.close()

    acked_dm = {k for k in stats.acked if not k.startswith("room-")}
    missing = [k for k in acked_dm if stats.delivered[k] == 0]
    doubled = [k for k, n in stats.delivered.items() if n > 1]
    warm_until = max(samples[1]["minute"] if len(samples) > 1 else 0, args.minutes / 5)
    after_warmup = [s for s in samples[:-1] if s["minute"] >= warm_until]
    warm = after_warmup[0] if after_warmup else samples[0]
    return {
        "sockets": len(clients),
        "minutes": args.minutes,
        "open_seconds": round(open_seconds, 1),
        "rss_idle_mib": round(rss_idle / 2**20, 1),
        "rss_warm_mib": warm["rss_mib"],
        "rss_final_mib": final["rss_mib"],
        "rss_after_full_replay_mib": after_replay["rss_mib"],
        "growth_after_warmup_mib": round(final["rss_mib"] - warm["rss_mib"], 1),
        "growth_ratio": round(final["rss_mib"] / warm["rss_mib"], 3) if warm["rss_mib"] else None,
        "slope_mib_per_min": round(slope([(s["minute"], s["rss_mib"]) for s in after_warmup]), 2),
        "fds_warm": warm["fds"],
        "fds_final": final["fds"],
        "dm_sent": len(stats.sent),
        "dm_acked": len(acked_dm),
        "dm_missing_live": missing_before_sync,
        "dm_missing": len(missing),
        "dm_doubled": len(doubled),
        "room_deliveries": stats.room_deliveries,
        "gap_syncs": stats.gap_syncs,
        "replayed_frames": stats.replayed,
        "errors": dict(stats.errors),
        "disconnects": stats.disconnects,
        "handshake_retries": stats.handshake_retries,
        "latency_p50_ms": round(percentile(stats.all_latencies, 50), 1),
        "latency_p99_ms": round(percentile(stats.all_latencies, 99), 1),
        "first_window_p50_ms": samples[1]["p50_ms"] if len(samples) > 1 else None,
        "last_window_p50_ms": samples[-3]["p50_ms"] if len(samples) > 3 else None,
        "samples": samples,
    }


def print_summary(r: dict) -> None:
    print()
    print(f"Soak: {r['sockets']} sockets, {r['minutes']} min on one Daphne process (SQLite, in-memory layer)")
    print(f"{'':32}{'after warm-up':>16}{'at the end':>16}{'ratio':>10}")
    print(f"{'server RSS (MiB)':32}{r['rss_warm_mib']:>16}{r['rss_final_mib']:>16}{r['growth_ratio']:>10}")
    fd_ratio = round(r["fds_final"] / r["fds_warm"], 3) if r["fds_warm"] > 0 else "-"
    print(f"{'open file descriptors':32}{r['fds_warm']:>16}{r['fds_final']:>16}{fd_ratio:>10}")
    first, last = r["first_window_p50_ms"], r["last_window_p50_ms"]
    ratio = round(last / first, 2) if first and last and first == first and last == last else "-"
    print(f"{'DM latency p50, window (ms)':32}{first!s:>16}{last!s:>16}{ratio!s:>10}")
    print(
        f"RSS idle before sockets {r['rss_idle_mib']} MiB; growth after warm-up {r['growth_after_warmup_mib']} MiB "
        f"({r['slope_mib_per_min']} MiB/min by least squares); {r['rss_after_full_replay_mib']} MiB after every "
        f"socket replayed its whole history"
    )
    print(
        f"DMs sent {r['dm_sent']}, acked {r['dm_acked']}; not delivered live {r['dm_missing_live']}, "
        f"missing after a final sync {r['dm_missing']}, shown twice {r['dm_doubled']}; "
        f"room deliveries {r['room_deliveries']}; gap syncs {r['gap_syncs']} (replayed frames {r['replayed_frames']}); "
        f"errors {r['errors']}; disconnects {r['disconnects']}"
    )
    print(
        f"DM latency over the run: p50 {r['latency_p50_ms']} ms, p99 {r['latency_p99_ms']} ms; "
        f"sockets opened in {r['open_seconds']} s ({r['handshake_retries']} handshakes retried)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--sample", type=float, default=30.0, help="seconds between memory samples")
    # Every 30 s per member is far above real chat use, and what one process on this 2-core machine
    # sustains with the reads and the room fan-out: a soak measures leaks, not an overload backlog.
    parser.add_argument(
        "--interval", type=float, default=30.0, help="mean seconds between a socket's messages"
    )
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    if args.sockets % 2:
        parser.error("--sockets must be even (sockets chat in pairs)")
    raise_fd_limit()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop Daphne in `finally` when killed
    workdir = Path(tempfile.mkdtemp(prefix="coworking-soak-"))
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="community.settings",
        DATABASE_URL=f"sqlite:///{workdir / 'soak.sqlite3'}",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="ERROR",
    )
    env.pop("REDIS_URL", None)
    env.pop("ELASTICSEARCH_URL", None)
    print(f"Preparing {args.sockets} members in {workdir} ...", flush=True)
    plan = prepare_database(env, args.sockets)
    server = start_daphne(env, workdir / "daphne.log")
    try:
        result = asyncio.run(soak(plan, server, env, args))
    finally:
        server.stop()
    print_summary(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python
"""Benchmark: the chat on one Daphne process against a minimal `websockets` broadcast server.

    .venv/bin/python tests/bench/bench_chat.py [--sockets 1000] [--dm-rate 100] [--dm-seconds 30]
                                               [--room 200] [--room-messages 40] [--redis] [--json out.json]

The servers run side by side and get the same clients from one asyncio process on this
machine:

- sockets: `--sockets` concurrent sockets opened to each server in turn (Daphne: authenticated
  by session cookie, origin-checked, each registered for presence), then held idle for the
  rest of the run; a server's memory per idle socket is (RSS with all its sockets − RSS with
  none) / sockets;
- DM: `--dm-rate` direct messages per second to each server for `--dm-seconds` across 50
  pairs (well inside the 20 per 10 s rate limit per member), latency from the sender's `send`
  to the recipient's `message` frame, p50/p99; the recipient answers each with a `read` frame,
  as a browser with the conversation open does (the baselines relay it to the conversation),
  unless `--no-receipts`;
- room: `--room-messages` messages, one every 250 ms to each server, to a room of `--room`
  members (a space's lobby room), latency of every delivery, p50/p99, and of the last
  delivery of each message.

The servers take turns message by message (Daphne, baseline, baseline + SQLite, Daphne, …,
evenly spaced, never two at once), so a noisy minute of this shared virtual machine weighs on
all of them alike and the ratios compare like with like.

Daphne runs `community.asgi:application` with `--websocket-max-message-size 65536` on a fresh
SQLite file (committed before broadcast, as in production) and the in-process channel layer,
or channels-redis with `--redis` (a redis-server is started). The baseline keeps
conversations in a dict and relays frames: no auth, no database; it is the physical floor of
Python WebSockets on this machine. A third column runs the same baseline committing each
message to SQLite (WAL) before relaying it: the floor of the commit-before-broadcast rule. A
fourth runs that same relay as a Channels consumer on Daphne (no auth, no database, no channel
layer): the floor of the framework itself.
Both kinds of server send keepalive pings every 20 s (their defaults).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.fixtures.processes import stop_process  # noqa: E402
from tests.fixtures.redis import free_port, start_redis  # noqa: E402

BASELINE_SERVER = r"""
import asyncio, json, sqlite3, sys, time
from websockets.asyncio.server import broadcast, serve

conversations = {}
db = None
if len(sys.argv) > 2:
    # The commit-before-broadcast rule at its cheapest: one INSERT and COMMIT, in the loop.
    db = sqlite3.connect(sys.argv[2], isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS message (id INTEGER PRIMARY KEY, conversation INTEGER, sender TEXT, body TEXT, created REAL)")

async def handler(ws):
    hello = json.loads(await ws.recv())
    mine = hello["conversations"]
    for c in mine:
        conversations.setdefault(c, set()).add(ws)
    try:
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") == "send":
                message = {"conversation": frame["conversation"], "sender": hello["username"], "body": frame["body"]}
                if db is not None:
                    db.execute("BEGIN IMMEDIATE")
                    cursor = db.execute("INSERT INTO message (conversation, sender, body, created) VALUES (?, ?, ?, ?)",
                                        (frame["conversation"], hello["username"], frame["body"], time.time()))
                    db.execute("COMMIT")
                    message["id"] = cursor.lastrowid
                broadcast(conversations.get(frame["conversation"], ()), json.dumps({"type": "message", "message": message}))
                await ws.send(json.dumps({"type": "ack", "client_id": frame["client_id"], "message": message}))
            elif frame.get("type") == "read":  # the receipt, relayed to the conversation
                receipt = {"type": "read", "conversation": frame["conversation"], "username": hello["username"], "message": frame["message"]}
                broadcast(conversations.get(frame["conversation"], ()), json.dumps(receipt))
    finally:
        for c in mine:
            conversations[c].discard(ws)

async def main(port):
    # Keepalive pings every 20 s, the websockets default and Daphne's (--ping-interval 20).
    async with serve(handler, "127.0.0.1", port, max_size=65536, ping_interval=20):
        print("ready", flush=True)
        await asyncio.Future()

asyncio.run(main(int(sys.argv[1])))
"""


# The same relay as BASELINE_SERVER, as a Channels consumer on Daphne: no auth, no database, no
# channel layer. What it adds to the baseline is the framework's own cost per frame, the floor
# under the real chat.
CHANNELS_FLOOR_APP = r"""
import json

import django
from django.conf import settings

settings.configure(DEBUG=False, USE_TZ=True)
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402

conversations = {}


class Relay(AsyncWebsocketConsumer):
    channel_layer_alias = None

    async def connect(self):
        self.mine = []
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None):
        frame = json.loads(text_data)
        if frame["type"] == "hello":
            self.username, self.mine = frame["username"], frame["conversations"]
            for c in self.mine:
                conversations.setdefault(c, set()).add(self)
        elif frame["type"] == "send":
            message = {"conversation": frame["conversation"], "sender": self.username, "body": frame["body"]}
            text = json.dumps({"type": "message", "message": message})
            for consumer in list(conversations.get(frame["conversation"], ())):
                await consumer.send(text_data=text)
            await self.send(text_data=json.dumps({"type": "ack", "client_id": frame["client_id"], "message": message}))
        elif frame["type"] == "read":
            receipt = {"type": "read", "conversation": frame["conversation"], "username": self.username, "message": frame["message"]}
            text = json.dumps(receipt)
            for consumer in list(conversations.get(frame["conversation"], ())):
                await consumer.send(text_data=text)

    async def disconnect(self, code):
        for c in self.mine:
            conversations[c].discard(self)


application = Relay.as_asgi()
"""


@dataclass
class Plan:
    cookies: list[str]
    usernames: list[str]
    conversations: list[list[int]]  # per socket: the conversations it is in
    dm_pairs: list[tuple[int, int, int]]  # (socket a, socket b, conversation)
    room: int
    room_members: list[int]  # socket indexes
    receipts: bool = True  # DM recipients answer each message with a `read` frame


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))


def migrate_and_setup(env: dict) -> None:
    """Migrate the bench's fresh SQLite file (DATABASE_URL in `env`) and set Django up on it here."""
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=REPO, env=env, check=True)
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")})
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def bulk_session_cookies(members) -> list[str]:
    """Log every member in at once (one session row each, bulk-inserted); their Cookie headers."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    store, backend = SessionStore(), settings.AUTHENTICATION_BACKENDS[0]
    keys = [uuid.uuid4().hex for _ in members]
    Session.objects.bulk_create(
        [
            Session(
                session_key=key,
                session_data=store.encode(
                    {
                        SESSION_KEY: str(m.pk),
                        BACKEND_SESSION_KEY: backend,
                        HASH_SESSION_KEY: m.get_session_auth_hash(),
                    }
                ),
                expire_date=timezone.now() + timedelta(days=1),
            )
            for key, m in zip(keys, members, strict=True)
        ],
        batch_size=500,
    )
    return [f"{settings.SESSION_COOKIE_NAME}={key}" for key in keys]


def prepare_database(sockets: int, room_size: int, env: dict) -> Plan:
    """Migrate a fresh SQLite file and create members, sessions, the room and the DM pairs."""
    migrate_and_setup(env)
    from django.db import connection

    from community.network.models import Space
    from messaging import services
    from messaging.models import Participant
    from profiles.models import Member

    space = Space.objects.create(name="Bench Space", slug="bench-space", city="Bruxelles", region="brussels")
    Member.objects.bulk_create(
        [
            Member(
                username=f"bench{i}",
                email=f"bench{i}@bench.example",
                password="!",
                display_name=f"Bench {i}",
                home_space=space if i < room_size else None,
            )
            for i in range(sockets)
        ],
        batch_size=500,
    )
    members = list(Member.objects.filter(username__startswith="bench").order_by("id"))
    services.space_room_members_sync(space=space)
    room = services.space_room_for(space)

    pairs = []
    # 50 pairs among the members after the room, or wherever there is room.
    start = room_size if sockets - room_size >= 100 else 0
    for n in range(min(50, (sockets - start) // 2)):
        a, b = start + 2 * n, start + 2 * n + 1
        conversation = services.conversation_direct_get_or_create(member=members[a], other=members[b])
        services.request_accept(member=members[b], conversation=conversation)
        pairs.append((a, b, conversation.pk))

    cookies = bulk_session_cookies(members)
    index = {m.pk: i for i, m in enumerate(members)}
    conversations: list[list[int]] = [[] for _ in members]
    for member_id, conversation_id in Participant.objects.values_list("member_id", "conversation_id"):
        conversations[index[member_id]].append(conversation_id)
    connection.close()
    return Plan(
        cookies=cookies,
        usernames=[m.username for m in members],
        conversations=conversations,
        dm_pairs=pairs,
        room=room.pk,
        room_members=list(range(min(room_size, sockets))),
    )


# --- servers -------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    kind: str  # "daphne" or "baseline"

    def rss(self) -> int:
        import psutil

        return psutil.Process(self.process.pid).memory_info().rss

    def stop(self) -> None:
        stop_process(self.process)


def wait_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    import socket

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def daphne_command(port: int, application: str) -> list[str]:
    """Daphne as `make run` starts it: frames and messages limited to 64 KiB, no access log."""
    return [
        sys.executable,
        "-m",
        "daphne",
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        "--websocket-max-message-size",
        "65536",
        "--websocket-max-frame-size",
        "65536",
        "--access-log",
        os.devnull,
        "-v",
        "0",
        application,
    ]


def start_daphne(env: dict, log: Path) -> Server:
    port = free_port()
    process = subprocess.Popen(
        daphne_command(port, "community.asgi:application"),
        cwd=REPO,
        env=env,
        stdout=open(log, "wb"),
        stderr=subprocess.STDOUT,
        preexec_fn=raise_fd_limit,
    )
    wait_port(port, process)
    return Server("Daphne + Channels", process, port, "daphne")


def start_channels_floor(workdir: Path, log: Path) -> Server:
    (workdir / "channels_floor.py").write_text(CHANNELS_FLOOR_APP)
    port = free_port()
    process = subprocess.Popen(
        daphne_command(port, "channels_floor:application"),
        cwd=workdir,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        stdout=open(log, "wb"),
        stderr=subprocess.STDOUT,
        preexec_fn=raise_fd_limit,
    )
    wait_port(port, process)
    return Server("Daphne + Channels floor", process, port, "baseline")


def start_baseline(log: Path, db: Path | None = None) -> Server:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", BASELINE_SERVER, str(port), *([str(db)] if db else [])],
        cwd=REPO,
        stdout=open(log, "wb"),
        stderr=subprocess.STDOUT,
        preexec_fn=raise_fd_limit,
    )
    wait_port(port, process)
    return Server("websockets + SQLite" if db else "websockets baseline", process, port, "baseline")


# --- clients -------------------------------------------------------------------------------


@dataclass
class Results:
    dm: list[float] = field(default_factory=list)
    room: list[float] = field(default_factory=list)
    room_last: dict[str, float] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)


class Client:
    def __init__(self, index: int, plan: Plan, server: Server, results: Results) -> None:
        self.index, self.plan, self.server, self.results = index, plan, server, results
        self.username = plan.usernames[index]
        self.ws = None
        self.reader: asyncio.Task | None = None
        self.synced = asyncio.Event()
        self.receipts = plan.receipts

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        url = f"ws://127.0.0.1:{self.server.port}/ws/chat/"
        headers = {"Cookie": self.plan.cookies[self.index]} if self.server.kind == "daphne" else {}
        self.ws = await connect(
            url,
            origin=f"http://127.0.0.1:{self.server.port}",
            additional_headers=headers,
            ping_interval=None,
            open_timeout=60,
            max_size=2**20,
        )
        if self.server.kind == "baseline":
            await self.ws.send(
                json.dumps(
                    {
                        "type": "hello",
                        "username": self.username,
                        "conversations": self.plan.conversations[self.index],
                    }
                )
            )
            self.synced.set()
        else:
            await self.ws.send(json.dumps({"type": "sync", "after": 2**53}))
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        try:
            async for raw in self.ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "message":
                    message = frame["message"]
                    if message["sender"] == self.username:
                        continue
                    label, sent_at, key = message["body"].split("|")
                    latency = (now - float(sent_at)) * 1000
                    if label in ("dm", "warm") and self.receipts:
                        # As a browser that has the conversation open: it tells it read it.
                        read = {
                            "type": "read",
                            "conversation": message["conversation"],
                            "message": message.get("id", 0),
                        }
                        asyncio.ensure_future(self.ws.send(json.dumps(read)))
                    if label == "dm":
                        self.results.dm.append(latency)
                    elif label == "room":
                        self.results.room.append(latency)
                        self.results.room_last[key] = max(self.results.room_last.get(key, 0), latency)
                elif kind == "synced":
                    self.synced.set()
                elif kind == "error":
                    self.results.errors.append(frame)
        except Exception:
            pass

    async def send(self, conversation: int, body: str) -> None:
        await self.ws.send(
            json.dumps(
                {"type": "send", "conversation": conversation, "body": body, "client_id": uuid.uuid4().hex}
            )
        )

    async def close(self) -> None:
        await self.ws.close()
        if self.reader:
            self.reader.cancel()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


async def connect_all(server: Server, plan: Plan, args, results: Results) -> tuple[list[Client], dict]:
    """Open `--sockets` sockets to one server and measure its memory per idle socket."""
    # Warm up: one socket in and out, so lazily loaded code is not counted as per-socket memory.
    warm = Client(0, plan, server, results)
    await warm.open()
    await asyncio.wait_for(warm.synced.wait(), 30)
    await warm.close()
    await asyncio.sleep(1.0)
    rss_before = server.rss()

    clients = [Client(i, plan, server, results) for i in range(args.sockets)]
    started = time.perf_counter()
    failures = 0
    for batch in range(0, len(clients), 50):
        outcomes = await asyncio.gather(
            *(c.open() for c in clients[batch : batch + 50]), return_exceptions=True
        )
        failures += sum(isinstance(o, Exception) for o in outcomes)
    await asyncio.wait_for(asyncio.gather(*(c.synced.wait() for c in clients if c.ws)), 120)
    connect_seconds = time.perf_counter() - started
    await asyncio.sleep(3)
    rss_after = server.rss()
    alive = sum(1 for c in clients if c.ws is not None and c.ws.state.name == "OPEN")
    return clients, {
        "server": server.name,
        "sockets": args.sockets,
        "sockets_held": alive,
        "connect_failures": failures,
        "connect_seconds": round(connect_seconds, 1),
        "rss_before_mib": round(rss_before / 2**20, 1),
        "rss_after_mib": round(rss_after / 2**20, 1),
        "kib_per_socket": round((rss_after - rss_before) / max(alive, 1) / 1024, 1),
    }


async def take_turns(servers: list[Server], period: float, count: int, send_one) -> None:
    """`count` rounds of one period each; within a round every server gets one send, evenly spaced.

    The servers are measured in the same seconds rather than one after the other, so a
    slower or busier minute of this shared machine weighs on all of them alike.
    """
    slot = period / len(servers)
    next_at = time.perf_counter()
    for n in range(count):
        for server in servers:
            await send_one(server, n)
            next_at += slot
            await asyncio.sleep(max(0, next_at - time.perf_counter()))


async def measure(servers: list[Server], plan: Plan, args) -> list[dict]:
    results = {server.name: Results() for server in servers}
    clients: dict[str, list[Client]] = {}
    figures: dict[str, dict] = {}
    for server in servers:  # one at a time: each server's memory per socket is its own
        print(f"Connecting {args.sockets} sockets to {server.name}…", flush=True)
        clients[server.name], figures[server.name] = await connect_all(
            server, plan, args, results[server.name]
        )

    # Direct messages: `--dm-rate` per second to each server, alternating direction within each pair.
    print("Direct messages, the servers taking turns…", flush=True)
    total, warmup = int(args.dm_rate * args.dm_seconds), 20

    async def send_dm(server: Server, n: int) -> None:
        a, b, conversation = plan.dm_pairs[n % len(plan.dm_pairs)]
        sender = clients[server.name][a if (n // len(plan.dm_pairs)) % 2 == 0 else b]
        label = "warm" if n < warmup else "dm"
        await sender.send(conversation, f"{label}|{time.perf_counter()!r}|{n}")

    await take_turns(servers, 1 / args.dm_rate, total + warmup, send_dm)
    await asyncio.sleep(2)

    # Room fan-out: one message every 250 ms to each server, from a different room member each time.
    print("Room messages, the servers taking turns…", flush=True)

    async def send_room(server: Server, n: int) -> None:
        sender = clients[server.name][plan.room_members[(n * 7) % len(plan.room_members)]]
        await sender.send(plan.room, f"room|{time.perf_counter()!r}|{n}")

    await take_turns(servers, 0.25, args.room_messages, send_room)
    await asyncio.sleep(2)

    for server in servers:
        everyone = clients[server.name]
        for batch in range(0, len(everyone), 100):
            await asyncio.gather(
                *(c.close() for c in everyone[batch : batch + 100] if c.ws), return_exceptions=True
            )

    room_expected = args.room_messages * (len(plan.room_members) - 1)
    report = []
    for server in servers:
        got = results[server.name]
        report.append(
            figures[server.name]
            | {
                "dm_sent": total,
                "dm_delivered": len(got.dm),
                "dm_p50_ms": round(percentile(got.dm, 50), 2),
                "dm_p99_ms": round(percentile(got.dm, 99), 2),
                "room_deliveries": f"{len(got.room)}/{room_expected}",
                "room_p50_ms": round(percentile(got.room, 50), 2),
                "room_p99_ms": round(percentile(got.room, 99), 2),
                "room_last_p50_ms": round(percentile(list(got.room_last.values()), 50), 2),
                "room_last_p99_ms": round(percentile(list(got.room_last.values()), 99), 2),
                "errors": len(got.errors),
                "error_codes": sorted({e.get("code", "?") for e in got.errors}),
            }
        )
    return report


def print_table(results: list[dict]) -> None:
    """Servers side by side; ratios of the first (Daphne) to each of the others."""
    rows = [
        ("sockets held", "sockets_held", False),
        ("connect time (s)", "connect_seconds", True),
        ("memory per idle socket (KiB)", "kib_per_socket", True),
        ("DM delivered", "dm_delivered", False),
        ("DM p50 (ms)", "dm_p50_ms", True),
        ("DM p99 (ms)", "dm_p99_ms", True),
        ("room deliveries", "room_deliveries", False),
        ("room fan-out p50 (ms)", "room_p50_ms", True),
        ("room fan-out p99 (ms)", "room_p99_ms", True),
        ("room last delivery p50 (ms)", "room_last_p50_ms", True),
        ("room last delivery p99 (ms)", "room_last_p99_ms", True),
        ("error frames", "errors", False),
    ]
    first, others = results[0], results[1:]
    header = f"{'':30}" + "".join(f"{r['server']:>25}" for r in results)
    header += "".join(f"{'ratio ' + str(i + 2):>10}" for i in range(len(others)))
    print("\n" + header)
    for label, key, ratio in rows:
        line = f"{label:30}" + "".join(f"{r[key]!s:>25}" for r in results)
        for other in others:
            a, b = first[key], other[key]
            cell = (
                f"{a / b:.2f}x"
                if ratio and isinstance(a, int | float) and isinstance(b, int | float) and b
                else ""
            )
            line += f"{cell:>10}"
        print(line)
    print("\n(ratio N: the first column divided by column N.)")
    print(
        "Targets: 1,000 sockets held; DM p99 < 50 ms; room fan-out p99 < 100 ms; within 3x of the baseline."
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--dm-rate", type=float, default=100)
    parser.add_argument("--dm-seconds", type=float, default=30)
    parser.add_argument("--room", type=int, default=200)
    parser.add_argument("--room-messages", type=int, default=40)
    parser.add_argument("--redis", action="store_true", help="channels-redis layer (starts a redis-server)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--no-receipts", action="store_true", help="DM recipients do not answer with `read` (receipts off)"
    )
    args = parser.parse_args()
    raise_fd_limit()

    workdir = Path(tempfile.mkdtemp(prefix="coworking-bench-chat-"))
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="community.settings_test",
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="ERROR",
    )
    env.pop("REDIS_URL", None)
    redis = None
    if args.redis:
        redis = start_redis()
        env["REDIS_URL"] = redis.url
    print(
        f"Preparing {args.sockets} members with sessions, a {args.room}-member room, 50 DM pairs…", flush=True
    )
    plan = prepare_database(args.sockets, args.room, env)
    plan.receipts = not args.no_receipts

    load_before = os.getloadavg()
    servers: list[Server] = []
    try:
        servers.append(start_daphne(env, workdir / "daphne.log"))
        servers.append(start_baseline(workdir / "baseline.log"))
        servers.append(start_baseline(workdir / "baseline-db.log", db=workdir / "baseline.sqlite3"))
        servers.append(start_channels_floor(workdir, workdir / "channels-floor.log"))
        servers_results = asyncio.run(measure(servers, plan, args))
    finally:
        for server in servers:
            server.stop()
        if redis:
            redis.stop()
    daphne = servers_results[0]
    load_after = os.getloadavg()
    print(
        f"\nOne Daphne process, channel layer: {'channels-redis' if args.redis else 'in-process'}, SQLite, "
        f"receipts {'off' if args.no_receipts else 'on'}; "
        f"{os.cpu_count()} cores, client and server on the same machine; "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after."
    )
    print_table(servers_results)
    if daphne["error_codes"]:
        print(f"Daphne error codes: {daphne['error_codes']}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"servers": servers_results, "redis": args.redis, "load": [load_before, load_after]}, indent=2
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

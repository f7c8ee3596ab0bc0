#!/usr/bin/env python
"""Benchmark: notification emails through the job queue to a real SMTP server, and the weekly digest.

    .venv/bin/python tests/bench/bench_notifications.py [--latency-n 200] [--members 100000]

Everything runs on 127.0.0.1: an SMTP sink (aiosmtpd) in this process, real `manage.py run_huey`
worker processes, scratch SQLite files under --workdir. Every process started here is stopped
before the script exits.

(a) Latency, enqueue to delivered: this process stores a notification (`notifications.services.
    notify`, which enqueues its email job after commit) and the clock stops when the email
    reaches the sink; --latency-n notifications, one every 0–2×--gap seconds (a quiet site: the
    worker is idle between them). Side by side: the SQLite job queue (the default: the worker
    polls it, backing off while idle) and the Redis queue (REDIS_URL: the worker blocks on it),
    each served by one worker process with the settings' consumer options.

(b) The weekly digest to --members members: a copy of a `seed_demo --members N` file (seeded
    once into --workdir when missing, with every feature's demo data, about 2 minutes for
    100,000; or --base), migrated, then the week's planning job is enqueued and the clock runs
    until the last digest reaches the sink. One run per --processes value (worker processes of
    2 threads each), side by side: total time, emails/s, the worker's CPU time, and the peak
    RSS of each worker sampled every 0.5 s, with its RSS after the first tenth and at the end
    of the run (flat memory: the two are close). The digest speaks of the instant the demo data
    was made (its newest member), so its "last seven days" and "coming week" are the seeded ones.
    Each recipient is counted at the sink: none missing, none doubled.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.fixtures.processes import stop_process  # noqa: E402
from tests.fixtures.redis import free_port, start_redis  # noqa: E402

PYTHON = sys.executable


# --- the SMTP sink ----------------------------------------------------------------------------


def header(head: bytes, name: bytes) -> bytes:
    """One header of a raw message, unfolded (the message is not parsed)."""
    start = head.find(b"\n" + name + b":")
    if start < 0:
        return b""
    value, rest = b"", head[start + len(name) + 2 :]
    for line in rest.split(b"\n"):
        if value and line[:1] not in (b" ", b"\t"):
            break
        value += line.strip(b"\r")
    return value.strip()


def decoded(subject: bytes) -> str:
    from email.header import decode_header, make_header

    return str(make_header(decode_header(subject.decode("ascii", "replace")))).strip()


class Sink:
    """aiosmtpd on a free port, counting what it receives (recipient, subject, arrival time).

    The message is not parsed beyond its Subject line: the sink shares the machine's two cores
    with the workers it measures."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.lock = threading.Lock()
        self.received: list[tuple[str, bytes, float]] = []
        self.message_ids: list[bytes] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                now = time.monotonic()
                head = envelope.content[:4096]
                subject, message_id = header(head, b"Subject"), header(head, b"Message-ID")
                with sink.lock:
                    for rcpt in envelope.rcpt_tos:
                        sink.received.append((rcpt, subject, now))
                        sink.message_ids.append(message_id)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def env(self) -> dict[str, str]:
        return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(self.port), "EMAIL_TIMEOUT": "20"}

    def stop(self) -> None:
        self.controller.stop()


# --- processes --------------------------------------------------------------------------------


def base_env(*, db: Path, jobs: Path, sink: Sink | None = None, redis_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="community.settings",
        DATABASE_URL=f"sqlite:///{db}",
        JOBS_SQLITE_PATH=str(jobs),
        JOBS_QUEUE_NAME=f"bench-{os.getpid()}",
        SITE_URL="http://127.0.0.1:8000",
        DEBUG="0",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
    )
    if sink is not None:
        env.update(sink.env())
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=REPO, env=env, check=True)


def start_worker(env: dict[str, str], log: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, "manage.py", "run_huey", *extra],
        cwd=REPO,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def wait_until_started(log: Path, timeout: float = 60) -> None:
    """Until the worker says it consumes (Django imported, tasks discovered)."""
    deadline = time.monotonic() + timeout
    while "Huey consumer started" not in (log.read_text(errors="replace") if log.exists() else ""):
        if time.monotonic() > deadline:
            raise SystemExit(f"the worker did not start: see {log}")
        time.sleep(0.1)


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


# --- (a) latency --------------------------------------------------------------------------------


def latency_child(count: int, gap: float, port: int) -> None:
    """In a child process set up like the worker: store `count` notifications, print the
    monotonic instant each was stored (the sink, in the parent, stamps the arrivals)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from community.notifications.services import notify
    from profiles.models import Member

    author = Member.objects.create(username="author", email="author@bench.example", display_name="Ann Author")
    helper = Member.objects.create(username="helper", email="helper@bench.example", preferred_language="fr")
    rng = random.Random(7)
    print("ready", flush=True)
    sys.stdin.readline()  # the worker is up
    for i in range(count):
        stored = time.monotonic()
        notify(
            recipient=helper, kind="help_match", actor=author, params={"title": f"bench-{i}"}, url="/help/1/"
        )
        print(json.dumps({"i": i, "at": stored}), flush=True)
        time.sleep(rng.uniform(0, 2 * gap))
    print("done", flush=True)


def measure_latency(args, *, label: str, redis_url: str = "") -> dict:
    run_dir = args.workdir / f"latency-{label.split()[0].lower()}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    sink = Sink()
    env = base_env(db=run_dir / "db.sqlite3", jobs=run_dir / "jobs.sqlite3", sink=sink, redis_url=redis_url)
    child = subprocess.Popen(
        [PYTHON, __file__, "--latency-child", str(args.latency_n), "--gap", str(args.gap)],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    worker = None
    stored: dict[int, float] = {}
    try:
        assert child.stdout.readline().strip() == "ready"
        worker = start_worker(env, run_dir / "worker.log")
        wait_until_started(run_dir / "worker.log")
        time.sleep(1)
        child.stdin.write("go\n")
        child.stdin.flush()
        for line in child.stdout:
            if line.strip() == "done":
                break
            row = json.loads(line)
            stored[row["i"]] = row["at"]
        deadline = time.monotonic() + 60
        while sink.count < args.latency_n and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop_process(child)
        stop_process(worker)
        sink.stop()
    arrived = {int(decoded(subject).rsplit("bench-", 1)[1]): at for _rcpt, subject, at in sink.received}
    samples = [(arrived[i] - stored[i]) * 1000 for i in stored if i in arrived]
    return {
        "label": label,
        "sent": len(stored),
        "delivered": len(samples),
        "p50": percentile(samples, 50),
        "p95": percentile(samples, 95),
        "max": max(samples),
        "mean": statistics.fmean(samples),
        "load": os.getloadavg()[0],
    }


# --- (b) the weekly digest -------------------------------------------------------------------------


def prepare_base(args) -> Path:
    base = args.base or args.workdir / f"members-{args.members}.sqlite3"
    if not base.exists():
        print(f"seeding {args.members:,} members into {base} (about 2 minutes for 100,000)...", flush=True)
        env = base_env(db=base, jobs=args.workdir / "seed-jobs.sqlite3")
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "seed_demo", "--members", str(args.members), "--no-progress")
    return base


def copy_base(base: Path, target: Path) -> None:
    """A copy of the base file and its write-ahead log, read as files: the base is never opened."""
    for suffix in ("", "-wal"):
        source = Path(str(base) + suffix)
        if source.exists():
            shutil.copyfile(source, Path(str(target) + suffix))


def digest_child(db: Path) -> None:
    """In a child process (the run's settings): enqueue the week's planning, then watch the
    database; prints one JSON line when every batch is done."""
    import django

    django.setup()
    from django.db.models import Max, Sum
    from django.utils import timezone

    from community.digest.models import DigestBatch
    from community.digest.tasks import digest_plan
    from community.notifications.models import OutgoingEmail
    from profiles.models import Member

    at = Member.objects.aggregate(newest=Max("date_joined"))["newest"]
    # The demo's own notifications wrote emails nobody sent (seeding runs no worker): given up in
    # this copy, so the workers send the digest and nothing else.
    leftovers = OutgoingEmail.objects.filter(sent_at__isnull=True, given_up_at__isnull=True).update(
        given_up_at=timezone.now(), last_error="left by seed_demo (benchmark)"
    )
    from django.utils import translation
    from django.utils.translation import gettext

    subjects = []
    for language in ("en", "fr", "nl"):
        with translation.override(language):
            subjects.append(gettext("Your week at Coworking Belgium"))
    print(json.dumps({"at": at.isoformat(), "leftovers": leftovers, "subjects": subjects}), flush=True)
    sys.stdin.readline()  # the workers are up
    started = time.monotonic()
    digest_plan(at)
    print(json.dumps({"enqueued": started}), flush=True)
    while True:
        time.sleep(1)
        batches = DigestBatch.objects.count()
        done = DigestBatch.objects.filter(done_at__isnull=False).count()
        if batches and done == batches:
            break
    totals = DigestBatch.objects.aggregate(members=Sum("written"), sent=Sum("sent"))
    rows = OutgoingEmail.objects.filter(topic="digest")
    recipients = sum(len(ids) for ids in DigestBatch.objects.values_list("member_ids", flat=True))
    print(
        json.dumps(
            {
                "batches": batches,
                "recipients": recipients,
                "written": rows.count(),
                "sent": rows.filter(sent_at__isnull=False).count(),
                "sent_by_batches": totals["sent"] or 0,
            }
        ),
        flush=True,
    )


def measure_digest(args, base: Path, processes: int) -> dict:
    run_dir = args.workdir / f"digest-{processes}p"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    db = run_dir / "db.sqlite3"
    copy_base(base, db)
    sink = Sink()
    env = base_env(db=db, jobs=run_dir / "jobs.sqlite3", sink=sink)
    manage(env, "migrate", "--noinput", "-v", "0")
    child = subprocess.Popen(
        [PYTHON, __file__, "--digest-child", str(db)],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    workers: list[subprocess.Popen] = []
    samples: dict[int, list[tuple[float, float, int]]] = {}  # pid -> (time, RSS MiB, emails so far)
    stop_sampling = threading.Event()

    def sample() -> None:
        while not stop_sampling.wait(0.5):
            now, received = time.monotonic(), sink.count
            for worker in workers:
                rss = rss_mib(worker.pid)
                if rss is not None:
                    samples.setdefault(worker.pid, []).append((now, rss, received))

    sampler = threading.Thread(target=sample, daemon=True)
    try:
        first = json.loads(child.stdout.readline())
        at, leftovers, subjects = first["at"], first["leftovers"], set(first["subjects"])
        for n in range(processes):
            workers.append(start_worker(env, run_dir / f"worker-{n}.log", "--workers", str(args.threads)))
        for n in range(processes):
            wait_until_started(run_dir / f"worker-{n}.log")
        time.sleep(1)
        idle_rss = [rss_mib(w.pid) or 0.0 for w in workers]
        cpu_before = [cpu_seconds(w.pid) for w in workers]
        sink_cpu_before, load_before = time.process_time(), os.getloadavg()[0]
        sampler.start()
        child.stdin.write("go\n")
        child.stdin.flush()
        started = json.loads(child.stdout.readline())["enqueued"]
        line = ""
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            if child.poll() is not None:
                line = child.stdout.read().strip().splitlines()[-1]
                break
            for n, worker in enumerate(workers):
                log = run_dir / f"worker-{n}.log"
                if worker.poll() is not None or "Traceback" in log.read_text(errors="replace"):
                    raise SystemExit(f"a worker failed: see {log}")
            time.sleep(0.5)
        else:
            raise SystemExit(f"the digest did not finish within {args.timeout} s ({sink.count} emails)")
        summary = json.loads(line)
        while sink.count < summary["sent"] and time.monotonic() < deadline:
            time.sleep(0.1)
        with sink.lock:
            received = list(zip(sink.received, sink.message_ids, strict=True))
        # Digests by their subject (the workers' periodic jobs may send other emails meanwhile,
        # e.g. the missed-message sweep); a double is one Message-ID received twice, or two
        # digests for one member.
        per_recipient: dict[str, int] = {}
        seen_ids: dict[bytes, int] = {}
        finished, others = started, 0
        for (rcpt, subject, arrived), message_id in received:
            seen_ids[message_id] = seen_ids.get(message_id, 0) + 1
            if decoded(subject) in subjects:
                per_recipient[rcpt] = per_recipient.get(rcpt, 0) + 1
                finished = max(finished, arrived)
            else:
                others += 1
        cpu = sum(cpu_seconds(w.pid) - before for w, before in zip(workers, cpu_before, strict=True))
        sink_cpu, load_after = time.process_time() - sink_cpu_before, os.getloadavg()[0]
    finally:
        stop_sampling.set()
        stop_process(child)
        for worker in workers:
            stop_process(worker)
        sink.stop()
    seconds = finished - started
    rss_rows = []
    for pid, series in samples.items():
        total = max(series[-1][2], 1)
        tenth = next((rss for _t, rss, got in series if got >= total / 10), series[0][1])
        rss_rows.append(
            {"pid": pid, "peak": max(r for _t, r, _g in series), "tenth": tenth, "end": series[-1][1]}
        )
    for path in run_dir.glob("*.sqlite3*"):  # the copy is large; the workers' logs stay
        path.unlink()
    return {
        "processes": processes,
        "threads": args.threads,
        "leftovers": leftovers,
        "load": (load_before, load_after),
        "sink_cpu": sink_cpu,
        "at": at,
        "seconds": seconds,
        "emails": len(per_recipient),
        "received": sum(per_recipient.values()),
        "doubled": sum(1 for n in per_recipient.values() if n > 1)
        + sum(1 for n in seen_ids.values() if n > 1),
        "others": others,
        "missing": summary["written"] - len(per_recipient),
        "cpu": cpu,
        "idle_rss": idle_rss,
        "rss": rss_rows,
        **summary,
    }


# --- the report -------------------------------------------------------------------------------------


def print_latency(rows: list[dict], args) -> None:
    print()
    print(
        f"(a) Notification email, enqueue to delivered at the SMTP sink, one run_huey worker, "
        f"{args.latency_n} notifications, one every 0–{2 * args.gap:g} s (ms)"
    )
    header = f"{'job queue':<34} {'p50':>8} {'p95':>8} {'max':>8} {'mean':>8} {'delivered':>10} {'p50 / p95 vs SQLite':>22}"
    print(header)
    print("-" * len(header))
    base = rows[0]
    for row in rows:
        ratio = f"{row['p50'] / base['p50']:.2f}× / {row['p95'] / base['p95']:.2f}×"
        print(
            f"{row['label']:<34} {row['p50']:>8.1f} {row['p95']:>8.1f} {row['max']:>8.1f} {row['mean']:>8.1f} "
            f"{row['delivered']:>4}/{row['sent']:<5} {ratio:>22}"
        )
    print("  load average (1 min) at the end of each run: " + ", ".join(f"{row['load']:.1f}" for row in rows))


def print_digest(rows: list[dict], members: int) -> None:
    print()
    print(
        f"(b) The weekly digest to {members:,} demo members (as of {rows[0]['at']}), real workers, real SMTP sink"
    )
    header = (
        f"{'workers':<22} {'total':>9} {'emails':>8} {'emails/s':>9} {'worker CPU':>11} "
        f"{'RSS idle → 10% → end, peak (MiB)':>36} {'doubled':>8} {'missing':>8} {'speed vs 1':>11}"
    )
    print(header)
    print("-" * len(header))
    base = rows[0]["emails"] / rows[0]["seconds"]
    for row in rows:
        rate = row["emails"] / row["seconds"]
        rss = "; ".join(
            f"{idle:.0f} → {r['tenth']:.0f} → {r['end']:.0f}, {r['peak']:.0f}"
            for idle, r in zip(row["idle_rss"], row["rss"], strict=False)
        )
        minutes, seconds = divmod(row["seconds"], 60)
        label = f"{row['processes']} process{'es' if row['processes'] > 1 else ''} × {row['threads']} threads"
        print(
            f"{label:<22} {int(minutes):>2} min {seconds:>2.0f} s {row['emails']:>8,} {rate:>9.0f} {row['cpu']:>9.0f} s "
            f"{rss:>36} {row['doubled']:>8} {row['missing']:>8} {rate / base:>10.2f}×"
        )
    for row in rows:
        print(
            f"  {row['processes']} process(es): {row['recipients']:,} recipients in {row['batches']} batches; "
            f"{row['written']:,} digests written ({row['recipients'] - row['written']:,} had nothing to say), "
            f"{row['sent']:,} sent ({row['sent_by_batches']:,} by their batch, the rest by the retrier); "
            f"SMTP sink (this process) CPU {row['sink_cpu']:.0f} s; load average {row['load'][0]:.1f} at the start, "
            f"{row['load'][1]:.1f} at the end; {row['leftovers']} unsent demo emails given up first; "
            f"{row['others']} other email(s) sent meanwhile by the workers' periodic jobs (not counted)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latency-n", type=int, default=200, help="Notifications for (a) (default 200).")
    parser.add_argument("--gap", type=float, default=0.25, help="Mean seconds between them (default 0.25).")
    parser.add_argument("--no-redis", action="store_true", help="(a) on the SQLite queue only.")
    parser.add_argument(
        "--members", type=int, default=100_000, help="Demo members for (b) (default 100,000)."
    )
    parser.add_argument("--base", type=Path, help="A seed_demo SQLite file to copy (never modified).")
    parser.add_argument(
        "--processes", type=int, nargs="+", default=[1], help="Worker processes for (b), one run each."
    )
    parser.add_argument("--threads", type=int, default=2, help="Threads per worker process (default 2).")
    parser.add_argument(
        "--timeout", type=float, default=1200, help="Seconds a digest run may take (default 1200)."
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/coworking-digest-bench"))
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-digest", action="store_true")
    parser.add_argument("--json", action="store_true", help="Also print the raw figures as JSON.")
    parser.add_argument("--latency-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--digest-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.latency_child is not None:
        latency_child(args.latency_child, args.gap, 0)
        return
    if args.digest_child is not None:
        digest_child(args.digest_child)
        return

    args.workdir.mkdir(parents=True, exist_ok=True)
    latency: list[dict] = []
    digest: list[dict] = []
    if not args.skip_latency:
        latency.append(measure_latency(args, label="SQLite queue (polled)"))
        if not args.no_redis and shutil.which("redis-server"):
            redis = start_redis()
            try:
                latency.append(measure_latency(args, label="Redis queue (blocking pop)", redis_url=redis.url))
            finally:
                redis.stop()
    if not args.skip_digest:
        base = prepare_base(args)
        for processes in args.processes:
            digest.append(measure_digest(args, base, processes))
    if latency:
        print_latency(latency, args)
    if digest:
        print_digest(digest, args.members)
    if args.json:
        print(json.dumps({"latency": latency, "digest": digest}, indent=2, default=str))


if __name__ == "__main__":
    main()

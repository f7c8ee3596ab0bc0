#!/usr/bin/env python
"""Benchmark: chat attachment uploads of 1 MB images through the real endpoint, on a live Daphne,
side by side with a plain 1 MB multipart POST to a minimal view on the same server.

    .venv/bin/python tests/bench/bench_uploads.py [--uploads 100] [--warmup 5]

1. Makes a fresh SQLite file in a temporary folder (migrate), two members in a direct
   conversation and an API token (so no CSRF dance), and a private attachments folder.
2. Starts one Daphne on 127.0.0.1 (DEBUG off; the project's settings plus `/bench/upload-minimal/`).
3. Alternates, one request at a time: `POST /api/messages/attachments` with a ~1 MB JPEG (decoded,
   re-encoded without metadata, thumbnailed, stored), then the same bytes to the minimal view
   (multipart parsed, file dropped). Bounded: `--uploads` of each, after `--warmup` rounds.
4. Prints MB/s, requests/s, median and p95 of each, and the ratios. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.fixtures.processes import stop_process  # noqa: E402

SETTINGS = "tests.bench.uploads_site"
TOKEN = "bench-uploads-" + "x" * 26


def bench_env(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DATABASE_URL=f"sqlite:///{folder / 'bench.sqlite3'}",
        CHAT_ATTACHMENT_ROOT=str(folder / "attachments"),
        MEDIA_ROOT=str(folder / "media"),
        JOBS_SQLITE_PATH=str(folder / "jobs.sqlite3"),
        # Every upload of the run stays unsent: let the member hold them all.
        CHAT_ATTACHMENTS_PENDING_MAX="100000",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="ERROR",
    )
    for name in ("REDIS_URL", "ELASTICSEARCH_URL", "AWS_STORAGE_BUCKET_NAME"):
        env.pop(name, None)
    return env


def prepare(folder: Path) -> int:
    """Migrate, make the members, the conversation and the token; returns the conversation id."""
    env = bench_env(folder)
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "migrate", "--noinput", "-v0"],
        env=env,
        check=True,
        cwd=REPO,
    )
    os.environ.update(env)
    import django

    django.setup()
    from messaging import services
    from profiles.models import ApiToken, Member

    anne = Member.objects.create_user(username="anne", email="anne@bench.example", password="x" * 12)
    jan = Member.objects.create_user(username="jan", email="jan@bench.example", password="x" * 12)
    conversation = services.conversation_direct_get_or_create(member=anne, other=jan)
    services.request_accept(member=jan, conversation=conversation)
    ApiToken.objects.create(member=anne, key=TOKEN)
    return conversation.pk


def photos(count: int, target: int = 1024 * 1024) -> list[bytes]:
    """`count` different JPEGs of about `target` bytes (noisy pixels, like a photo's detail)."""
    from PIL import Image

    rng = random.Random(16)
    made = []
    side = 760
    for _ in range(count):
        while True:
            noise = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
            out = io.BytesIO()
            noise.save(out, "JPEG", quality=80)
            size = out.tell()
            if abs(size - target) < target * 0.05:
                made.append(out.getvalue())
                break
            side = int(side * (target / size) ** 0.5)
    return made


class Server:
    def __init__(self, env: dict[str, str]) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.log = Path(tempfile.mkstemp(prefix="bench-uploads-daphne-", suffix=".log")[1])
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
                requests.post(self.http_url + "/bench/upload-minimal/", timeout=2)
                return self
            except requests.ConnectionError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"daphne did not answer in {timeout}s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        stop_process(self.process)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--uploads", type=int, default=100, help="timed requests of each kind (default 100)")
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    if not 1 <= args.uploads <= 1000:
        raise SystemExit("--uploads is 1 to 1000")

    folder = Path(tempfile.mkdtemp(prefix="coworking-bench-uploads-"))
    conversation = prepare(folder)
    images = photos(5)
    mean_size = statistics.mean(len(i) for i in images)

    import requests

    server = Server(bench_env(folder)).wait_ready()
    timings: dict[str, list[float]] = {"upload": [], "minimal": []}
    try:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {TOKEN}"
        endpoints = {
            "upload": (server.http_url + "/api/messages/attachments", 201),
            "minimal": (server.http_url + "/bench/upload-minimal/", 200),
        }
        for n in range(args.warmup + args.uploads):
            image = images[n % len(images)]
            for kind, (url, expected) in endpoints.items():
                started = time.perf_counter()
                response = session.post(
                    url,
                    data={"conversation": str(conversation)},
                    files={"file": (f"photo-{n}.jpg", image, "image/jpeg")},
                    timeout=60,
                )
                elapsed = time.perf_counter() - started
                if response.status_code != expected:
                    raise SystemExit(f"{kind}: HTTP {response.status_code}\n{response.text[:2000]}")
                if n >= args.warmup:
                    timings[kind].append(elapsed)
    finally:
        server.stop()

    stored = sum(p.stat().st_size for p in (folder / "attachments").rglob("*") if p.is_file())
    print()
    print(f"Upload benchmark: {args.uploads} uploads of JPEGs of {mean_size / 1e6:.2f} MB (5 distinct),")
    print("one Daphne process on 127.0.0.1, SQLite, file-system storage, DEBUG off, one request at a time.")
    header = f"{'endpoint':<46} {'MB/s':>6} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7}"
    print(header)
    print("-" * len(header))
    figures = {}
    for kind, label in (
        ("upload", "POST /api/messages/attachments"),
        ("minimal", "plain 1 MB POST, minimal view"),
    ):
        values = timings[kind]
        total = sum(values)
        figures[kind] = (
            len(values) * mean_size / 1e6 / total,
            len(values) / total,
            statistics.median(values) * 1000,
            percentile(values, 0.95) * 1000,
        )
        mbs, rps, p50, p95 = figures[kind]
        print(f"{label:<46} {mbs:>6.1f} {rps:>6.1f} {p50:>7.1f} {p95:>7.1f}")
    up, base = figures["upload"], figures["minimal"]
    print(
        f"ratio upload / minimal: {up[2] / base[2]:.1f}x p50, {up[3] / base[3]:.1f}x p95,"
        f" {base[1] / up[1]:.1f}x fewer per second"
    )
    print(
        f"stored: {stored / 1e6:.1f} MB for {args.uploads + args.warmup} uploads (re-encoded images and thumbnails)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

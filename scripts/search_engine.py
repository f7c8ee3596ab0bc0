#!/usr/bin/env python3
"""A real single-node OpenSearch 2.19 for local runs and the tests, from Maven artifacts.

    python scripts/search_engine.py                # a free port; prints the URL, Ctrl-C stops it
    python scripts/search_engine.py --port 9200
    python scripts/search_engine.py --resolve      # only fetch the artifacts and compile (make test-setup)

The server jar and its modules (scripts/search-engine/pom.xml) are resolved by Maven once: the
classpath is cached in scripts/search-engine/target/classpath.txt (rebuilt when the pom changes),
and the one launcher class (SearchEngine.java) is compiled there too. The node keeps its data in a
temporary folder that is removed when it stops: a fresh, empty engine each start.

Importable (tests/fixtures/search_engine.py): `resolve()`, `start()`, `wait_ready()`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent / "search-engine"
POM = HERE / "pom.xml"
SOURCE = HERE / "src" / "main" / "java" / "community" / "searchengine" / "SearchEngine.java"
TARGET = HERE / "target"
CLASSPATH_FILE = TARGET / "classpath.txt"
CLASSES = TARGET / "classes"
MAIN_CLASS = "community.searchengine.SearchEngine"
# The machine is small and shared: a small heap is plenty for a test network of a few thousand
# members. C1 only (TieredStopAtLevel=1) halves the start (about 18 s instead of 39 s here);
# --full-jit gives the server compiler back for benchmarks.
JVM_OPTIONS = ["-Xms256m", "-Xmx512m", "-XX:+UseSerialGC", "-Dlog4j2.level=warn"]
QUICK_START_OPTIONS = ["-XX:TieredStopAtLevel=1"]


class EngineError(RuntimeError):
    pass


def _newer(path: Path, *than: Path) -> bool:
    return path.exists() and all(path.stat().st_mtime >= other.stat().st_mtime for other in than)


def resolve(*, quiet: bool = True) -> str:
    """The launcher's classpath: Maven resolves it when the cache is missing or older than the
    pom (a minute the first time, with downloads; nothing after), javac compiles the class."""
    TARGET.mkdir(parents=True, exist_ok=True)
    if not _newer(CLASSPATH_FILE, POM):
        if shutil.which("mvn") is None:
            raise EngineError("Maven (mvn) is needed to fetch the search engine: apt-get install maven")
        command = [
            "mvn",
            "-B",
            "-f",
            str(POM),
            "dependency:build-classpath",
            f"-Dmdep.outputFile={CLASSPATH_FILE}",
        ]
        if quiet:
            command.insert(1, "-q")
        subprocess.run(command, check=True)
    classpath = CLASSPATH_FILE.read_text().strip()
    compiled = CLASSES / "community" / "searchengine" / "SearchEngine.class"
    if not _newer(compiled, SOURCE, CLASSPATH_FILE):
        subprocess.run(["javac", "-d", str(CLASSES), "-cp", classpath, str(SOURCE)], check=True)
    return f"{CLASSES}{os.pathsep}{classpath}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Engine:
    """A started engine: its URL, its process (ours to stop, by pid) and its data folder."""

    url: str
    process: subprocess.Popen
    home: Path

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM (the JVM's shutdown hook closes the node), SIGKILL after `timeout`."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.home, ignore_errors=True)


def start(*, port: int | None = None, full_jit: bool = False, log=None) -> Engine:
    """Start the engine on `port` (a free one by default); returns at once, see `wait_ready`."""
    classpath = resolve()
    port = port or free_port()
    home = Path(tempfile.mkdtemp(prefix="search-engine-"))
    command = [
        "java",
        *JVM_OPTIONS,
        *([] if full_jit else QUICK_START_OPTIONS),
        "-cp",
        classpath,
        MAIN_CLASS,
        str(port),
        str(home),
    ]
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=log or subprocess.DEVNULL, stderr=log or subprocess.STDOUT
    )
    return Engine(url=f"http://127.0.0.1:{port}", process=process, home=home)


def wait_ready(engine: Engine, *, timeout: float = 120) -> float:
    """Wait until the cluster is yellow or green; the seconds it took. EngineError if the process
    exits or the time runs out."""
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        if engine.process.poll() is not None:
            raise EngineError(f"the search engine exited with status {engine.process.returncode}")
        try:
            with urllib.request.urlopen(
                f"{engine.url}/_cluster/health?wait_for_status=yellow&timeout=1s", timeout=3
            ) as response:
                if json.load(response).get("status") in ("yellow", "green"):
                    return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
            pass
        time.sleep(0.25)
    raise EngineError(f"the search engine did not answer within {timeout:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=0, help="HTTP port (default: a free one)")
    parser.add_argument(
        "--full-jit", action="store_true", help="the server JIT too (slower start, for benchmarks)"
    )
    parser.add_argument(
        "--resolve", action="store_true", help="only fetch the artifacts and compile, then exit"
    )
    args = parser.parse_args()
    if args.resolve:
        resolve(quiet=False)
        return 0
    began = time.monotonic()
    engine = start(port=args.port or None, full_jit=args.full_jit, log=sys.stderr)

    def stop(signum, frame):  # noqa: ARG001 - signal handler signature
        raise KeyboardInterrupt

    # SIGINT too: a shell starting this in the background would otherwise leave it ignored.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        wait_ready(engine)
        print(
            f"OpenSearch 2.19 ready in {time.monotonic() - began:.1f} s. Run the app on it with:",
            file=sys.stderr,
        )
        print(f"  ELASTICSEARCH_URL={engine.url} make run", file=sys.stderr)
        print("(Ctrl-C stops the engine and deletes its data.)", file=sys.stderr)
        print(engine.url, flush=True)
        engine.process.wait()
        return engine.process.returncode or 0
    except KeyboardInterrupt:
        return 0
    except EngineError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        engine.stop()


if __name__ == "__main__":
    sys.exit(main())

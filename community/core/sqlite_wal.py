"""SQLite in WAL mode: checkpoints in a background thread, not inside a member's commit.

SQLite's default is to checkpoint from whichever commit pushes the write-ahead log past 1,000
pages: that commit copies the log back into the database file and syncs it to disk, so about one
chat message in a few hundred waited 3 to 5 ms more than the others (the direct-message p99).
With `SQLITE_CHECKPOINT_SECONDS` set (the default, 1 s), every Django connection turns that
automatic checkpoint off and one thread per process and database file runs a PASSIVE checkpoint
at that interval instead: it never waits for readers or writers and never blocks them, and the
log stays as small as one interval of writes. SQLite still checkpoints when the last connection
to the file closes.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


class WalCheckpointer(threading.Thread):
    """Runs `PRAGMA wal_checkpoint(PASSIVE)` on one database file every `interval` seconds."""

    def __init__(self, path: str | Path, interval: float) -> None:
        super().__init__(name=f"sqlite-checkpoint:{Path(path).name}", daemon=True)
        self.path, self.interval = str(path), interval
        self.stopped = threading.Event()
        self.checkpoints = 0  # completed runs, for tests and curiosity
        self._connection: sqlite3.Connection | None = None

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.checkpoint()
            except sqlite3.Error as error:
                # The file may be gone (a test database torn down) or busy: try again next time.
                logger.debug("sqlite checkpoint of %s skipped: %s", self.path, error)
                self._close()
        self._close()

    def checkpoint(self) -> tuple[int, int, int]:
        """(busy, frames in the log, frames copied into the database), as SQLite reports them."""
        if self._connection is None:
            # mode=rw: never create an empty database where the real one has been removed.
            uri = f"{Path(self.path).resolve().as_uri()}?mode=rw"
            self._connection = sqlite3.connect(uri, uri=True, timeout=1, check_same_thread=False)
        result = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.checkpoints += 1
        return result

    def stop(self) -> None:
        self.stopped.set()

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


_checkpointers: dict[str, WalCheckpointer] = {}
_lock = threading.Lock()


def checkpointer_for(path: str, interval: float) -> WalCheckpointer:
    """The process's checkpointer for this file, started on first use."""
    with _lock:
        checkpointer = _checkpointers.get(path)
        if checkpointer is None or not checkpointer.is_alive():
            checkpointer = _checkpointers[path] = WalCheckpointer(path, interval)
            checkpointer.start()
        return checkpointer


def checkpointer_running(path: str) -> bool:
    checkpointer = _checkpointers.get(path)
    return checkpointer is not None and checkpointer.is_alive()


def _is_file_database(name: str) -> bool:
    return bool(name) and name != ":memory:" and "mode=memory" not in name


def on_connection_created(sender, connection, **kwargs) -> None:
    """connection_created receiver: hand this SQLite file's checkpoints to the background thread."""
    if connection.vendor != "sqlite":
        return
    interval = float(getattr(settings, "SQLITE_CHECKPOINT_SECONDS", 0) or 0)
    name = str(connection.settings_dict["NAME"])
    if interval <= 0 or not _is_file_database(name):
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    checkpointer_for(name, interval)

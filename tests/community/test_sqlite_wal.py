"""SQLite's write-ahead log is checkpointed by a background thread, not inside a member's commit."""

from __future__ import annotations

import sqlite3
import time

import pytest
from django.db import connection

from community.core.sqlite_wal import WalCheckpointer, checkpointer_running


def _wal_database(path) -> sqlite3.Connection:
    """A database in WAL mode whose own connection never checkpoints (as Django's are set up)."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("CREATE TABLE message (id INTEGER PRIMARY KEY, body TEXT)")
    return db


def _write(db: sqlite3.Connection, rows: int) -> None:
    for n in range(rows):
        db.execute("INSERT INTO message (body) VALUES (?)", [f"message {n} " + "x" * 200])


def _wait_for(condition, seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_the_background_thread_copies_the_log_into_the_database(tmp_path):
    path = tmp_path / "chat.sqlite3"
    db = _wal_database(path)
    size_before = path.stat().st_size
    checkpointer = WalCheckpointer(path, interval=0.05)
    checkpointer.start()
    try:
        _write(db, 2000)
        # The rows reach the database file itself: the log was checkpointed, by the thread alone.
        assert _wait_for(lambda: path.stat().st_size > size_before + 200_000)
        assert checkpointer.checkpoints > 0
    finally:
        checkpointer.stop()
        checkpointer.join(5)
        db.close()


def test_without_it_the_log_only_grows(tmp_path):
    # The control: with automatic checkpoints off and no thread, nothing reaches the database file.
    path = tmp_path / "chat.sqlite3"
    db = _wal_database(path)
    size_before = path.stat().st_size
    _write(db, 2000)
    time.sleep(0.2)
    assert path.stat().st_size == size_before
    assert (tmp_path / "chat.sqlite3-wal").stat().st_size > 200_000
    db.close()


def test_the_thread_never_creates_a_missing_database(tmp_path):
    path = tmp_path / "gone.sqlite3"
    checkpointer = WalCheckpointer(path, interval=60)
    with pytest.raises(sqlite3.OperationalError):
        checkpointer.checkpoint()
    assert not path.exists()


@pytest.mark.django_db
def test_django_connections_hand_their_checkpoints_to_the_thread():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 0
    assert checkpointer_running(str(connection.settings_dict["NAME"]))

"""Whether the database backend's index can be trusted, and what search does when it cannot.

States of an index (members, messages), from `index_health`:
  ok              the index answers and holds what it should
  corrupt         a query or the integrity check fails (SQLite: "database disk image is
                  malformed"; a table or column gone), or it holds rows it cannot find (zeroed FTS5
                  blocks: every member is in the table, none is found by the token all of them have)
  empty           nothing indexed while there is something to index
  count_mismatch  it answers but holds more or fewer rows than it should (beyond what the outbox
                  is still to send)
  missing_index   (PostgreSQL) the GIN index is gone: right answers, slowly

Checked at web process start (search.tasks.index_check_at_startup, cheap: a few counts and one canary query, no
table scan) and on errors (a DatabaseError out of a search, or a search that found nobody while
the canary says the index lost its rows). A corrupt or empty index is marked in this process:
searches answer from search.backends.fallback with `incomplete` set (the page says "results may
be incomplete") until the index was rebuilt (its generation changed) or MARK_SECONDS passed.
One repair job (search.tasks.index_repair, by index_repair_soon) is enqueued, deduplicated by
the cache and locked in the queue; it checks thoroughly (FTS5 'integrity-check'), rebuilds what is broken and sends
everything the outbox holds. `search_index --check` prints the same states.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction

from search.documents import searchable_members
from search.models import IndexedMember, IndexedMessage, IndexState, MessageOutboxEntry, OutboxEntry

logger = logging.getLogger(__name__)

OK, CORRUPT, EMPTY, COUNT_MISMATCH, MISSING_INDEX = (
    "ok",
    "corrupt",
    "empty",
    "count_mismatch",
    "missing_index",
)
# States in which the index is not asked at all: the fallback answers.
UNUSABLE = frozenset({CORRUPT, EMPTY})
MEMBERS, MESSAGES = "members", "messages"
# A mark is retried after this long even if no rebuild happened (someone repaired it by hand).
MARK_SECONDS = 120.0
# A search that finds nobody asks the canary at most this often per process.
CANARY_SECONDS = 30.0
SQLITE_FTS_TABLES = {MEMBERS: ("search_member_fts", "search_term_trgm"), MESSAGES: ("search_message_fts",)}


@dataclass
class IndexHealth:
    index: str
    state: str
    indexed: int = 0
    expected: int = 0
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.state == OK

    @property
    def usable(self) -> bool:
        return self.state not in UNUSABLE

    def describe(self) -> str:
        text = f"{self.index}: {self.state} ({self.indexed} indexed, {self.expected} expected)"
        return f"{text}: {self.detail}" if self.detail else text


def savepoint():
    """Inside a transaction, a savepoint: on PostgreSQL a failed statement spoils the whole
    transaction, and what comes after (the fallback, the rest of a check) must still read."""
    return transaction.atomic() if connection.in_atomic_block else nullcontext()


def _integrity_check(table: str) -> None:
    """FTS5's own check of every segment against the content: reads the whole index."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")


def members_health(*, thorough: bool = False) -> IndexHealth:
    """The members index of the database backend. Cheap unless `thorough` (FTS5 integrity-check)."""
    expected = indexed = 0
    try:
        expected = searchable_members().count()
        indexed = IndexedMember.objects.count()
        with savepoint():
            found_problem = _members_problem(thorough, indexed, expected)
        if found_problem is not None:
            return found_problem
        pending = OutboxEntry.objects.values("member_id").distinct().count()
    except DatabaseError as error:
        return IndexHealth(MEMBERS, CORRUPT, indexed, expected, str(error)[:300])
    # Nothing indexed is "empty" only beyond what the outbox is still to send (a new network's
    # first members wait there until their commit's job ran).
    if not indexed and expected > pending:
        return IndexHealth(MEMBERS, EMPTY, indexed, expected)
    if abs(expected - indexed) > pending:
        return IndexHealth(MEMBERS, COUNT_MISMATCH, indexed, expected, f"{pending} members in the outbox")
    return IndexHealth(MEMBERS, OK, indexed, expected)


def _members_problem(thorough: bool, indexed: int, expected: int) -> IndexHealth | None:
    """What the full-text part says, None when it agrees with the table of indexed members."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            if thorough:
                for table in SQLITE_FTS_TABLES[MEMBERS]:
                    _integrity_check(table)
            # Every row carries the token `zall` (its meta column): zeroed blocks lose it.
            cursor.execute(
                "SELECT count(*) FROM search_member_fts WHERE search_member_fts MATCH 'meta : zall'"
            )
            found = int(cursor.fetchone()[0])
            cursor.execute("SELECT count(*) FROM search_member_fts")
            rows = int(cursor.fetchone()[0])
            if found != rows or rows != indexed:
                return IndexHealth(
                    MEMBERS, CORRUPT, indexed, expected, f"{rows} full-text rows, {found} of them found"
                )
            return None
        # Every indexed member has a name: an empty document is one the index lost.
        cursor.execute("SELECT count(*) FROM search_indexedmember WHERE document = ''::tsvector")
        blank = int(cursor.fetchone()[0])
        if blank:
            return IndexHealth(MEMBERS, CORRUPT, indexed, expected, f"{blank} empty documents")
        cursor.execute("SELECT to_regclass('search_indexedmember_document') IS NULL")
        if cursor.fetchone()[0]:
            return IndexHealth(MEMBERS, MISSING_INDEX, indexed, expected, "no GIN index on document")
    return None


def messages_health(*, thorough: bool = False) -> IndexHealth:
    """The messages index. Without `thorough`, only whether it is empty while messages exist
    (counting millions of messages is no startup work)."""
    from messaging.models import Message

    expected = indexed = 0
    try:
        indexed = IndexedMessage.objects.count() if thorough else int(IndexedMessage.objects.exists())
        messages = Message.objects.exclude(body="")
        if thorough and any(f.name == "deleted_at" for f in Message._meta.get_fields()):
            messages = messages.filter(deleted_at__isnull=True)
        expected = messages.count() if thorough else int(messages.exists())
        pending = MessageOutboxEntry.objects.values("message_id").distinct().count()
        with savepoint():
            problem = _messages_problem(thorough, indexed, expected)
        if problem is not None:
            return problem
    except DatabaseError as error:
        return IndexHealth(MESSAGES, CORRUPT, indexed, expected, str(error)[:300])
    # Without `thorough` the counts are 0/1 (exists): then any pending message explains it.
    if not indexed and expected > (pending if thorough else min(pending, 1)):
        return IndexHealth(MESSAGES, EMPTY, indexed, expected)
    if thorough and abs(expected - indexed) > pending:
        return IndexHealth(MESSAGES, COUNT_MISMATCH, indexed, expected, f"{pending} messages in the outbox")
    return IndexHealth(MESSAGES, OK, indexed, expected)


def _messages_problem(thorough: bool, indexed: int, expected: int) -> IndexHealth | None:
    """What the full-text part of the messages index says, None when nothing is wrong."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            if thorough:
                _integrity_check("search_message_fts")
                cursor.execute("SELECT count(*) FROM search_message_fts")
                rows = int(cursor.fetchone()[0])
                if rows != indexed:
                    return IndexHealth(MESSAGES, CORRUPT, indexed, expected, f"{rows} full-text rows")
            return None
        if not thorough:  # a scan of every message: no startup work
            return None
        cursor.execute("SELECT count(*) FROM search_indexedmessage WHERE document = ''::tsvector")
        blank = int(cursor.fetchone()[0])
        if blank:
            return IndexHealth(MESSAGES, CORRUPT, indexed, expected, f"{blank} empty documents")
    return None


def index_health(*, thorough: bool = False) -> list[IndexHealth]:
    """Both indices of the database backend (the one that always follows, and the fallback of
    Elasticsearch)."""
    return [members_health(thorough=thorough), messages_health(thorough=thorough)]


# --- this process's marks --------------------------------------------------------------------

_lock = threading.Lock()
# index -> (index generation when marked, monotonic deadline, state)
_marks: dict[str, tuple[str, float, str]] = {}
_canary_after = 0.0


def _generation() -> str:
    return IndexState.objects.order_by("-id").values_list("generation", flat=True).first() or ""


def index_mark(index: str, state: str, reason: str) -> None:
    """This process stops asking `index` (state UNUSABLE) or flags its results as incomplete,
    until a rebuild. The caller enqueues the repair (search.tasks.index_repair_soon)."""
    logger.warning("search index %s is %s, answering from the fallback: %s", index, state, reason[:300])
    with _lock:
        _marks[index] = (_generation(), time.monotonic() + MARK_SECONDS, state)


def index_marked(index: str) -> str | None:
    """The state `index` was marked with in this process, None when it is to be trusted (again)."""
    mark = _marks.get(index)
    if mark is None:
        return None
    generation, deadline, state = mark
    if time.monotonic() > deadline or _generation() != generation:
        with _lock:
            _marks.pop(index, None)
        return None
    return state


def index_failed(index: str, error: Exception) -> None:
    """A query on `index` raised a database error: mark it corrupt, repair it."""
    index_mark(index, CORRUPT, f"{type(error).__name__}: {error}")


def canary_says_broken() -> bool:
    """After a search that found nobody: whether the members index lost its rows (checked at most
    every CANARY_SECONDS per process); marks it when so."""
    global _canary_after
    now = time.monotonic()
    if now < _canary_after:
        return False
    _canary_after = now + CANARY_SECONDS
    health = members_health()
    if health.usable:
        return False
    index_mark(MEMBERS, health.state, health.describe())
    return True


def forget() -> None:
    """No marks, canary due (a test starting afresh)."""
    global _canary_after
    with _lock:
        _marks.clear()
    _canary_after = 0.0

"""Writes of the search app: keeping every index in step with the members.

The chain: a change to a member (their profile, skills, languages, spaces, visibility; admin
included) -> a signal handler calls `members_reindex_enqueue` -> an OutboxEntry is written in the
same transaction -> after the commit, `outbox_process` loads the members' documents and hands them
to every backend (the database one always, Elasticsearch when configured) -> entries are removed
once all backends took them. A backend that fails (search server down) leaves the entries, which
are retried with a growing delay: by the next change that commits, by the outbox retrier (a
thread each web process starts, every SEARCH_OUTBOX_RETRY_SECONDS), or by `python manage.py
search_index --retry`. Searches only read: they never process the outbox.

Chat messages follow the same way with their own outbox (MessageOutboxEntry): messaging sends
`messaging.signals.messages_changed` inside the transaction that stored, edited or deleted them
-> search.signal_handlers -> `search.tasks.messages_reindex_later` writes the entries
(`messages_reindex_enqueue`) and, after the commit, schedules one job for all of them -> the job
(a Huey worker, off the chat socket's path) runs `message_outbox_process`. Entries a backend
could not take are retried with a growing delay, by the retrier thread and a periodic job.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from search.backends import SearchBackend, get_backend, index_backends
from search.documents import (
    iter_documents,
    iter_message_documents,
    load_documents,
    load_message_documents,
)
from search.models import IndexChange, MessageOutboxEntry, OutboxEntry

logger = logging.getLogger(__name__)

RETRY_BATCH = 200
MAX_RETRY_DELAY = timedelta(hours=1)


def members_reindex_enqueue(*, member_ids: Iterable[int]) -> None:
    """Have these members' index documents follow the database once the transaction commits.

    Promises: nothing reaches an index before the commit (a rolled-back change never does); the
    outbox entry is written inside the transaction, so a change that committed is never lost,
    even if the process dies or the search server is down right after the commit. Cheap to call
    several times for one member in one transaction (handled once)."""
    ids = sorted({int(i) for i in member_ids if i is not None})
    if not ids:
        return
    OutboxEntry.objects.bulk_create([OutboxEntry(member_id=i) for i in ids])
    # robust: an index failure after the commit must not turn the member's request into an error.
    transaction.on_commit(partial(_after_commit, ids), robust=True)


def _after_commit(member_ids: list[int]) -> None:
    # Fresh entries only: one that already failed waits for its retry, not for every callback
    # of the same transaction to hit the dead server again.
    report = outbox_process(member_ids=member_ids, fresh_only=True)
    if report.failed == 0 and report.done:
        # The backends answer again: catch up with what earlier failures left behind.
        outbox_process(limit=RETRY_BATCH)


@dataclass
class OutboxReport:
    done: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def outbox_process(
    *,
    member_ids: Iterable[int] | None = None,
    limit: int = 1000,
    force: bool = False,
    fresh_only: bool = False,
) -> OutboxReport:
    """Bring pending members' documents up to date in every backend; returns what happened.

    With `member_ids`, only those members' entries (only never-tried ones with `fresh_only`);
    otherwise entries due for a retry (all of them with `force`), oldest first, at most `limit`. Entries are deleted only when every
    backend accepted the new documents; otherwise they are kept with the error and retried
    later (exponential delay, one hour at most). Idempotent."""
    entries = OutboxEntry.objects.order_by("id")
    if fresh_only:
        entries = entries.filter(attempts=0)
    if member_ids is not None:
        entries = entries.filter(member_id__in=list(member_ids))
    elif not force:
        entries = entries.filter(next_attempt_at__lte=timezone.now())
    batch = list(entries.values_list("id", "member_id", "attempts")[:limit])
    if not batch:
        return OutboxReport()
    ids = sorted({member_id for _, member_id, _ in batch})
    last_entry = max(entry_id for entry_id, _, _ in batch)
    errors = index_members_now(member_ids=ids)
    if not errors:
        OutboxEntry.objects.filter(member_id__in=ids, id__lte=last_entry).delete()
        return OutboxReport(done=len(ids))
    now = timezone.now()
    message = "; ".join(errors)[:2000]
    attempts_by_entry = {entry_id: attempts for entry_id, _, attempts in batch}
    pending = list(OutboxEntry.objects.filter(id__in=attempts_by_entry))
    for entry in pending:
        entry.attempts += 1
        entry.last_error = message
        entry.next_attempt_at = now + min(
            timedelta(seconds=5 * 2 ** min(entry.attempts, 12)), MAX_RETRY_DELAY
        )
    OutboxEntry.objects.bulk_update(pending, ["attempts", "last_error", "next_attempt_at"])
    logger.warning("search index update failed for %d members, kept for retry: %s", len(ids), message)
    return OutboxReport(failed=len(ids), errors=errors)


def _drain(process: Callable[..., OutboxReport], *, force: bool) -> OutboxReport:
    """`process` (one of the two outboxes) batch after batch until nothing is due or a backend fails."""
    total = OutboxReport()
    while True:
        report = process(limit=RETRY_BATCH * 5, force=force)
        total.done += report.done
        total.failed += report.failed
        total.errors += report.errors
        if report.failed or not report.done:
            return total


def outbox_drain(*, force: bool = False) -> OutboxReport:
    """The member outbox, sent until nothing is due or a backend fails."""
    return _drain(outbox_process, force=force)


def outbox_retry_due() -> OutboxReport:
    """Send a bounded batch of the entries whose retry is due (what the retrier runs), members'
    and messages' (those whose job was lost too)."""
    message_outbox_retry_due()
    if not OutboxEntry.objects.filter(attempts__gt=0, next_attempt_at__lte=timezone.now()).exists():
        return OutboxReport()
    return outbox_process(limit=RETRY_BATCH)


class OutboxRetrier(threading.Thread):
    """Runs `outbox_retry_due` every `interval` seconds until stopped: a search server that
    comes back gets what it missed without anyone searching or editing a profile."""

    def __init__(self, interval: float) -> None:
        super().__init__(name="search-outbox-retrier", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                outbox_retry_due()
                close_old_connections()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the retrier
                logger.warning("search outbox retry failed", exc_info=True)

    def stop(self) -> None:
        self.stopped.set()


_retrier: OutboxRetrier | None = None
_retrier_lock = threading.Lock()


def outbox_retrier_start() -> OutboxRetrier | None:
    """Start this process's retrier once (called at web process startup); None when turned off."""
    global _retrier
    interval = settings.SEARCH_OUTBOX_RETRY_SECONDS
    if interval <= 0:
        return None
    with _retrier_lock:
        if _retrier is None or not _retrier.is_alive():
            _retrier = OutboxRetrier(interval)
            _retrier.start()
        return _retrier


def index_members_now(*, member_ids: list[int], backends: list[SearchBackend] | None = None) -> list[str]:
    """Index or remove these members in every backend right now; returns the backends' errors.

    A member who is hidden, inactive or deleted is removed; everyone else is (re)indexed."""
    documents = load_documents(member_ids)
    present = [doc for doc in documents.values() if doc is not None]
    absent = [member_id for member_id, doc in documents.items() if doc is None]
    errors: list[str] = []
    for backend in backends if backends is not None else index_backends():
        try:
            backend.index_documents(present)
            backend.delete_documents(absent)
        except Exception as error:  # noqa: BLE001 - any failure keeps the outbox entry
            logger.info("search backend %s failed: %s", backend.name, error, exc_info=True)
            errors.append(f"{backend.name}: {error}")
    return errors


def index_rebuild(
    *,
    backend_name: str | None = None,
    progress: Callable[[int], None] = lambda n: None,
    batch_size: int = 2000,
) -> dict[str, int]:
    """Rebuild the index of one backend, or of every backend in use, from the database.

    Returns backend name -> members indexed. On Elasticsearch a new index is filled and the
    alias swapped at the end, so searches keep answering from the old index meanwhile."""
    backends = [get_backend(backend_name)] if backend_name else index_backends()
    started = timezone.now()
    counts = {}
    for backend in backends:
        # Members changed while a search server's index is rebuilt go to the old index (a web
        # process may not know the rebuild's target): send them again once the alias swapped.
        # The database backend's change log knows them, since that backend follows every change.
        last_change = IndexChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
        counts[backend.name] = backend.rebuild(iter_documents(batch_size=batch_size), progress=progress)
        if backend.name != "database":
            changed = set(IndexChange.objects.filter(id__gt=last_change).values_list("member_id", flat=True))
            if changed:
                index_members_now(member_ids=sorted(changed), backends=[backend])
    if not backend_name:
        # What changed before the rebuild started is in every new index: those entries are done.
        OutboxEntry.objects.filter(created_at__lt=started).delete()
    return counts


@dataclass
class IndexCheck:
    backend: str
    expected: int
    indexed: int
    missing: list[int]
    stale: list[int]
    extra: list[int]

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def index_check(*, backend_name: str | None = None) -> list[IndexCheck]:
    """Compare each backend's index with the database: members missing, stale or not to be there."""
    expected: dict[int, str] = {}
    for documents in iter_documents():
        expected.update((doc.member_id, doc.content_hash) for doc in documents)
    results = []
    for backend in [get_backend(backend_name)] if backend_name else index_backends():
        indexed = backend.indexed_hashes()
        results.append(
            IndexCheck(
                backend=backend.name,
                expected=len(expected),
                indexed=len(indexed),
                missing=sorted(set(expected) - set(indexed)),
                stale=sorted(i for i, h in indexed.items() if i in expected and expected[i] != h),
                extra=sorted(set(indexed) - set(expected)),
            )
        )
    return results


# --- messages -------------------------------------------------------------------------------

# A fresh entry older than this has lost its job (a crash between the commit and the enqueue, no
# worker running): the retrier takes it.
MESSAGE_JOB_GRACE = timedelta(seconds=30)
_MESSAGE_OUTBOX = MessageOutboxEntry._meta.db_table


def messages_reindex_enqueue(*, message_ids: Iterable[int]) -> None:
    """Write the outbox entries that make these messages' index documents follow the database.

    Promises: inside the caller's transaction (a message that committed is never left out of the
    index, even if the process dies right after; a rolled-back one never gets in); one plain
    INSERT per message, for the chat socket's send path. Processing is the caller's to arrange
    after the commit (search.tasks.messages_reindex_later schedules the job)."""
    ids = sorted({int(i) for i in message_ids if i is not None})
    if not ids:
        return
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = ", ".join(["(%s, %s, 0, %s, '')"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_MESSAGE_OUTBOX} (message_id, created_at, attempts, next_attempt_at, last_error)"
            f" VALUES {rows}",
            [value for i in ids for value in (i, now, now)],
        )


def message_outbox_process(*, limit: int = 1000, force: bool = False) -> OutboxReport:
    """Bring the due message entries (all of them with `force`), oldest first, at most `limit`,
    up to date in every backend: a message present and not deleted is (re)indexed, one missing
    or deleted is removed. Entries are deleted once every backend took the change, kept with the
    error and a growing delay otherwise. Idempotent."""
    entries = MessageOutboxEntry.objects.order_by("id")
    if not force:
        entries = entries.filter(next_attempt_at__lte=timezone.now())
    batch = list(entries.values_list("id", "message_id")[:limit])
    if not batch:
        return OutboxReport()
    ids = sorted({message_id for _, message_id in batch})
    last_entry = max(entry_id for entry_id, _ in batch)
    errors = index_messages_now(message_ids=ids)
    if not errors:
        MessageOutboxEntry.objects.filter(message_id__in=ids, id__lte=last_entry).delete()
        return OutboxReport(done=len(ids))
    now = timezone.now()
    message = "; ".join(errors)[:2000]
    pending = list(MessageOutboxEntry.objects.filter(id__in=[entry_id for entry_id, _ in batch]))
    for entry in pending:
        entry.attempts += 1
        entry.last_error = message
        entry.next_attempt_at = now + min(
            timedelta(seconds=5 * 2 ** min(entry.attempts, 12)), MAX_RETRY_DELAY
        )
    MessageOutboxEntry.objects.bulk_update(pending, ["attempts", "last_error", "next_attempt_at"])
    logger.warning("search index update failed for %d messages, kept for retry: %s", len(ids), message)
    return OutboxReport(failed=len(ids), errors=errors)


def message_outbox_drain(*, force: bool = False) -> OutboxReport:
    """The message outbox, sent until nothing is due or a backend fails."""
    return _drain(message_outbox_process, force=force)


def index_forget_now() -> None:
    """After a member's erasure (committed): every index follows the outboxes now, not in a batch
    job a second later, and the database backend drops the deleted terms from its files."""
    outbox_drain(force=True)
    message_outbox_drain(force=True)
    for backend in index_backends():
        purge = getattr(backend, "purge_deleted", None)
        if purge is not None:
            purge()


def message_outbox_retry_due() -> OutboxReport:
    """Entries that failed and are due again, or whose job never ran (older than the grace)."""
    now = timezone.now()
    due = MessageOutboxEntry.objects.filter(next_attempt_at__lte=now)
    if (
        not due.filter(attempts__gt=0).exists()
        and not due.filter(created_at__lte=now - MESSAGE_JOB_GRACE).exists()
    ):
        return OutboxReport()
    return message_outbox_process(limit=RETRY_BATCH)


def index_messages_now(*, message_ids: list[int], backends: list[SearchBackend] | None = None) -> list[str]:
    """Index or remove these messages in every backend right now; returns the backends' errors."""
    documents = load_message_documents(message_ids)
    present = [doc for doc in documents.values() if doc is not None]
    absent = [message_id for message_id, doc in documents.items() if doc is None]
    errors: list[str] = []
    for backend in backends if backends is not None else index_backends():
        try:
            backend.index_messages(present)
            backend.delete_messages(absent)
        except Exception as error:  # noqa: BLE001 - any failure keeps the outbox entry
            logger.info("search backend %s failed on messages: %s", backend.name, error, exc_info=True)
            errors.append(f"{backend.name}: {error}")
    return errors


def messages_index_rebuild(
    *,
    backend_name: str | None = None,
    progress: Callable[[int], None] = lambda n: None,
    batch_size: int = 5000,
) -> dict[str, int]:
    """Rebuild the message index of one backend, or of every backend in use, from the database.

    Returns backend name -> messages indexed. Messages changed meanwhile keep their outbox
    entries (only those older than the rebuild are dropped), so the index catches up after."""
    backends = [get_backend(backend_name)] if backend_name else index_backends()
    started = timezone.now()
    counts = {
        backend.name: backend.rebuild_messages(
            iter_message_documents(batch_size=batch_size), progress=progress
        )
        for backend in backends
    }
    if not backend_name:
        MessageOutboxEntry.objects.filter(created_at__lt=started).delete()
    return counts

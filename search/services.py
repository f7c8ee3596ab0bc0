"""Writes of the search app: keeping every index in step with the members.

The chain: a change to a member (their profile, skills, languages, spaces, visibility; admin
included) -> a signal handler calls `members_reindex_enqueue` -> an OutboxEntry is written in the
same transaction -> after the commit, `outbox_process` loads the members' documents and hands them
to every backend (the database one always, Elasticsearch when configured) -> entries are removed
once all backends took them. A backend that fails (search server down) leaves the entries, which
are retried with a growing delay: by the next change that commits, by the outbox retrier (a
thread each web process starts, every SEARCH_OUTBOX_RETRY_SECONDS), or by `python manage.py
search_index --retry`. Searches only read: they never process the outbox.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from search.backends import SearchBackend, get_backend, index_backends
from search.documents import iter_documents, load_documents
from search.models import IndexChange, OutboxEntry

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


def outbox_retry_due() -> OutboxReport:
    """Send a bounded batch of the entries whose retry is due (what the retrier runs)."""
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

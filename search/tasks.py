"""Jobs of the search app: keep the message index following the chat, off the socket's path.

A stored, edited or deleted message writes an outbox entry in its own transaction
(search.services.messages_reindex_enqueue); once committed, `messages_reindex_later` schedules
`index_messages_pending` MESSAGE_INDEX_DELAY seconds later, at most one per process and window:
a busy chat is one job a second, whatever its rate, and the socket only pays a cache check (the
queue write itself is done by a thread of its own).
The job indexes every due entry, so it also takes the messages of the window that scheduled
nothing. Failures (Elasticsearch down) stay in the outbox, retried with a growing delay by
`index_messages_due` every minute and by the web process's retrier thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from django.core.cache import cache
from django.db import connection, transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from community.core.jobs import enqueue_after_commit
from search import health
from search.services import (
    index_rebuild,
    message_outbox_drain,
    message_outbox_retry_due,
    messages_index_rebuild,
    messages_reindex_enqueue,
    outbox_drain,
)

logger = logging.getLogger(__name__)

MESSAGE_INDEX_DELAY = 1.0
# Shorter than the delay: a message that found the key committed before the job starts, so the
# job sees its entry.
MESSAGE_INDEX_WINDOW = 0.8
PENDING_KEY = "search:message-index-job"


def messages_reindex_later(*, message_ids: Iterable[int]) -> None:
    """Outbox entries for these messages now (in the caller's transaction), the job after commit."""
    messages_reindex_enqueue(message_ids=message_ids)
    transaction.on_commit(_schedule, robust=True)


# Writing the job to the queue costs milliseconds (a SQLite file, a Redis round trip): one
# thread does it, so the chat socket's database thread never waits for it. A job lost with the
# process is made up for by `index_messages_due` (the entries are already committed).
_scheduler = ThreadPoolExecutor(max_workers=1, thread_name_prefix="search-message-jobs")


def _schedule() -> None:
    if cache.add(PENDING_KEY, 1, timeout=MESSAGE_INDEX_WINDOW):
        _scheduler.submit(_enqueue_job)


def _enqueue_job() -> None:
    try:
        index_messages_pending.schedule(delay=MESSAGE_INDEX_DELAY)
    except Exception:  # noqa: BLE001 - the queue down: the periodic job and the retrier catch up
        logger.warning("could not schedule the message index job", exc_info=True)


def scheduling_flush(timeout: float = 10.0) -> None:
    """Wait until the jobs asked for so far are in the queue (tests, and a process shutting down)."""
    _scheduler.submit(lambda: None).result(timeout=timeout)


@db_task(retries=3, retry_delay=5)
def index_messages_pending() -> int:
    """Index every message whose entry is due; how many were done."""
    # A message committed from now on schedules a job of its own (with a shared cache; a
    # process-local one lets the key expire before this job is due anyway).
    cache.delete(PENDING_KEY)
    return message_outbox_drain().done


@db_periodic_task(crontab(minute="*"))
def index_messages_due() -> int:
    """Every minute: what failed and is due again, or whose job was lost."""
    return message_outbox_retry_due().done


@db_task(retries=2, retry_delay=30)
@lock_task("search-index-repair")
def index_repair() -> dict[str, object]:
    """Rebuild what is broken in the database backend's index, then send the whole outbox.

    Enqueued once by search.health.repair_soon; locked, so two workers never rebuild at once, and
    checked first (thoroughly), so a job that comes after another's repair changes nothing. The
    rebuild keeps the outbox (backend_name given): an edit made while the index was broken or
    being rebuilt is sent again after it, so none is lost. Returns what it did."""
    try:
        before = {result.index: result for result in health.index_health(thorough=True)}
        done: dict[str, object] = {name: result.state for name, result in before.items()}
        if not before[health.MEMBERS].ok and before[health.MEMBERS].state != health.MISSING_INDEX:
            done["members_rebuilt"] = index_rebuild(backend_name="database")["database"]
        if not before[health.MESSAGES].ok and before[health.MESSAGES].state != health.MISSING_INDEX:
            done["messages_rebuilt"] = messages_index_rebuild(backend_name="database")["database"]
        done["members_sent"] = outbox_drain(force=True).done
        done["messages_sent"] = message_outbox_drain(force=True).done
        logger.warning("search index repaired: %s", done)
        return done
    finally:
        cache.delete(REPAIR_KEY)


REPAIR_KEY = "search:index-repair-queued"
REPAIR_DEDUPE_SECONDS = 600


def index_repair_soon() -> bool:
    """Enqueue `index_repair` once (after the commit, if inside a transaction); whether it did.

    However many requests meet a broken index, the cache lets one through per
    REPAIR_DEDUPE_SECONDS (per process with the local cache, per site with Redis), and the job's
    lock and first check make any second one a no-op."""
    if not cache.add(REPAIR_KEY, 1, timeout=REPAIR_DEDUPE_SECONDS):
        return False
    try:
        enqueue_after_commit(index_repair)
    except Exception:  # noqa: BLE001 - the queue down: the next start or `search_index --rebuild`
        logger.warning("could not enqueue the search index repair", exc_info=True)
        cache.delete(REPAIR_KEY)
        return False
    return True


def index_check_at_startup() -> list[health.IndexHealth]:
    """At web process start: the cheap check (search.health); a broken index is marked in this
    process and its repair enqueued."""
    try:
        results = health.index_health()
    except Exception:  # noqa: BLE001 - a database not migrated yet must not stop the process
        logger.warning("search index check at startup failed", exc_info=True)
        return []
    broken = [result for result in results if not result.ok and result.state != health.MISSING_INDEX]
    for result in broken:
        health.index_mark(result.index, result.state, result.describe())
    if broken:
        index_repair_soon()
    return results


def index_check_at_startup_in_background() -> threading.Thread:
    """`index_check_at_startup` on a thread of its own (a web process starts without waiting)."""

    def run() -> None:
        try:
            index_check_at_startup()
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="search-index-check", daemon=True)
    thread.start()
    return thread

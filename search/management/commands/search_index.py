"""python manage.py search_index --rebuild | --check | --retry [--backend database|elasticsearch]

--rebuild  rebuild the index from the database (progress bar, bulk writes), members then chat
           messages; on Elasticsearch a fresh index is filled and the alias swapped, so search
           keeps answering meanwhile.
--check    the state of the database backend's members and messages indices (ok, corrupt,
           empty, count_mismatch, missing_index: search.health, with FTS5's integrity check),
           then members missing from each backend's index, stale in it, or in it but not to be.
           Exits non-zero when anything is wrong.
--retry    send every pending outbox entry now, members' and messages' (after the search server
           came back).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from search import health
from search.backends import SearchUnavailable, index_backends
from search.documents import searchable_members
from search.models import OutboxEntry
from search.services import (
    index_check,
    index_rebuild,
    message_outbox_drain,
    messages_index_rebuild,
    outbox_process,
)


class Command(BaseCommand):
    help = "Rebuild, check or catch up the member search index."

    def add_arguments(self, parser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--rebuild", action="store_true", help="Rebuild the index from the database.")
        action.add_argument("--check", action="store_true", help="Report missing, stale and extra documents.")
        action.add_argument("--retry", action="store_true", help="Send the pending outbox entries now.")
        parser.add_argument(
            "--backend",
            choices=["database", "elasticsearch"],
            help="Only this backend (default: all in use).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(
        self,
        *args,
        rebuild: bool,
        check: bool,
        retry: bool,
        backend: str | None,
        no_progress: bool,
        batch_size: int,
        **options,
    ) -> None:
        try:
            if rebuild:
                self._rebuild(backend, no_progress, batch_size)
            elif check:
                self._check(backend)
            else:
                self._retry()
        except SearchUnavailable as error:
            raise CommandError(f"The search server is unreachable: {error}") from error

    def _rebuild(self, backend: str | None, no_progress: bool, batch_size: int) -> None:
        # Each backend in use goes through every member once.
        total = searchable_members().count() * (1 if backend else len(index_backends()))
        started = time.perf_counter()
        with tqdm(total=total, unit="member", disable=no_progress, file=self.stderr) as bar:
            counts = index_rebuild(backend_name=backend, progress=bar.update, batch_size=batch_size)
        message_counts = messages_index_rebuild(backend_name=backend, batch_size=batch_size * 5)
        elapsed = time.perf_counter() - started
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count} members indexed")
        for name, count in message_counts.items():
            self.stdout.write(f"{name}: {count} messages indexed")
        indexed = sum(counts.values()) + sum(message_counts.values())
        rate = indexed / elapsed if elapsed else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Search index rebuilt in {elapsed:.1f} s ({rate:,.0f} documents/s over {len(counts)} backend(s))."
            )
        )

    def _check(self, backend: str | None) -> None:
        problems = 0
        if backend in (None, "database"):
            for state in health.index_health(thorough=True):
                self.stdout.write(f"database {state.describe()}")
                problems += 0 if state.ok else 1
            if problems:
                # Hashes cannot be read from an index that is broken; the states say enough.
                raise CommandError(
                    "The search index is broken: run `python manage.py search_index --rebuild` "
                    "(the web processes also enqueue a repair job when they meet it)."
                )
        for result in index_check(backend_name=backend):
            self.stdout.write(
                f"{result.backend}: {result.indexed} documents for {result.expected} searchable members; "
                f"{len(result.missing)} missing, {len(result.stale)} stale, {len(result.extra)} extra"
            )
            for label, ids in (("missing", result.missing), ("stale", result.stale), ("extra", result.extra)):
                if ids:
                    shown = ", ".join(str(i) for i in ids[:20]) + (" ..." if len(ids) > 20 else "")
                    self.stdout.write(f"  {label} member ids: {shown}")
            problems += 0 if result.ok else 1
        pending = OutboxEntry.objects.count()
        if pending:
            self.stdout.write(f"{pending} outbox entries waiting (search_index --retry sends them).")
        if problems:
            raise CommandError(
                "The search index is out of date: run `python manage.py search_index --rebuild`."
            )
        self.stdout.write(self.style.SUCCESS("The search index is up to date."))

    def _retry(self) -> None:
        from search.backends.elasticsearch import reset_circuit

        reset_circuit()
        done = failed = 0
        while True:
            report = outbox_process(force=True, limit=1000)
            done += report.done
            failed += report.failed
            if report.failed or not (report.done):
                break
        messages = message_outbox_drain(force=True)
        if messages.failed:
            raise CommandError(
                f"{messages.done} messages sent, {messages.failed} still failing: {'; '.join(messages.errors)[:500]}"
            )
        if failed:
            raise CommandError(
                f"{done} members sent, {failed} still failing: {'; '.join(report.errors)[:500]}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{done} members and {messages.done} messages sent to the search index; outbox empty."
            )
        )

"""Writes of the weekly digest: plan the week's batches, and run one batch.

A batch (BATCH_SIZE members) composes each member's digest in memory from what it read once
(`selectors.digests_for`), writes them into the outbox, each in its member's language under its
week's key (`email.write_many`: `email.write` for a batch, in one short transaction), then sends
the batch's emails over one SMTP connection (`email.email_send`).
Running a batch again, or the whole week again, writes and sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from community.digest import compose, selectors
from community.digest.models import DigestBatch
from community.digest.weeks import digest_key, week_of
from community.notifications import email
from community.notifications.kinds import DIGEST
from community.notifications.models import Delivery
from community.notifications.selectors import members_with_delivery
from profiles.models import Member

BATCH_SIZE = 500
# A batch still waiting in the queue this long, or started this long ago and not done, was lost
# (its worker stopped): the next planning runs it again. Running one twice sends nothing twice.
QUEUED_TOO_LONG = dt.timedelta(hours=1)
RUNNING_TOO_LONG = dt.timedelta(minutes=15)
# What a digest needs of its reader (the email layout shows their name).
READER_FIELDS = (
    "id",
    "username",
    "display_name",
    "email",
    "is_active",
    "visibility",
    "preferred_language",
    "home_space_id",
)


def recipients():
    """Ids of the members who get the digest: active, with an address, not set to never."""
    return members_with_delivery(topic=DIGEST, delivery=Delivery.DIGEST)


def plan_week(*, at: dt.datetime | None = None) -> list[int]:
    """Split the week's recipients into batches (once a week), or find the week's lost batches;
    returns the ids of the batches to enqueue now (none when the week is planned and on its way).

    `at` (default now) names the week and is the instant the digests speak of.
    """
    now = timezone.now()
    at = at or now
    week = week_of(at)
    if not DigestBatch.objects.filter(week=week).exists():
        try:
            return _create_batches(week=week, at=at, now=now, size=BATCH_SIZE)
        except IntegrityError:  # planned by another worker meanwhile
            return []
    lost = DigestBatch.objects.filter(week=week, done_at__isnull=True).filter(
        Q(started_at__isnull=True, enqueued_at__lt=now - QUEUED_TOO_LONG)
        | Q(started_at__lt=now - RUNNING_TOO_LONG)
    )
    ids = list(lost.values_list("pk", flat=True))
    DigestBatch.objects.filter(pk__in=ids).update(enqueued_at=now, started_at=None)
    return ids


def _create_batches(*, week: str, at: dt.datetime, now: dt.datetime, size: int) -> list[int]:
    # The ids are read in order, a chunk at a time (never the 100,000 members at once), and each
    # batch is stored as soon as it is full: all of them in one transaction.
    created: list[int] = []
    chunk: list[int] = []

    def store() -> None:
        batch = DigestBatch.objects.create(
            week=week, number=len(created), planned_for=at, member_ids=chunk, enqueued_at=now
        )
        created.append(batch.pk)

    with transaction.atomic():
        for member_id in recipients().order_by("pk").iterator(chunk_size=2000):
            chunk.append(member_id)
            if len(chunk) >= size:
                store()
                chunk = []
        if chunk:
            store()
    return created


def run_batch(*, batch_id: int) -> int:
    """Write and send one batch's digests; how many emails were sent. A batch that is done, or
    gone, does nothing."""
    batch = DigestBatch.objects.filter(pk=batch_id, done_at__isnull=True).first()
    if batch is None:
        return 0
    DigestBatch.objects.filter(pk=batch.pk).update(started_at=timezone.now())
    written, sent = send_digests(member_ids=batch.member_ids, at=batch.planned_for, week=batch.week)
    DigestBatch.objects.filter(pk=batch.pk).update(
        done_at=timezone.now(), written=F("written") + written, sent=F("sent") + sent
    )
    return sent


def send_digests(*, member_ids: list[int], at: dt.datetime, week: str) -> tuple[int, int]:
    """Compose, write and send the digests of these members (those still recipients now);
    returns (written, sent). A member with nothing to say gets nothing; a digest written before
    (this week's key) is not written again, and any of them still unsent is sent now."""
    readers = list(
        Member.objects.filter(pk__in=recipients().filter(pk__in=member_ids))
        .only(*READER_FIELDS)
        .order_by("pk")
    )
    emails = [
        (digest.member, digest_key(member_id=digest.member.pk, week=week), partial(compose.email_for, digest))
        for digest in selectors.digests_for(members=readers, at=at)
        if not digest.is_empty
    ]
    if not emails:
        return 0, 0
    written = email.write_many(topic=DIGEST, emails=emails)
    sent = email.email_send(email.unsent_email_ids(keys=[key for _member, key, _compose in emails]))
    return written, sent

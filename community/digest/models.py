"""The weekly digest's progress: the week's members in batches, each done or still to do.

A digest email is written into the notifications outbox under the key `digest:<member>:<week>`,
so it is never written (or sent) twice. What the keys cannot tell is who had nothing to say: a
batch records that it ran to the end, so a batch lost with a worker (the queue forgets a job
that was running) is found and run again, and a finished one is never run again.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DigestBatch(models.Model):
    # ISO year and week of the digest, in the site's time zone ("2026-W24").
    week = models.CharField(_("week"), max_length=10)
    number = models.PositiveIntegerField()
    # The instant the week's digest speaks of: the seven days before (who joined, who asked)
    # and the seven after (events). One instant for every batch of the week.
    planned_for = models.DateTimeField()
    member_ids = models.JSONField(default=list)
    enqueued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    written = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("digest batch")
        verbose_name_plural = _("digest batches")
        ordering = ["week", "number"]
        constraints = [models.UniqueConstraint(fields=["week", "number"], name="digest_batch_once")]

    def __str__(self) -> str:
        return f"{self.week} #{self.number}"

"""Tables of the database search backend and the index outbox.

The full-text part of the index is not a Django model: on SQLite an FTS5 virtual table
(`search_member_fts`: analysed text, bm25, prefix index, and a `meta` column of filter tokens;
migration 0004) and a trigram table over the vocabulary (`search_term_trgm`, migration 0002); on
PostgreSQL a weighted tsvector column on `search_indexedmember` with a GIN index, and a pg_trgm
index on the vocabulary (migration 0002).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IndexedMember(models.Model):
    """One searchable member as the database backend indexed them (filters and boosts)."""

    member_id = models.BigIntegerField(primary_key=True)
    visibility = models.CharField(max_length=10)
    available = models.BooleanField(default=False)
    home_space_id = models.BigIntegerField(null=True)
    region = models.CharField(max_length=10, blank=True)
    # "|fr|nl|": the language boost reads it without a join.
    languages = models.CharField(max_length=200, blank=True)
    # "s:translation p:hub-brussels r:brussels l:fr a:1": facet counts come from one string per hit.
    facets = models.TextField(blank=True)
    content_hash = models.CharField(max_length=40)
    indexed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("indexed member")
        verbose_name_plural = _("indexed members")

    def __str__(self) -> str:
        return f"member {self.member_id}"


class IndexedMemberTerms(models.Model):
    """The distinct analysed terms of an indexed member, to keep the vocabulary's document
    frequencies right on updates (apart from IndexedMember, whose rows a search reads by the
    thousand and must stay small)."""

    member_id = models.BigIntegerField(primary_key=True)
    terms = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"member {self.member_id}"


class IndexedFacet(models.Model):
    """One filter value of an indexed member: skill, space, region, language or availability.

    PostgreSQL's filters read it (SQLite filters with FTS tokens instead)."""

    class Kind(models.TextChoices):
        SKILL = "s", _("skill")
        SPACE = "p", _("space")
        REGION = "r", _("region")
        LANGUAGE = "l", _("language")
        AVAILABLE = "a", _("available")

    member_id = models.BigIntegerField(db_index=True)
    kind = models.CharField(max_length=1, choices=Kind.choices)
    value = models.CharField(max_length=120)

    class Meta:
        indexes = [models.Index(fields=["kind", "value", "member_id"], name="search_facet_value")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind}={self.value}"


class IndexChange(models.Model):
    """One member whose documents changed in the database backend: the processes' facet caches
    catch up from here. `stamp` tells a row apart from one that reused its id after a rollback."""

    member_id = models.BigIntegerField()
    stamp = models.CharField(max_length=12)

    def __str__(self) -> str:
        return f"change {self.pk}: member {self.member_id}"


class IndexState(models.Model):
    """A single row: `generation` changes at every rebuild (caches then reload everything)."""

    generation = models.CharField(max_length=32)

    def __str__(self) -> str:
        return self.generation


class IndexTerm(models.Model):
    """A term of the index and how many members' documents hold it: the typo-correction vocabulary."""

    term = models.CharField(max_length=64, unique=True)
    df = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.term} ({self.df})"


class OutboxEntry(models.Model):
    """A member whose index documents must be brought up to date.

    Written in the same transaction as the change, removed once every backend has the new
    document; an entry a backend could not take (search server down) stays and is retried.
    """

    member_id = models.BigIntegerField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("search index outbox entry")
        verbose_name_plural = _("search index outbox")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"member {self.member_id} ({self.attempts} attempts)"


class IndexedMessage(models.Model):
    """One chat message as the database backend indexed it: what searches filter on.

    Its text is in `search_message_fts` (SQLite FTS5, rowid = message id) or the `document`
    tsvector column (PostgreSQL), both added by migration 0005."""

    message_id = models.BigIntegerField(primary_key=True)
    conversation_id = models.BigIntegerField(db_index=True)
    created = models.DateTimeField()

    class Meta:
        verbose_name = _("indexed message")
        verbose_name_plural = _("indexed messages")

    def __str__(self) -> str:
        return f"message {self.message_id}"


class MessageOutboxEntry(models.Model):
    """A chat message whose index documents must be brought up to date (stored, edited, deleted).

    Like OutboxEntry: written in the same transaction as the message, removed once every backend
    took the change, kept with the error and retried with a growing delay otherwise."""

    message_id = models.BigIntegerField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("message index outbox entry")
        verbose_name_plural = _("message index outbox")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"message {self.message_id} ({self.attempts} attempts)"

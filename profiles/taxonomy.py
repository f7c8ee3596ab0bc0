"""The skill taxonomy: canonical skills with FR/NL/EN labels and synonyms.

`profiles/data/skills.json` is the shipped source; a data migration loads it (so every database,
test ones included, has it) and `python manage.py load_skills` reloads it after an edit. From
then on the `Skill` table is the truth, read once into a `TaxonomySnapshot` (its rows, the term
index, the labels) that every reader shares: the directory and profiles here, search's query
understanding and the help board through `TaxonomySnapshot.derived`. A skill saved or deleted
(signal receiver in `profiles.signals`, admin edits included) or `load_skills` calls
`clear_term_index`, the one invalidation: this process reads the table again at its next use,
and a version in Django's cache (Redis in production) tells the other processes.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from time import monotonic
from typing import Any, NamedTuple, TypeVar

from django.core.cache import cache
from django.db import transaction

from profiles.models import Skill
from profiles.terms import normalize_term

SKILLS_FILE = Path(__file__).resolve().parent / "data" / "skills.json"
_VERSION_KEY = "profiles:taxonomy-version"
# Reading the shared version costs a cache round trip (Redis in production): each process does it
# at most this often (seconds), so another process's edit shows here within that time.
VERSION_CHECK_INTERVAL = 1.0

T = TypeVar("T")


def read_taxonomy_file(path: Path = SKILLS_FILE) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_taxonomy(*, skill_model, category_model, tag_model, path: Path = SKILLS_FILE) -> int:
    """Insert or update every category and skill, and give each skill its tag. Idempotent.

    Takes the model classes so the data migration can pass its historical models.
    """
    data = read_taxonomy_file(path)
    for category in data["categories"]:
        category_model.objects.update_or_create(
            slug=category["slug"],
            defaults={"name_en": category["en"], "name_fr": category["fr"], "name_nl": category["nl"]},
        )
    for item in data["skills"]:
        skill, _ = skill_model.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "category_id": item["category"],
                "name_en": item["en"],
                "name_fr": item["fr"],
                "name_nl": item["nl"],
                "synonyms": "\n".join(item.get("synonyms", [])),
            },
        )
        tag = (
            tag_model.objects.filter(skill=skill).first()
            or tag_model.objects.filter(slug=item["slug"]).first()
        )
        if tag is None:
            # A free tag may already carry the English name ("Translation"): it becomes the skill's tag.
            tag = tag_model.objects.filter(name__iexact=item["en"], skill__isnull=True).first() or tag_model(
                slug=item["slug"]
            )
        tag.name, tag.skill = item["en"], skill
        tag.save()
    return len(data["skills"])


def load_taxonomy_in_migration(apps, schema_editor=None) -> int:
    """`load_taxonomy` with a migration's historical models (RunPython of every data migration
    that (re)loads skills.json)."""
    return load_taxonomy(
        skill_model=apps.get_model("profiles", "Skill"),
        category_model=apps.get_model("profiles", "SkillCategory"),
        tag_model=apps.get_model("profiles", "SkillTag"),
    )


def skill_terms(*, slug: str, names: list[str], synonyms: str) -> tuple[list[str], list[str]]:
    """The normalised labels and the normalised synonyms of one skill."""
    labels = [normalize_term(slug.replace("-", " ")), *(normalize_term(name) for name in names)]
    others = [normalize_term(line) for line in synonyms.splitlines()]
    return [t for t in labels if t], [t for t in others if t]


class SkillRow(NamedTuple):
    """One canonical skill as the taxonomy reads it from the Skill table."""

    slug: str
    name_en: str
    name_fr: str
    name_nl: str
    synonyms: str
    category: str = ""


class TaxonomySnapshot:
    """One reading of the Skill table, never changed once made: the rows, the term index built
    from them (normalised label or synonym -> canonical slug), the normalised labels, and what
    other parts derive from the rows (`derived`).

    Every reader in the process shares the current snapshot; a skill saved or deleted replaces it
    (`clear_term_index`), and whoever still holds the old one keeps a consistent view of it.
    """

    def __init__(self, rows: Iterable[SkillRow], *, version: str = "") -> None:
        self.version = version
        self.rows: tuple[SkillRow, ...] = tuple(rows)
        self.term_index, self.labels = _index(self.rows)
        self._derived: dict[str, Any] = {}
        self._derived_lock = threading.Lock()

    @classmethod
    def read(cls, *, version: str) -> TaxonomySnapshot:
        rows = Skill.objects.values_list(
            "slug", "name_en", "name_fr", "name_nl", "synonyms", "category_id"
        ).order_by("id")
        return cls((SkillRow(*row) for row in rows), version=version)

    def derived(self, key: str, build: Callable[[TaxonomySnapshot], T]) -> T:
        """`build(self)`, computed once for this snapshot and kept with it.

        For a part with its own reading of the taxonomy (search's phrases and typo index, which
        need search's tokenizer): `key` names it, and since a changed skill makes a new snapshot,
        what it builds is rebuilt exactly when the Skill table changes, with no cache of its own.
        """
        try:
            return self._derived[key]
        except KeyError:
            with self._derived_lock:
                if key not in self._derived:
                    self._derived[key] = build(self)
                return self._derived[key]


def _index(rows: Iterable[SkillRow]) -> tuple[dict[str, str], frozenset[str]]:
    """(normalised term -> slug, the normalised labels); rows in id order."""
    index: dict[str, str] = {}
    label_terms: set[str] = set()
    synonym_pairs: list[tuple[str, str]] = []
    # Labels first: a skill's own name wins over another skill's synonym.
    for slug, en, fr, nl, synonyms, _category in rows:
        labels, others = skill_terms(slug=slug, names=[en, fr, nl], synonyms=synonyms)
        for term in labels:
            index.setdefault(term, slug)
            label_terms.add(term)
        synonym_pairs.extend((term, slug) for term in others)
    for term, slug in synonym_pairs:
        index.setdefault(term, slug)
    return index, frozenset(label_terms)


def _shared_version() -> str:
    version = cache.get(_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        # add(): when two processes race, both end up agreeing on the first one's version.
        cache.add(_VERSION_KEY, version, timeout=None)
        version = cache.get(_VERSION_KEY, version)
    return version


# Nothing read yet, or dropped by an invalidation: any reader reads the table again.
_STALE: tuple[TaxonomySnapshot, float] = (TaxonomySnapshot(()), float("-inf"))
# This process's snapshot and until when it stands without a look at the shared version, replaced
# together so that a reader never sees one without the other.
_current = _STALE
_refresh_lock = threading.Lock()
# Replaced at each invalidation: a snapshot being read while a skill changes is not kept.
_generation = object()


def snapshot() -> TaxonomySnapshot:
    """The Skill table as this process last read it; read again after any change to a skill, made
    here (at once) or in another process (seen within VERSION_CHECK_INTERVAL).

    Cheap enough for every request: no lock, and a cache round trip at most once an interval.
    """
    current, fresh_until = _current
    if monotonic() < fresh_until:
        return current
    return _refresh()


def derived(key: str, build: Callable[[TaxonomySnapshot], T]) -> T:
    """`snapshot().derived(key, build)` in one call: search asks for its reading on every request."""
    current, fresh_until = _current
    if monotonic() >= fresh_until:
        current = _refresh()
    try:
        return current._derived[key]
    except KeyError:
        return current.derived(key, build)


def _refresh() -> TaxonomySnapshot:
    global _current
    with _refresh_lock:
        generation = _generation
        version = _shared_version()
        current = _current[0]
        if current.version != version:
            current = TaxonomySnapshot.read(version=version)
        _current = (current, monotonic() + VERSION_CHECK_INTERVAL)
        if generation is not _generation:
            # _forget() ran meanwhile (it replaces the generation before dropping the snapshot):
            # what was just read may predate the change, so the next caller reads again.
            _current = _STALE
        return current


def _forget() -> None:
    global _current, _generation
    cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    _generation = object()
    _current = _STALE


def term_index() -> dict[str, str]:
    """Every normalised label and synonym -> canonical skill slug, read from the Skill table."""
    return snapshot().term_index


def clear_term_index() -> None:
    """Forget the taxonomy snapshot in every process, and all that was derived from it (called when
    a skill is saved or deleted, and by load_skills).

    Inside a transaction, again once it commits: until then other connections still read the old
    rows, and a snapshot one of them took meanwhile would carry the new version.
    """
    _forget()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_forget)


def canonical_slug(term: str) -> str | None:
    """The canonical skill a typed term stands for, or None for a free tag.

    Accents and case are folded; a plural "s" is tried off when the exact form is unknown
    ("traducteurs", "vertalers").
    """
    key = normalize_term(term)
    if not key:
        return None
    index = snapshot().term_index
    found = index.get(key)
    if found is None and len(key) > 3 and key.endswith("s"):
        found = index.get(key[:-1])
    return found


def slugs_for_prefix(prefix: str, *, limit: int = 10) -> list[str]:
    """Canonical skills for a prefix being typed, best first: the exact term, then skills whose
    label starts with it, then synonyms starting with it, then word starts inside labels and
    synonyms ("design" -> "graphic design")."""
    key = normalize_term(prefix)
    if not key:
        return []
    current = snapshot()
    index, labels = current.term_index, current.labels
    exact = index.get(key)
    found: dict[str, None] = dict.fromkeys([exact] if exact else [])
    terms = sorted(index.items())
    tiers = (
        lambda term: term in labels and term.startswith(key),
        lambda term: term.startswith(key),
        lambda term: term in labels and f" {key}" in term,
        lambda term: f" {key}" in term,
    )
    for matches in tiers:
        for term, slug in terms:
            if len(found) >= limit:
                return list(found)
            if matches(term):
                found.setdefault(slug)
    return list(found)[:limit]

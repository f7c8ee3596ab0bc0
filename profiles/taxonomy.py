"""The skill taxonomy: canonical skills with FR/NL/EN labels and synonyms.

`profiles/data/skills.json` is the shipped source; a data migration loads it (so every database,
test ones included, has it) and `python manage.py load_skills` reloads it after an edit. From
then on the `Skill` table is the truth: the term index below is read from it, so a synonym added
in the admin counts at once. The index is cached per process and dropped when a skill changes
(signal receivers in `ProfilesConfig.ready`); a version number in Django's cache tells the other
processes (Redis cache in production) that their copy is stale.
"""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path

from django.core.cache import cache

from profiles.models import Skill
from profiles.terms import normalize_term

SKILLS_FILE = Path(__file__).resolve().parent / "data" / "skills.json"
_VERSION_KEY = "profiles:taxonomy-version"


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


def skill_terms(*, slug: str, names: list[str], synonyms: str) -> tuple[list[str], list[str]]:
    """The normalised labels and the normalised synonyms of one skill."""
    labels = [normalize_term(slug.replace("-", " ")), *(normalize_term(name) for name in names)]
    others = [normalize_term(line) for line in synonyms.splitlines()]
    return [t for t in labels if t], [t for t in others if t]


class _TermIndex:
    """normalised term -> canonical skill slug, built from the Skill table, cached per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: str | None = None
        self._index: dict[str, str] | None = None
        self._labels: frozenset[str] = frozenset()

    def labels(self) -> frozenset[str]:
        """The normalised labels (not synonyms) of the index last returned by get()."""
        self.get()
        return self._labels

    def get(self) -> dict[str, str]:
        version = cache.get(_VERSION_KEY)
        if version is None:
            version = uuid.uuid4().hex
            # add(): when two processes race, both end up agreeing on the first one's version.
            cache.add(_VERSION_KEY, version, timeout=None)
            version = cache.get(_VERSION_KEY, version)
        index = self._index
        if index is not None and self._version == version:
            return index
        with self._lock:
            index, labels = self._build()
            self._index, self._labels, self._version = index, labels, version
        return index

    def clear(self) -> None:
        self._index = None
        cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)

    @staticmethod
    def _build() -> tuple[dict[str, str], frozenset[str]]:
        rows = list(
            Skill.objects.values_list("slug", "name_en", "name_fr", "name_nl", "synonyms").order_by("id")
        )
        index: dict[str, str] = {}
        label_terms: set[str] = set()
        synonym_pairs: list[tuple[str, str]] = []
        # Labels first: a skill's own name wins over another skill's synonym.
        for slug, en, fr, nl, synonyms in rows:
            labels, others = skill_terms(slug=slug, names=[en, fr, nl], synonyms=synonyms)
            for term in labels:
                index.setdefault(term, slug)
                label_terms.add(term)
            synonym_pairs.extend((term, slug) for term in others)
        for term, slug in synonym_pairs:
            index.setdefault(term, slug)
        return index, frozenset(label_terms)


_term_index = _TermIndex()


def term_index() -> dict[str, str]:
    """Every normalised label and synonym -> canonical skill slug, read from the Skill table."""
    return _term_index.get()


def clear_term_index() -> None:
    """Forget the cached index in every process (called when a skill is saved or deleted)."""
    _term_index.clear()


# Kept for callers written against the earlier lru_cache version.
term_index.cache_clear = clear_term_index  # type: ignore[attr-defined]


def canonical_slug(term: str) -> str | None:
    """The canonical skill a typed term stands for, or None for a free tag.

    Accents and case are folded; a plural "s" is tried off when the exact form is unknown
    ("traducteurs", "vertalers").
    """
    key = normalize_term(term)
    if not key:
        return None
    index = term_index()
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
    index = term_index()
    labels = _term_index.labels()
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

"""The skill taxonomy: canonical skills with FR/NL/EN labels and synonyms, shipped as data.

`profiles/data/skills.json` is the source; a data migration loads it (so every database, test
ones included, has it) and `python manage.py load_skills` reloads it after an edit.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

SKILLS_FILE = Path(__file__).resolve().parent / "data" / "skills.json"


def normalize_term(text: str) -> str:
    """Lower case, accents folded, punctuation to spaces: "Traductrice " -> "traductrice"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^\w+#]+", " ", without_accents).strip()


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
        tag = tag_model.objects.filter(skill=skill).first() or tag_model.objects.filter(slug=item["slug"]).first()
        if tag is None:
            tag = tag_model(slug=item["slug"])
        tag.name, tag.skill = item["en"], skill
        tag.save()
    return len(data["skills"])


@lru_cache(maxsize=1)
def term_index() -> dict[str, str]:
    """Every normalised label and synonym -> canonical skill slug, read from the shipped file."""
    index: dict[str, str] = {}
    for item in read_taxonomy_file()["skills"]:
        for term in [item["slug"].replace("-", " "), item["en"], item["fr"], item["nl"], *item.get("synonyms", [])]:
            index.setdefault(normalize_term(term), item["slug"])
    return index


def canonical_slug(term: str) -> str | None:
    """The canonical skill a typed term stands for, or None for a free tag."""
    return term_index().get(normalize_term(term))

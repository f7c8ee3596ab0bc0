"""Every user-facing string is translated: complete catalogues, no bare text in templates."""

import re
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", *(ROOT.glob("*/templates")), *(ROOT.glob("community/*/templates"))]

# Text that is not language: numbers, symbols, units, brand-neutral glyphs.
NOT_WORDS = re.compile(
    r"^[\W\d_]*(m²|€|EUR|\.?ics|CSV|API|FR|NL|EN|OK|@|LinkedIn)?[\W\d_]*$", re.UNICODE | re.I
)


def visible_template_text(source: str) -> list[str]:
    source = re.sub(r"{#.*?#}", " ", source, flags=re.S)
    source = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", " ", source, flags=re.S)
    source = re.sub(
        r"{%\s*(blocktranslate|blocktrans)\b.*?{%\s*end(blocktranslate|blocktrans)\s*%}",
        " ",
        source,
        flags=re.S,
    )
    source = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S | re.I)
    source = re.sub(r"{%.*?%}|{{.*?}}", " ", source, flags=re.S)
    source = re.sub(r"<!--.*?-->", " ", source, flags=re.S)
    # Attributes people read: placeholder, title, aria-label, alt.
    bare_attributes = [
        value
        for value in re.findall(r'\b(?:placeholder|title|aria-label|alt)="([^"]*)"', source)
        if value.strip() and not NOT_WORDS.match(value.strip())
    ]
    text = re.sub(r"<[^>]*>", "\n", source)
    chunks = [chunk.strip() for chunk in text.splitlines()]
    return [c for c in chunks if c and not NOT_WORDS.match(c) and not c.startswith("&")] + bare_attributes


def all_templates() -> list[Path]:
    return sorted(
        path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html") if ".venv" not in path.parts
    )


@pytest.mark.parametrize("template", all_templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_template_has_no_text_outside_translation_tags(template):
    bare = visible_template_text(template.read_text(encoding="utf-8"))

    assert bare == [], f"untranslated text in {template.relative_to(ROOT)}: {bare[:5]}"


def read_po(path: Path) -> list[dict]:
    entries, current = [], {"flags": "", "msgid": "", "msgstr": [], "obsolete": False}
    field = None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current["msgid"] or current["msgstr"]:
                entries.append(current)
            current, field = {"flags": "", "msgid": "", "msgstr": [], "obsolete": False}, None
        elif line.startswith("#~"):
            current["obsolete"] = True
        elif line.startswith("#,"):
            current["flags"] += line
        elif line.startswith("msgid "):
            field, current["msgid"] = "msgid", eval(line[6:])  # noqa: S307 - a .po string literal
        elif line.startswith("msgid_plural "):
            field = "plural"
        elif line.startswith("msgstr"):
            field = "msgstr"
            current["msgstr"].append(eval(line.split(" ", 1)[1]))  # noqa: S307
        elif line.startswith('"'):
            if field == "msgid":
                current["msgid"] += eval(line)  # noqa: S307
            elif field == "msgstr":
                current["msgstr"][-1] += eval(line)  # noqa: S307
    return [e for e in entries if e["msgid"] and not e["obsolete"]]


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_catalogue_is_complete_and_has_no_fuzzy_entry(language):
    entries = read_po(ROOT / "locale" / language / "LC_MESSAGES" / "django.po")

    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert len(entries) > 100
    assert untranslated == [], f"{len(untranslated)} untranslated in {language}: {untranslated[:5]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in {language}: {fuzzy[:5]}"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", "Membres"), ("nl", "Leden"), ("en", "Members")],
)
def test_catalogue_is_compiled_and_used(language, expected):
    with translation.override(language):
        assert translation.gettext("Members") == expected

"""Highlights computed in Python from a member's own text: escaped text, <mark> only.

Used by the database backend (its index holds analysed terms, not the text) and, for the
skills of every result, by both backends. Nothing from the member's text is ever emitted
unescaped, so a bio containing markup cannot inject anything through a highlight.
"""

from __future__ import annotations

import re
from html import escape, unescape

from search.query import ParsedQuery
from search.text import is_stop_word, stem, tokenize

FRAGMENT_CHARS = 160
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_MARK_RE = re.compile(r"</?mark>")


def _matches(word: str, terms: frozenset[str], prefix: str | None) -> bool:
    for token in tokenize(word):
        if is_stop_word(token):
            continue
        stemmed = stem(token)
        if (
            stemmed in terms
            or token in terms
            or (prefix and (token.startswith(prefix) or stemmed.startswith(prefix)))
        ):
            return True
    return False


def query_terms(parsed: ParsedQuery) -> frozenset[str]:
    return frozenset(parsed.all_terms()) | frozenset(parsed.words)


def highlight_text(
    text: str, parsed: ParsedQuery, *, fragment: bool = False, extra_terms: frozenset[str] = frozenset()
) -> str | None:
    """`text` escaped, matched words wrapped in <mark>; None when nothing matched.

    With `fragment`, only a window of about FRAGMENT_CHARS characters around the first match,
    cut at word boundaries, with an ellipsis where text was cut."""
    if not text:
        return None
    terms = query_terms(parsed) | extra_terms
    spans = [m.span() for m in _WORD_RE.finditer(text) if _matches(m.group(), terms, parsed.prefix)]
    return _marked(text, spans, fragment=fragment)


def highlight_terms(text: str, terms: frozenset[str], *, fragment: bool = True) -> str | None:
    """`text` escaped, the words whose stem (search.text) is one of `terms` in <mark>; None when
    none is. Stop words count: a message search for "merci" marks "Merci !"."""
    if not text or not terms:
        return None
    spans = [
        m.span()
        for m in _WORD_RE.finditer(text)
        if any(stem(token) in terms or token in terms for token in tokenize(m.group()))
    ]
    return _marked(text, spans, fragment=fragment)


def _marked(text: str, spans: list[tuple[int, int]], *, fragment: bool) -> str | None:
    if not spans:
        return None
    start, end = 0, len(text)
    if fragment and len(text) > FRAGMENT_CHARS:
        first = spans[0][0]
        start = max(0, first - FRAGMENT_CHARS // 3)
        end = min(len(text), start + FRAGMENT_CHARS)
        if start > 0:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < first else start
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > spans[0][1] else end
    out, position = [], start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        out.append(escape(text[position:span_start]))
        out.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        position = span_end
    out.append(escape(text[position:end]))
    return ("…" if start > 0 else "") + "".join(out) + ("…" if end < len(text) else "")


def highlight_skill(label: str, key: str, parsed: ParsedQuery) -> str | None:
    """A skill label, whole marked when it is a skill the request names, else marked words."""
    if key in parsed.skill_slugs:
        return f"<mark>{escape(label)}</mark>"
    return highlight_text(label, parsed)


def engine_fragment_fits(fragment: str, text: str) -> bool:
    """Whether a highlight the search engine made may reach a page for this field's `text`.

    It must be escaped text with <mark>...</mark> pairs only (none left open, none nested, no
    other markup) whose text, marks removed, is part of the member's own text as the database
    has it now (not an older version still in the index, not another field's)."""
    depth = 0
    for tag in _MARK_RE.findall(fragment):
        depth += 1 if tag == "<mark>" else -1
        if depth not in (0, 1):
            return False
    if depth:
        return False
    bare = _MARK_RE.sub("", fragment)
    if "<" in bare or ">" in bare:
        return False
    plain = unescape(bare).strip()
    return bool(plain) and plain in text

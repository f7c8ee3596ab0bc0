"""Query understanding, shared by both search backends.

    >>> parsed = understand("j'ai besoin d'un graphsite pour mon logo")
    >>> parsed.skill_slugs
    ('graphic-design', 'logo-design')

`understand(text)` tokenises the text (accents folded, FR/NL/EN stop words dropped, light
stemming, see `search.text`), recognises the canonical skills of the taxonomy it names in any of
the three languages ("traducteur", "vertaler", "translation" -> translation), typos included
("archtect" -> architecture, by a Damerau-Levenshtein lookup over the taxonomy's words), and the
spoken languages it mentions ("vertaler Frans" -> French). The backends turn a ParsedQuery into
their own query language; none of them re-parses the text.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from profiles.taxonomy import TaxonomySnapshot, derived
from search.text import analyze, damerau_levenshtein, is_stop_word, max_typos, stem, tokenize

MAX_QUERY_LENGTH = 500
MAX_TERMS = 24
MAX_PHRASE_WORDS = 5

# Spoken languages people name in a request ("traducteur néerlandais", "vertaler Frans").
LANGUAGE_WORDS: dict[str, str] = {
    word: code
    for code, words in {
        "nl": "dutch flemish neerlandais nederlands vlaams",
        "fr": "french francais frans",
        "en": "english anglais engels",
        "de": "german allemand duits deutsch",
        "es": "spanish espagnol spaans",
        "it": "italian italien italiaans",
        "pt": "portuguese portugais portugees",
        "ar": "arabic arabe arabisch",
        "tr": "turkish turc turks",
        "pl": "polish polonais pools",
        "ro": "romanian roumain roemeens",
    }.items()
    for word in words.split()
}


@dataclass(frozen=True)
class ParsedQuery:
    """What a typed request means, for any backend.

    text: the request as typed (trimmed). terms: analysed terms (folded, no stop words, stemmed),
    in order, at most MAX_TERMS. words: the same words folded but not stemmed (for highlighting
    and fuzzy matching on original text). skill_slugs: canonical skills named, synonyms and
    typos resolved. corrections: typed word -> taxonomy word it was read as. languages: spoken
    languages mentioned (ISO codes). prefix: the last term, to be matched as a prefix while the
    member is still typing (None when too short).
    """

    text: str
    terms: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    skill_slugs: tuple[str, ...] = ()
    corrections: dict[str, str] = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    prefix: str | None = None
    # Terms that belong to a skill the request names: the backends match the skill itself
    # (canonical slug), and these words in the headline, profession and name only (a bio saying
    # "I'm looking for a comptable" is noise, and "développement" of "développement durable"
    # must not match every "développement web").
    skill_terms: frozenset[str] = frozenset()

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.skill_slugs

    def all_terms(self) -> tuple[str, ...]:
        """Terms to look for in the text fields: typed terms and the taxonomy words typos were read as."""
        extra = tuple(stem(word) for word in self.corrections.values())
        return tuple(dict.fromkeys(self.terms + extra))


class QueryTooLong(ValueError):
    """The request is longer than MAX_QUERY_LENGTH characters."""


@dataclass
class Taxonomy:
    """Phrases of the skill taxonomy -> skill slugs, and its words for typo correction: search's
    reading of a profiles `TaxonomySnapshot`, through search.text's tokenizer and stemmer."""

    phrases: dict[tuple[str, ...], set[str]]
    words: set[str]
    labels: dict[str, dict[str, str]]
    # (folded form, slug, is a label rather than a synonym), for suggestions by prefix.
    forms: list[tuple[str, str, bool]] = field(default_factory=list)
    # Symmetric-delete index: a word with up to two letters deleted -> words it comes from.
    deletes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # Every word of every label and synonym, folded but whole ("ghostwriting", not "ghostwrit").
    form_words: frozenset[str] = frozenset()

    def names_in_full(self, word: str) -> bool:
        """Whether a typed (folded) word is a whole word of some skill's label or synonym."""
        return word in self.form_words

    @classmethod
    def from_snapshot(cls, snapshot: TaxonomySnapshot) -> Taxonomy:
        """From the snapshot's rows (slug, names in en/fr/nl, synonyms)."""
        phrases: dict[tuple[str, ...], set[str]] = defaultdict(set)
        labels: dict[str, dict[str, str]] = {}
        all_forms: dict[tuple[str, str], bool] = {}
        for slug, name_en, name_fr, name_nl, synonyms in snapshot.rows:
            labels[slug] = {"en": name_en, "fr": name_fr, "nl": name_nl}
            forms = [slug.replace("-", " "), name_en, name_fr, name_nl, *synonyms.splitlines()]
            for i, form in enumerate(forms):
                folded = " ".join(tokenize(form))
                if folded:
                    all_forms[(folded, slug)] = all_forms.get((folded, slug), False) or 1 <= i <= 3
                tokens = tuple(stem(t) for t in tokenize(form))
                if tokens:
                    phrases[tokens].add(slug)
                # The phrase without its stop words ("cours néerlandais" for "cours de néerlandais").
                content = tuple(stem(t) for t in tokenize(form) if not is_stop_word(t))
                if content and content != tokens:
                    phrases[content].add(slug)
        words = {word for phrase in phrases for word in phrase if len(word) >= 4}
        taxonomy = cls(
            phrases=dict(phrases),
            words=words,
            labels=labels,
            forms=sorted((form, slug, is_label) for (form, slug), is_label in all_forms.items()),
            form_words=frozenset(word for form, _slug in all_forms for word in form.split()),
        )
        for word in words:
            for variant in _deletes(word, max_typos(word)):
                taxonomy.deletes[variant].add(word)
        return taxonomy

    def corrections(self, word: str, *, limit_options: int = 3) -> list[str]:
        """The taxonomy words `word` is most likely a typo of (all those at the smallest
        distance, closest length first), or [] when it is a known word or too far from any."""
        limit = max_typos(word)
        if not limit or word in self.words:
            return []
        candidates: set[str] = set()
        for variant in _deletes(word, limit):
            candidates |= self.deletes.get(variant, set())
        scored = []
        for candidate in candidates:
            distance = damerau_levenshtein(word, candidate, limit)
            if distance <= min(limit, max_typos(candidate)):
                scored.append((distance, abs(len(candidate) - len(word)), candidate))
        if not scored:
            return []
        best = min(scored)[0]
        return [candidate for distance, _, candidate in sorted(scored) if distance == best][:limit_options]


def _deletes(word: str, distance: int) -> set[str]:
    """`word` and every string made by deleting up to `distance` letters."""
    results = {word}
    frontier = {word}
    for _ in range(distance):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w)) if len(w) > 1}
        results |= frontier
    return results


# Bound once: looking up a classmethod binds it anew on every call, and taxonomy() is hot.
_taxonomy_from = Taxonomy.from_snapshot


def taxonomy() -> Taxonomy:
    """The taxonomy as it is in the database, for search: derived once from the profiles snapshot
    and kept with it, so it is rebuilt exactly when a skill changes (in any process)."""
    return derived("search", _taxonomy_from)


def understand(text: str, *, prefix: bool = True) -> ParsedQuery:
    """Parse a request typed in French, Dutch or English into a ParsedQuery.

    Promises: never raises on any text up to MAX_QUERY_LENGTH characters (QueryTooLong beyond);
    an empty or stop-words-only text gives an empty query (`is_empty`); the same text always
    gives the same ParsedQuery. With `prefix`, the last word (when the text does not end with a
    space) is also to be matched as a prefix, for search-as-you-type.
    """
    still_typing = bool(text) and not text[-1].isspace()
    text = (text or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryTooLong(f"{len(text)} characters")
    tokens = tokenize(text)
    if not tokens:
        return ParsedQuery(text=text)
    tax = taxonomy()

    stems = [stem(token) for token in tokens]
    # Each word as typed, then the taxonomy words it may be a typo of.
    options: list[list[str]] = [[s] for s in stems]
    for i, token in enumerate(tokens):
        if is_stop_word(token) or token in LANGUAGE_WORDS or stems[i] in tax.words:
            continue
        options[i] += tax.corrections(stems[i])

    # Longest phrases first; a word belongs to one phrase at most ("garden architect" is not
    # also "architect"), so "developper web" is read as "développeur web", not "developer".
    slugs: list[str] = []
    covered: set[str] = set()
    corrections: dict[str, str] = {}
    used = [False] * len(tokens)
    for size in range(min(MAX_PHRASE_WORDS, len(tokens)), 0, -1):
        for start in range(len(tokens) - size + 1):
            if any(used[start : start + size]):
                continue
            # "ai" in "j'ai besoin" is not AI: a lone stop word names a skill only when typed alone.
            if size == 1 and is_stop_word(tokens[start]) and len(tokens) > 1:
                continue
            window = range(start, start + size)
            match = _find_phrase(tax, tokens, options, window)
            if match is None:
                continue
            found, chosen = match
            slugs.extend(sorted(found))
            for i, word in zip(window, chosen, strict=True):
                used[i] = True
                if not is_stop_word(tokens[i]):
                    covered.update({stems[i], word})
                if word != stems[i]:
                    corrections[tokens[i]] = word

    languages = tuple(dict.fromkeys(LANGUAGE_WORDS[t] for t in tokens if t in LANGUAGE_WORDS))
    terms = tuple(dict.fromkeys(analyze(text)))[:MAX_TERMS]
    words = tuple(dict.fromkeys(t for t in tokens if not is_stop_word(t)))[:MAX_TERMS]
    last_prefix = None
    if prefix and still_typing and terms and not is_stop_word(tokens[-1]) and len(tokens[-1]) >= 2:
        last_prefix = stems[-1] if stems[-1] == terms[-1] else None
    return ParsedQuery(
        text=text,
        terms=terms,
        words=words,
        skill_slugs=tuple(dict.fromkeys(slugs)),
        corrections=corrections,
        languages=languages,
        prefix=last_prefix,
        skill_terms=frozenset(covered),
    )


def _find_phrase(tax: Taxonomy, tokens: list[str], options: list[list[str]], window: range):
    """(slugs, words chosen) for the first reading of the window that is a taxonomy phrase:
    as typed, then with typo fixes (fewest first), each also without its stop words."""
    readings = [()]
    for i in window:
        readings = [(*reading, word) for reading in readings for word in options[i]][:27]
    readings.sort(key=lambda words: sum(word != options[i][0] for i, word in zip(window, words, strict=True)))
    inner_stop_words = (
        len(window) > 1 and not is_stop_word(tokens[window[0]]) and not is_stop_word(tokens[window[-1]])
    )
    for words in readings:
        found = tax.phrases.get(words)
        if not found and inner_stop_words:
            content = tuple(
                word for i, word in zip(window, words, strict=True) if not is_stop_word(tokens[i])
            )
            found = tax.phrases.get(content) if content != words else None
        if found:
            return found, words
    return None

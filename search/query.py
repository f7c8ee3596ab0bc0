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

from community.network.places import Place, places_by_name
from profiles.taxonomy import TaxonomySnapshot, derived
from search.text import (
    damerau_levenshtein,
    is_common_word,
    is_stop_word,
    max_typos,
    stem,
    tokenize,
)

MAX_QUERY_LENGTH = 500
MAX_TERMS = 24
MAX_PHRASE_WORDS = 5
# A word found only inside longer skill names ("ontwerper" of "grafisch ontwerper") names those
# skills when the request names no skill in full; beyond this many it says nothing precise.
MAX_SKILLS_PER_PARTIAL_WORD = 5

# Spoken languages people name in a request ("traducteur néerlandais", "vertaler Frans", "qui
# parle allemand", "Nederlandstalige coach", "anglophone").
LANGUAGE_WORDS: dict[str, str] = {
    word: code
    for code, words in {
        "nl": "dutch flemish neerlandais flamand nederlands nederlandse vlaams nederlandstalig "
        "nederlandstalige neerlandophone neerlandophones",
        "fr": "french francais francaise frans franse franstalig franstalige francophone francophones",
        "en": "english anglais anglaise engels engelse engelstalig engelstalige anglophone anglophones",
        "de": "german allemand allemande duits duitse duitstalig duitstalige deutsch germanophone",
        "es": "spanish espagnol espagnole spaans spaanse spaanstalig hispanophone",
        "it": "italian italien italienne italiaans italiaanse",
        "pt": "portuguese portugais portugaise portugees portugese lusophone",
        "ar": "arabic arabe arabisch arabische arabophone",
        "tr": "turkish turc turque turks turkse",
        "pl": "polish polonais polonaise pools poolse",
        "ro": "romanian roumain roumaine roemeens roemeense",
    }.items()
    for word in words.split()
}
# Words that only say a language is spoken: "someone who speaks Dutch", "qui parle néerlandais".
SPEAKING_WORDS = frozenset(
    """speak speaks speaking spoken fluent fluently native bilingual
    parle parlent parler parlant parles couramment natif native bilingue langue
    spreek spreekt spreken sprekend sprekende vloeiend moedertaal tweetalig""".split()
)
# Words before what the request is about rather than who can help: "translate MY SHOP's website",
# "un graphiste pour MON LOGO". A skill named there is context (it ranks, it is not required),
# unless the request names no other skill ("j'ai besoin d'aide pour ma compta").
POSSESSIVE_WORDS = frozenset("my our mon ma mes notre nos mijn onze ons".split())
OBJECT_WORDS = frozenset("de d du des of van".split())
# Words before a place name: "à Namur", "in Leuven", "near Ixelles", "près de Liège", "bij Gent".
LOCATIVE_WORDS = frozenset(
    """a in en at near nearby around close to from dans pres proche autour region regio
    environs omgeving buurt rond bij te nabij of de du""".split()
)


@dataclass(frozen=True)
class ParsedQuery:
    """What a typed request means, for any backend.

    text: the request as typed (trimmed). terms: analysed terms (folded, no stop words, stemmed)
    to look for in the text, in order, at most MAX_TERMS; the words that named a spoken language
    or a place are not among them. words: the same words folded but not stemmed (for
    highlighting). skill_groups: the skills asked for, one group per need ("graphiste pour mon
    logo": (graphic-design,), (logo-design,)); a group holds the skills one phrase may mean, any
    of which answers it. context_skills: skills named about what the request is for ("MY SHOP's
    website"): they rank, they are not asked for. skill_slugs: both, flattened. corrections: typed word -> taxonomy
    word it was read as. languages: spoken languages the helper must speak (ISO codes).
    places: places the request names ("à Namur", "en Flandre"). fuzzy_terms: the terms a backend
    may read as typos of indexed words (rare in French, Dutch and English alike: "take" or
    "filing" are words, not typos). prefix: the last term, to be matched as a prefix while the
    member is still typing (None when too short).
    """

    text: str
    terms: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    skill_groups: tuple[tuple[str, ...], ...] = ()
    # Each asked group's words as read (stems, no stop words): "technical writer" in a headline
    # is a strong match, "writer" alone is not.
    skill_phrases: tuple[tuple[str, ...], ...] = ()
    context_skills: tuple[str, ...] = ()
    corrections: dict[str, str] = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    places: tuple[Place, ...] = ()
    fuzzy_terms: frozenset[str] = frozenset()
    prefix: str | None = None
    # Terms that belong to a skill the request names: the backends match the skill itself
    # (canonical slug), and these words in the headline, profession and name only (a bio saying
    # "I'm looking for a comptable" is noise, and "développement" of "développement durable"
    # must not match every "développement web").
    skill_terms: frozenset[str] = frozenset()

    @property
    def skill_slugs(self) -> tuple[str, ...]:
        """Every skill the request names, asked for or context."""
        return tuple(
            dict.fromkeys([*(slug for group in self.skill_groups for slug in group), *self.context_skills])
        )

    @property
    def is_empty(self) -> bool:
        """Nothing to look for in the text (a request may still name a language or a place)."""
        return not self.terms and not self.skill_groups

    @property
    def asks_nothing(self) -> bool:
        return self.is_empty and not self.languages and not self.places

    def all_terms(self) -> tuple[str, ...]:
        """Terms to look for in the text fields: typed terms and the taxonomy words typos were read as."""
        extra = tuple(stem(word) for word in self.corrections.values())
        return tuple(dict.fromkeys(self.terms + extra))

    def free_terms(self) -> tuple[str, ...]:
        """The terms that name no skill: what a member must be (headline, profession, name) to
        answer a request that names no skill."""
        return tuple(term for term in self.all_terms() if term not in self.skill_terms)


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
    # Symmetric-delete index: a word with up to two letters deleted -> words it comes from. The
    # words are the stems of the phrases and their whole folded words ("traductrice" as well as
    # "traducteur"), so a misspelt feminine or plural is still found; `stem_of` maps them back.
    deletes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    stem_of: dict[str, str] = field(default_factory=dict)
    # Every word of every label and synonym, folded but whole ("ghostwriting", not "ghostwrit").
    form_words: frozenset[str] = frozenset()
    # A stem that appears inside longer phrases only -> the skills of those phrases; those that
    # end a phrase ("lessons" of "Dutch lessons", "cours" of "cours de néerlandais" too).
    partial_words: dict[str, set[str]] = field(default_factory=dict)
    head_words: frozenset[str] = frozenset()
    specific_words: frozenset[str] = frozenset()

    def names_in_full(self, word: str) -> bool:
        """Whether a typed (folded) word is a whole word of some skill's label or synonym."""
        return word in self.form_words

    @classmethod
    def from_snapshot(cls, snapshot: TaxonomySnapshot) -> Taxonomy:
        """From the snapshot's rows (slug, names in en/fr/nl, synonyms)."""
        phrases: dict[tuple[str, ...], set[str]] = defaultdict(set)
        labels: dict[str, dict[str, str]] = {}
        all_forms: dict[tuple[str, str], bool] = {}
        category = {row.slug: row.category for row in snapshot.rows}
        for slug, name_en, name_fr, name_nl, synonyms, _category in snapshot.rows:
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
        partial: dict[str, set[str]] = defaultdict(set)
        heads: set[str] = set()
        for phrase, slugs in phrases.items():
            if len(phrase) > 1:
                heads.update({phrase[0], phrase[-1]})
                for word in phrase:
                    if len(word) >= 4 and (word,) not in phrases and word not in LANGUAGE_WORDS:
                        partial[word] |= slugs
        form_words = frozenset(word for form, _slug in all_forms for word in form.split())
        taxonomy = cls(
            phrases=dict(phrases),
            words=words,
            labels=labels,
            forms=sorted((form, slug, is_label) for (form, slug), is_label in all_forms.items()),
            form_words=form_words,
            partial_words={word: slugs for word, slugs in partial.items() if not is_common_stop(word)},
            # Beside a skill named in full, only a word whose skills are of one category says
            # more ("relecture" beside "traduction"; not "maken" of "logo maken", "podcast maken").
            specific_words=frozenset(
                word for word, slugs in partial.items() if len({category[slug] for slug in slugs}) == 1
            ),
        )
        taxonomy.stem_of = {word: word for word in words}
        for word in form_words:
            if len(word) >= 4 and stem(word) in words:
                taxonomy.stem_of.setdefault(word, stem(word))
        for word in taxonomy.stem_of:
            for variant in _deletes(word, max_typos(word)):
                taxonomy.deletes[variant].add(word)
        return taxonomy

    def corrections(self, word: str, *, limit_options: int = 3) -> list[str]:
        """The taxonomy words (stems) `word` is most likely a typo of (all those at the smallest
        distance, closest length first), or [] when it is a known word or too far from any.

        `word` is a folded word as typed or its stem: "traductrise" is one letter from the form
        "traductrice", and so read as "traducteur"."""
        limit = max_typos(word)
        if not limit or word in self.stem_of:
            return []
        candidates: set[str] = set()
        for variant in _deletes(word, limit):
            candidates |= self.deletes.get(variant, set())
        scored = []
        for candidate in candidates:
            distance = damerau_levenshtein(word, candidate, limit)
            if distance <= min(limit, max_typos(candidate)):
                scored.append((distance, abs(len(candidate) - len(word)), self.stem_of[candidate]))
        if not scored:
            return []
        best = min(scored)[0]
        found = [stem_ for distance, _, stem_ in sorted(scored) if distance == best]
        return list(dict.fromkeys(found))[:limit_options]


def is_common_stop(word: str) -> bool:
    return is_stop_word(word) or word in SPEAKING_WORDS or word in LOCATIVE_WORDS


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
    an empty or stop-words-only text gives an empty query (`asks_nothing`); the same text always
    gives the same ParsedQuery. With `prefix`, the last word (when the text does not end with a
    space) is also to be matched as a prefix, for search-as-you-type.

    Reading order: places first ("Louvain-la-Neuve" is not "Leuven" nor "la" nor "neuve"), then
    skills, longest phrase first, typos included; a spoken language is a skill only inside a
    longer phrase ("cours de néerlandais"), otherwise the helper must speak it ("qui parle
    néerlandais", "vertaler Frans").
    """
    still_typing = bool(text) and not text[-1].isspace()
    text = (text or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryTooLong(f"{len(text)} characters")
    tokens = tokenize(text)
    if not tokens:
        return ParsedQuery(text=text)
    tax = taxonomy()
    used = [False] * len(tokens)
    places, place_positions = _find_places(tokens, used)

    stems = [stem(token) for token in tokens]
    # Each word as typed, then the taxonomy words it may be a typo of: only a word that is rare
    # in all three languages is a typo ("take" is a word, not "taxe").
    options: list[list[str]] = [[s] for s in stems]
    for i, token in enumerate(tokens):
        if used[i] or _is_a_word(tax, token, stems[i]):
            continue
        options[i] += [fix for fix in tax.corrections(token) + tax.corrections(stems[i]) if fix != stems[i]]
        options[i] = list(dict.fromkeys(options[i]))[:4]

    # Longest phrases first; a word belongs to one phrase at most ("garden architect" is not
    # also "architect"), so "developper web" is read as "développeur web", not "developer".
    found_skills: list[_Named] = []
    covered: set[str] = set()
    corrections: dict[str, str] = {}
    for size in range(min(MAX_PHRASE_WORDS, len(tokens)), 0, -1):
        for start in range(len(tokens) - size + 1):
            if any(used[start : start + size]):
                continue
            # "ai" in "j'ai besoin" is not AI: a lone stop word names a skill only when typed
            # alone; a lone language word is spoken, not taught ("speaks Dutch").
            if size == 1 and _names_no_skill_alone(tokens[start], len(tokens)):
                continue
            window = range(start, start + size)
            match = _find_phrase(tax, tokens, options, window)
            if match is None:
                continue
            found, chosen = match
            phrase = tuple(
                word for i, word in zip(window, chosen, strict=True) if not is_stop_word(tokens[i])
            )
            found_skills.append(_Named(tuple(sorted(found)), start, start + size, phrase or chosen))
            for i, word in zip(window, chosen, strict=True):
                used[i] = True
                if not is_stop_word(tokens[i]):
                    covered.update({stems[i], word})
                if word != stems[i]:
                    corrections[tokens[i]] = word
    # A word of longer skill names stands for them ("ontwerper" of "grafisch ontwerper"), unless
    # it is said of another word nobody offers ("guitar lessons" are no language lessons).
    partial_phrases: set[tuple[str, ...]] = set()
    beside_full = bool(found_skills)
    for i, token in enumerate(tokens):
        if used[i] or is_common_stop(token) or token in LANGUAGE_WORDS:
            continue
        if _said_of_another_word(tax, tokens, used, i):
            continue
        for option in options[i]:
            slugs = tax.partial_words.get(option)
            if beside_full and option not in tax.specific_words:
                continue
            if slugs and len(slugs) <= MAX_SKILLS_PER_PARTIAL_WORD:
                found_skills.append(_Named(tuple(sorted(slugs)), i, i + 1, (option,)))
                partial_phrases.add((option,))
                used[i] = True
                covered.update({stems[i], option})
                if option != stems[i]:
                    corrections[token] = option
                break
    # What the request is about ranks but is not asked for, when a skill is named in full beside it.
    about = [named for named in found_skills if _is_about(named, found_skills, tokens)]
    named_in_full = any(named.phrase not in partial_phrases and named not in about for named in found_skills)
    asked = [named for named in found_skills if named not in about] if named_in_full else found_skills
    asked.sort(key=lambda named: named.start)
    asked_slugs = {slug for named in asked for slug in named.slugs}
    context = [
        slug
        for named in sorted(found_skills, key=lambda named: named.start)
        if named not in asked
        for slug in named.slugs
        if slug not in asked_slugs
    ]

    languages = tuple(
        dict.fromkeys(LANGUAGE_WORDS[t] for i, t in enumerate(tokens) if t in LANGUAGE_WORDS and not used[i])
    )
    # What is left to look for in the text (search.text.analyze, token by token): not the
    # places, nor the spoken languages, nor "speaks".
    aside = place_positions | {i for i, t in enumerate(tokens) if t in LANGUAGE_WORDS and not used[i]}
    looked_for = [i for i, t in enumerate(tokens) if i not in aside and not is_stop_word(t)]
    terms = tuple(dict.fromkeys(stems[i] for i in looked_for if not is_common_stop(tokens[i])))[:MAX_TERMS]
    words = tuple(dict.fromkeys(tokens[i] for i in looked_for if not is_common_stop(tokens[i])))[:MAX_TERMS]
    fuzzy = frozenset(
        stems[i]
        for i, t in enumerate(tokens)
        if not used[i]
        and not is_common_stop(t)
        and t not in LANGUAGE_WORDS
        and not _is_a_word(tax, t, stems[i])
    )
    last_prefix = None
    if prefix and still_typing and terms and not is_common_stop(tokens[-1]) and len(tokens[-1]) >= 2:
        last_prefix = stems[-1] if stems[-1] == terms[-1] else None
    return ParsedQuery(
        text=text,
        terms=terms,
        words=words,
        skill_groups=tuple(dict.fromkeys(named.slugs for named in asked)),
        skill_phrases=tuple(dict.fromkeys(named.phrase for named in asked)),
        context_skills=tuple(dict.fromkeys(context)),
        corrections=corrections,
        languages=languages,
        places=places,
        fuzzy_terms=fuzzy,
        prefix=last_prefix,
        skill_terms=frozenset(covered),
    )


@dataclass(frozen=True)
class _Named:
    """A skill phrase found in the request: its skills, where it is, its words (stems)."""

    slugs: tuple[str, ...]
    start: int
    end: int
    phrase: tuple[str, ...]


def _is_about(named: _Named, found: list[_Named], tokens: list[str]) -> bool:
    """Whether a skill phrase says what the request is about rather than who is asked for: after
    a possessive ("translate MY SHOP's website", "un graphiste pour MON LOGO"), or the object of
    another skill ("transcription D'INTERVIEWS", "translation OF CONTRACTS")."""
    before = tokens[max(0, named.start - 3) : named.start]
    if any(t in POSSESSIVE_WORDS for t in before):
        return True
    return (
        named.start >= 1
        and tokens[named.start - 1] in OBJECT_WORDS
        and any(other.end == named.start - 1 for other in found)
    )


def _said_of_another_word(tax: Taxonomy, tokens: list[str], used: list[bool], i: int) -> bool:
    """Whether the word at i heads a compound with a word the request does not explain:
    "GUITAR lessons", "cours de GUITARE" (no skill, place, language or stop word)."""

    def unexplained(j: int) -> bool:
        if j < 0 or j >= len(tokens) or used[j]:
            return False
        token = tokens[j]
        return not (is_common_stop(token) or token in LANGUAGE_WORDS or stem(token) in tax.partial_words)

    word = stem(tokens[i])
    after_object = i + 2 < len(tokens) and tokens[i + 1] in OBJECT_WORDS and unexplained(i + 2)
    return word in tax.head_words and (unexplained(i - 1) or after_object)


def _is_a_word(tax: Taxonomy, token: str, token_stem: str) -> bool:
    """A word of the taxonomy, an everyday word of one of the three languages, a stop word or a
    language: in each case what was typed is what was meant."""
    return (
        token_stem in tax.words
        or token in tax.form_words
        or is_common_stop(token)
        or token in LANGUAGE_WORDS
        or is_common_word(token)
    )


def _names_no_skill_alone(token: str, n_tokens: int) -> bool:
    if token in LANGUAGE_WORDS or token in SPEAKING_WORDS:
        return True
    return is_stop_word(token) and n_tokens > 1


def _find_places(tokens: list[str], used: list[bool]) -> tuple[tuple[Place, ...], set[int]]:
    """The places named in the request (longest names first) and the positions of their words,
    marked as used."""
    names = places_by_name()
    found: list[Place] = []
    positions: set[int] = set()
    for size in range(min(MAX_PHRASE_WORDS, len(tokens)), 0, -1):
        for start in range(len(tokens) - size + 1):
            if any(used[start : start + size]):
                continue
            place = names.get(tuple(tokens[start : start + size]))
            if place is None:
                continue
            if place.only_after_preposition and not (start > 0 and tokens[start - 1] in LOCATIVE_WORDS):
                continue
            found.append(place)
            for i in range(start, start + size):
                used[i] = True
                positions.add(i)
    return tuple(dict.fromkeys(found)), positions


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


@dataclass(frozen=True)
class MessageQuery:
    """What a search in one's messages looks for: every term must be in the message.

    terms: folded, stemmed terms (search.text), stop words dropped unless the request is nothing
    but stop words ("merci"); at most MAX_TERMS. Messages are free text: no skills, languages or
    places are read into it."""

    text: str
    terms: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.terms


def message_query(text: str) -> MessageQuery:
    """Parse a search in one's messages (FR/NL/EN, accents and case folded). Raises QueryTooLong."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryTooLong(f"{len(text)} characters")
    tokens = tokenize(text)
    content = [token for token in tokens if not is_stop_word(token)] or tokens
    terms = tuple(dict.fromkeys(stem(token) for token in content))[:MAX_TERMS]
    return MessageQuery(text=text, terms=terms)

"""Text analysis shared by every search backend and by the index: written once, used everywhere.

`analyze()` turns any text (a bio, a headline, a typed query) into the terms the index stores and
the queries look for: accents folded, lower case, split on anything that is not a letter or a
digit, stop words of French, Dutch and English dropped, and a light stemming that merges plural
and feminine forms ("traductrices" -> "traducteur", "architects" -> "architect"). The database
backend stores these terms in its full-text index; the Elasticsearch backend stores them in its
`*_terms` fields (whitespace analyser), so both backends match exactly the same way.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

# Words that say nothing about the skill asked for, in the three languages of the network,
# including the usual ways of asking for help ("j'ai besoin de", "ik zoek iemand die").
STOP_WORDS_EN = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing done down during each else ever every few
for from further get gets getting got had has have having he her here hers herself him himself his
how i if in into is it its itself just like me more most my myself no nor not now of off on once
only or other our ours out over own same she should so some such than that the their theirs them
then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours yourself
need needs needed needing want wants wanted looking look seeking seek find finding help helping
someone somebody anyone anybody person people please thanks thank hi hello good great best
who can could would like someone's something anything
""".split()

STOP_WORDS_FR = """
a au aux avec ce ces cet cette dans de des du elle elles en est et eux il ils je la le les leur
leurs lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses
son sur ta te tes toi ton tu un une vos votre vous y c d j l m n s t qu est suis es sommes etes
sont ai as avons avez ont etais etait etions etiez etaient serai sera serons seront fait faire
ete etre avoir cela ceci ca celui celle ceux celles dont donc or ni car si tres plus moins aussi
bien tout tous toute toutes autre autres quel quelle quels quelles comme quand
besoin cherche cherchons cherchez chercher recherche recherchons quelqu quelqu'un quelqu un
quelqu une personne personnes aide aider aidez svp merci bonjour peut peux pouvez pourrait
pourriez voudrais voudrait veux veut souhaite souhaiterais trouver qui
""".split()

STOP_WORDS_NL = """
aan al alles als alsof altijd andere ben bij daar dan dat de der deze die dit doch doen door dus
een eens en er ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun iemand iets ik in
is ja je jij jou jouw jullie kan kon kunnen kunt maar me meer men met mij mijn moet na naar niet
niets nog nu of om omdat onder ons onze ook op over reeds te tegen toch toen tot u uit uw van veel
voor want waren was wat we wel werd wezen wie wij wil worden word wordt zal ze zei zelf zich zij
zijn zo zonder zou
nodig zoek zoeken zoekt gezocht hulp helpen help iemand persoon mensen graag alstublieft aub
bedankt dank hallo goedendag kunt kunnen zou zouden wil willen
""".split()

STOP_WORDS = frozenset(STOP_WORDS_EN) | frozenset(STOP_WORDS_FR) | frozenset(STOP_WORDS_NL)

# Light stemming, the same rules for the three languages: merge what a person would call "the
# same word". Ordered; the first rule whose suffix matches wins. (suffix, replacement, min stem)
STEM_RULES: tuple[tuple[str, str, int], ...] = (
    ("trices", "teur", 3),
    ("trice", "teur", 3),
    ("euses", "eur", 3),
    ("euse", "eur", 3),
    ("iennes", "ien", 3),
    ("ienne", "ien", 3),
    ("ieres", "ier", 3),
    ("iere", "ier", 3),
    ("eres", "er", 4),
    ("ere", "er", 4),
    ("eures", "eur", 3),
    ("eure", "eur", 3),
    ("ctes", "ct", 4),
    ("cte", "ct", 4),
    ("ies", "y", 3),
    ("sses", "ss", 2),
    ("eaux", "eau", 1),
)

# Tokens that would otherwise lose their meaning to the tokeniser.
SPECIAL_TOKENS = {"c++": "cplusplus", "c#": "csharp", "f#": "fsharp", ".net": "dotnet"}
_SPECIAL_RE = re.compile(r"(?<![\w+#.])(c\+\+|c#|f#|\.net)(?![\w+#])")
_TOKEN_RE = re.compile(r"[a-z0-9]+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

MAX_TERM_LENGTH = 40


def fold(text: str) -> str:
    """Lower case and accents folded ("Élodie Traductrice" -> "elodie traductrice")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Ligatures and letters NFKD does not decompose.
    return folded.translate(_EXTRA_FOLDS)


_EXTRA_FOLDS = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l", "ı": "i"})


def strip_controls(text: str) -> str:
    """Remove control characters (they are used as highlight markers on the way back)."""
    return _CONTROL_RE.sub(" ", text)


def tokenize(text: str) -> list[str]:
    """Folded words in order, stop words kept (the taxonomy needs "cours de néerlandais")."""
    # Tokens never span whitespace, so each whitespace-separated chunk is analysed on its own,
    # and cached: a rebuild sees the same words over and over.
    tokens: list[str] = []
    for chunk in text.split():
        tokens.extend(_chunk_tokens(chunk))
    return tokens


@lru_cache(maxsize=100_000)
def _chunk_tokens(chunk: str) -> tuple[str, ...]:
    folded = _SPECIAL_RE.sub(lambda m: f" {SPECIAL_TOKENS[m.group(1)]} ", fold(chunk))
    return tuple(token[:MAX_TERM_LENGTH] for token in _TOKEN_RE.findall(folded))


@lru_cache(maxsize=100_000)
def _chunk_terms(chunk: str) -> tuple[str, ...]:
    return tuple(stem(token) for token in _chunk_tokens(chunk) if not is_stop_word(token))


@lru_cache(maxsize=100_000)
def stem(token: str) -> str:
    """The light stem of one folded token: plural and feminine forms onto one form."""
    for suffix, replacement, min_stem in STEM_RULES:
        if token.endswith(suffix) and len(token) - len(suffix) >= min_stem:
            return token[: -len(suffix)] + replacement
    # Plural -s (not "-ss", "-us", "-is": business, campus, analysis).
    if len(token) > 4 and token[-1] == "s" and token[-2] not in "sui":
        return token[:-1]
    return token


# Everyday words of the three languages (scripts/build_common_words.py writes the file from
# wordfreq): a word this common is a real word, so never read as a typo of a skill.
COMMON_WORDS_FILE = Path(__file__).resolve().parent / "data" / "common_words.txt"
COMMON_ZIPF = 3.0


@cache
def _common_words() -> frozenset[str]:
    with open(COMMON_WORDS_FILE, encoding="utf-8") as handle:
        return frozenset(line.rstrip("\n") for line in handle if not line.startswith("#"))


def is_common_word(token: str) -> bool:
    """Whether a folded word is an everyday French, Dutch or English word (not a typo)."""
    return token in _common_words()


def is_stop_word(token: str) -> bool:
    return token in STOP_WORDS or len(token) < 2


def analyze(text: str) -> list[str]:
    """Index and query terms of a text: folded, stop words dropped, lightly stemmed, in order."""
    terms: list[str] = []
    for chunk in text.split():
        terms.extend(_chunk_terms(chunk))
    return terms


def analyze_to_text(text: str) -> str:
    return " ".join(analyze(text))


def damerau_levenshtein(a: str, b: str, limit: int = 2) -> int:
    """Optimal string alignment distance, giving up (returning limit + 1) beyond `limit`."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        row_min = current[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            row_min = min(row_min, value)
        if row_min > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1] if previous[-1] <= limit else limit + 1


def max_typos(term: str) -> int:
    """How many edits a typed word may be away from a known one (none for short words)."""
    if len(term) < 4:
        return 0
    return 1 if len(term) < 8 else 2


def analyze_message(text: str) -> list[str]:
    """Index terms of a chat message: folded and stemmed like `analyze`, stop words kept, so a
    search for words that are all stop words ("merci", "à demain") still finds the message."""
    return [stem(token) for token in tokenize(text)]

"""Typo correction never rewrites an everyday word: "take" is not "taxe", "filing" not "filming".

The words come from wordfreq's lists (independent of the search's own common-words file, which
is built at a threshold; these are the most frequent words of each language).
"""

from __future__ import annotations

import pytest
from wordfreq import top_n_list

from search.query import taxonomy, understand
from search.text import tokenize

WORDS_PER_LANGUAGE = 1500


def common_words(lang: str) -> list[str]:
    words = []
    for word in top_n_list(lang, WORDS_PER_LANGUAGE * 2):
        tokens = tokenize(word)
        if len(tokens) == 1 and tokens[0].isalpha() and len(tokens[0]) >= 4:
            words.append(word)
    return words[:WORDS_PER_LANGUAGE]


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_common_words_are_never_corrected(db, lang):
    # given the everyday words of a language (4 letters or more: shorter ones are never fixed)
    words = common_words(lang)
    assert len(words) >= 1000
    tax = taxonomy()
    # when each is searched alone
    corrected = {word: understand(word).corrections for word in words}
    # then none is read as another word
    wrong = {word: fixes for word, fixes in corrected.items() if fixes}
    assert not wrong, f"{len(wrong)} of {len(words)} corrected: {dict(list(wrong.items())[:20])}"
    # and the index-side typo tolerance is off for them too (except words of the taxonomy,
    # which match exactly anyway)
    fuzzy = [w for w in words if understand(w).fuzzy_terms and tokenize(w)[0] not in tax.form_words]
    assert not fuzzy, fuzzy[:20]


def test_rare_misspellings_close_to_a_skill_are_still_corrected(db):
    for typo, skill in (
        ("archtect", "architecture"),
        ("graphsite", "graphic-design"),
        ("traductrise", "translation"),
        ("fotograf", "photography"),
        ("boekhoudr", "bookkeeping"),
    ):
        assert skill in understand(typo).skill_slugs, typo

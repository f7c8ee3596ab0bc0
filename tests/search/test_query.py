"""Query understanding, shared by both backends: search.query.understand and search.text."""

from __future__ import annotations

import pytest

from search.query import MAX_QUERY_LENGTH, QueryTooLong, understand
from search.text import analyze, damerau_levenshtein, stem


def test_stop_words_of_the_three_languages_are_dropped(db):
    # given / when
    english = understand("I need someone to translate my website into Dutch")
    french = understand("j'ai besoin d'un graphiste pour mon logo")
    dutch = understand("ik zoek iemand die mijn boekhouding kan doen")
    # then
    assert english.terms == ("translate", "website", "dutch")
    assert french.terms == ("graphiste", "logo")
    assert dutch.terms == ("boekhouding",)


def test_synonyms_in_any_language_name_the_canonical_skill(db):
    for text in ("traducteur", "vertaler", "translation", "Traductrice jurée", "vertaalster"):
        assert understand(text).skill_slugs[:1] == ("translation",), text


def test_a_sentence_names_every_skill_it_mentions(db):
    parsed = understand("j'ai besoin d'un graphiste pour mon logo")
    assert parsed.skill_slugs == ("graphic-design", "logo-design")


def test_typos_are_read_as_the_taxonomy_word(db):
    # given / when
    parsed = understand("archtect")
    # then
    assert parsed.skill_slugs == ("architecture",)
    assert parsed.corrections == {"archtect": "architect"}
    assert understand("graphsite").skill_slugs == ("graphic-design",)
    assert understand("comptabel").skill_slugs == ("bookkeeping",)


def test_a_word_too_far_from_any_skill_is_not_corrected(db):
    parsed = understand("Vanderstraeten")
    assert parsed.skill_slugs == ()
    assert parsed.corrections == {}
    assert parsed.terms == ("vanderstraeten",)


def test_longest_phrase_wins_over_the_words_inside_it(db):
    assert understand("garden architect").skill_slugs == ("garden-architecture",)
    assert understand("cours de néerlandais").skill_slugs == ("dutch-lessons",)


def test_the_french_verb_ai_is_not_artificial_intelligence(db):
    assert "ai-automation" not in understand("j'ai besoin d'aide").skill_slugs
    assert understand("AI").skill_slugs == ("ai-automation",)


def test_spoken_languages_named_in_the_request_are_recognised(db):
    assert understand("vertaler Frans").languages == ("fr",)
    assert understand("traducteur néerlandais anglais").languages == ("nl", "en")


def test_the_last_word_is_a_prefix_while_typing(db):
    assert understand("graph").prefix == "graph"
    assert understand("graph ").prefix is None
    assert understand("logo for").prefix is None  # a stop word is no prefix


def test_empty_and_stop_word_only_requests_are_empty(db):
    assert understand("").is_empty
    assert understand("   ").is_empty
    assert understand("I need someone").is_empty
    assert understand("!!! ???").is_empty


def test_a_request_over_the_limit_is_refused(db):
    assert understand("a " * (MAX_QUERY_LENGTH // 2)).is_empty  # at the limit: accepted
    with pytest.raises(QueryTooLong):
        understand("x" * (MAX_QUERY_LENGTH + 1))


def test_light_stemming_merges_plural_and_feminine_forms():
    assert stem("traductrices") == stem("traducteur") == "traducteur"
    assert stem("architects") == "architect"
    assert analyze("Développeuses Web") == ["developpeur", "web"]
    assert analyze("business analysis") == ["business", "analysis"]


def test_damerau_levenshtein_counts_a_transposition_as_one_edit():
    assert damerau_levenshtein("graphsite", "graphiste") == 1
    assert damerau_levenshtein("archtect", "architect") == 1
    assert damerau_levenshtein("abc", "xyzuvw", limit=2) == 3

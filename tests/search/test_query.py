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
    assert english.terms == ("translate", "website")  # Dutch: a language to speak, see below
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


@pytest.mark.parametrize(
    "text, language",
    [
        ("someone who speaks Dutch", "nl"),
        ("qui parle néerlandais", "nl"),
        ("die Engels spreekt", "en"),
        ("Nederlandstalige coach", "nl"),
        ("comptable francophone", "fr"),
        ("fluent German", "de"),
    ],
)
def test_a_spoken_language_is_a_constraint_not_lessons(db, text, language):
    parsed = understand(text)
    assert parsed.languages == (language,)
    assert not {"dutch-lessons", "english-lessons", "french-lessons", "other-language-lessons"} & set(
        parsed.skill_slugs
    )
    # and neither the language nor "speaks" is looked for in the text
    assert not {"dutch", "neerlandai", "engel", "spreekt", "speak", "parle"} & set(parsed.terms)


def test_lessons_of_a_language_are_a_skill(db):
    for text in ("cours de néerlandais", "Dutch lessons", "leraar Frans", "learn English"):
        parsed = understand(text)
        assert parsed.skill_slugs and parsed.skill_slugs[0].endswith("-lessons"), text
        assert parsed.languages == (), text


@pytest.mark.parametrize(
    "text, place",
    [
        ("traducteur à Namur", "namur"),
        ("vertaler in Leuven", "leuven"),
        ("graphic designer near Ixelles", "ixelles"),
        ("boekhouder in Elsene", "ixelles"),
        ("coach en Flandre", "flanders"),
        ("webdesigner in Wallonië", "wallonia"),
        ("avocat à Liège", "liege"),
        ("advocaat in Luik", "liege"),
        ("Anwalt Lüttich", "liege"),
        ("photographe Anvers", "antwerpen"),
        ("photographer in Ghent", "gent"),
        ("comptable Louvain-la-Neuve", "louvain-la-neuve"),
        ("architecte à Saint-Gilles", "saint-gilles"),
        ("traducteur Bruxelles", "brussels"),
    ],
)
def test_places_in_the_three_languages_are_recognised(db, text, place):
    parsed = understand(text)
    assert [p.key for p in parsed.places] == [place]
    # and the place's words are not looked for in the text (nor read as skills)
    assert not set(parsed.terms) & {
        "namur",
        "leuven",
        "ixelles",
        "elsene",
        "flandre",
        "luik",
        "anver",
        "ghent",
    }


def test_a_place_name_that_is_also_a_word_needs_a_preposition(db):
    assert understand("spa massage").places == ()
    assert [p.key for p in understand("massage à Spa").places] == ["spa"]
    assert understand("forest garden").places == ()


def test_a_misspelt_feminine_or_plural_is_still_the_skill(db):
    assert understand("traductrise").skill_slugs == ("translation",)
    assert understand("tuinarchitekt").skill_slugs == ("garden-architecture",)
    assert understand("comptabels").skill_slugs == ("bookkeeping",)


def test_a_word_found_only_inside_longer_skill_names_names_those_skills(db):
    parsed = understand("ontwerper")
    assert "graphic-design" in parsed.skill_slugs


def test_ordinary_words_are_not_read_as_typos(db):
    for text in ("take", "filing", "set", "German", "help me file my taxes", "plumber"):
        parsed = understand(text)
        assert parsed.corrections == {}, text
        assert "filming" not in parsed.all_terms() and "taxe" not in parsed.corrections.values(), text
    assert understand("take").fuzzy_terms == frozenset()


def test_a_skill_named_about_what_the_request_is_for_is_context(db):
    parsed = understand("translate my shop's website from French to Dutch")
    assert parsed.skill_groups == (("translation",),)
    assert parsed.languages == ("fr", "nl")
    # "my shop" is what to translate: it ranks, it is not asked for
    assert "e-commerce" in parsed.context_skills
    # unless it is all the request names
    assert understand("j'ai besoin d'aide pour mon site web").skill_groups


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

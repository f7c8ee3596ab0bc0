"""The skill taxonomy: FR/NL/EN labels and synonyms land on one canonical skill."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management import call_command

from community.helpboard import matching
from profiles.models import Skill, SkillTag
from profiles.taxonomy import canonical_slug, clear_term_index, slugs_for_prefix, snapshot
from profiles.terms import normalize_term
from search.query import Taxonomy, taxonomy, understand

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "term",
    [
        # French
        "traducteur",
        "Traductrice",
        "traduction",
        "TRADUIRE",
        "traducteur juré",
        "traducteurs",
        # Dutch
        "vertaler",
        "Vertaling",
        "vertaalster",
        "beëdigd vertaler",
        "beedigd vertaler",
        "vertalers",
        # English
        "translator",
        "Translation",
        "translating",
        "sworn translator",
    ],
)
def test_translation_terms_in_three_languages_map_to_translation(term):
    # given the shipped taxonomy, when a member types the term, then it is the translation skill
    assert canonical_slug(term) == "translation"


@pytest.mark.parametrize(
    ("term", "slug"),
    [
        ("architecte paysagiste", "garden-architecture"),
        ("tuinarchitect", "garden-architecture"),
        ("garden architect", "garden-architecture"),
        ("expert-comptable", "accounting"),
        ("comptable", "bookkeeping"),
        ("boekhouder", "bookkeeping"),
        ("graphiste", "graphic-design"),
        ("grafisch ontwerper", "graphic-design"),
        ("développeur web", "web-development"),
        ("webontwikkelaar", "web-development"),
        ("interprète", "interpreting"),
        ("tolk", "interpreting"),
    ],
)
def test_professions_in_three_languages_map_to_their_skill(term, slug):
    assert canonical_slug(term) == slug


def test_every_label_in_every_language_maps_back_to_its_own_skill():
    # given every canonical skill; when each of its three labels is looked up; then it is that skill
    wrong = [
        (skill.slug, lang, getattr(skill, f"name_{lang}"))
        for skill in Skill.objects.all()
        for lang in ("en", "fr", "nl")
        if canonical_slug(getattr(skill, f"name_{lang}")) != skill.slug
    ]
    assert Skill.objects.count() == 123
    assert wrong == []


def test_unknown_and_empty_terms_are_not_skills():
    assert canonical_slug("brouwen van bier") is None
    assert canonical_slug("   ") is None
    assert canonical_slug("!!!") is None


def test_normalize_term_folds_case_accents_and_punctuation():
    assert normalize_term("  Éco-Construction!! ") == "eco construction"
    assert normalize_term("C#") == "c#"


def test_a_synonym_added_to_a_skill_counts_at_once():
    # given a word the taxonomy does not know
    assert canonical_slug("vertaalbureau") is None
    # when an admin adds it to the skill's synonyms (a model save, as the admin does)
    skill = Skill.objects.get(slug="translation")
    skill.synonyms += "\nvertaalbureau"
    skill.save()
    # then the cached index was dropped and the word maps to the skill
    assert canonical_slug("Vertaalbureau") == "translation"


def test_a_deleted_skill_stops_matching():
    skill = Skill.objects.get(slug="bike-repair")
    assert canonical_slug("fietsherstel") == "bike-repair"
    SkillTag.objects.filter(skill=skill).delete()
    skill.delete()
    assert canonical_slug("fietsherstel") is None


def test_prefix_suggests_the_skill_starting_with_it_first():
    assert slugs_for_prefix("vert")[0] == "translation"
    assert "graphic-design" in slugs_for_prefix("design")


def test_load_skills_is_idempotent():
    # given the migrated taxonomy; when the command runs twice; then nothing is duplicated
    call_command("load_skills", verbosity=0)
    call_command("load_skills", verbosity=0)
    assert Skill.objects.count() == 123
    assert SkillTag.objects.filter(skill__isnull=False).count() == 123
    assert SkillTag.objects.get(skill__slug="translation").normalized == "translation"


def test_one_invalidation_serves_the_directory_the_search_and_the_help_board():
    # given readers that have each read the taxonomy
    assert canonical_slug("vertaalbureau") is None
    assert understand("vertaalbureau").skill_slugs == ()
    assert matching.resolve_typed_skills(["vertaalbureau"]) == ([], ["vertaalbureau"])
    assert canonical_slug("vélociste") is None
    # when an admin adds a synonym to one skill and renames another (model saves, as the admin does)
    translation = Skill.objects.get(slug="translation")
    translation.synonyms += "\nvertaalbureau"
    translation.save()
    bike_repair = Skill.objects.get(slug="bike-repair")
    bike_repair.name_fr = "Vélociste"
    bike_repair.save()
    # then the directory, the search and the help board all see both at once
    assert canonical_slug("Vertaalbureau") == "translation"
    assert canonical_slug("vélociste") == "bike-repair"
    assert understand("vertaalbureau").skill_slugs == ("translation",)
    assert understand("un vélociste à Namur").skill_slugs == ("bike-repair",)
    slugs, free = matching.resolve_typed_skills(["vertaalbureau", "Vélociste"])
    assert (slugs, free) == (["translation", "bike-repair"], [])
    assert "translation" in matching.infer_skill_slugs("Wie kent een goed vertaalbureau?")


def test_search_derives_its_taxonomy_from_the_one_snapshot():
    # given search's reading of the taxonomy
    first = taxonomy()
    # then while no skill changes it is one object, kept on the shared snapshot
    assert taxonomy() is first
    assert snapshot().derived("search", Taxonomy.from_snapshot) is first
    # when the one invalidation runs, then the snapshot and search's reading are both new
    before = snapshot()
    clear_term_index()
    assert snapshot() is not before
    assert taxonomy() is not first


def test_another_process_edit_reaches_every_reader_through_the_one_shared_version(monkeypatch):
    # given readers that check the shared version on every read (instead of once a second)
    monkeypatch.setattr("profiles.taxonomy.VERSION_CHECK_INTERVAL", 0.0)
    assert canonical_slug("vertaalbureau") is None
    assert understand("vertaalbureau").skill_slugs == ()
    # when another process adds a synonym: here the row changes without a signal
    skill = Skill.objects.get(slug="translation")
    Skill.objects.filter(pk=skill.pk).update(synonyms=skill.synonyms + "\nvertaalbureau")
    # then the snapshot is not read again while the shared version stays
    assert canonical_slug("vertaalbureau") is None
    # and once that process's clear_term_index moves it, the directory and the search both see it
    cache.set("profiles:taxonomy-version", "moved by another process", timeout=None)
    assert canonical_slug("vertaalbureau") == "translation"
    assert understand("vertaalbureau").skill_slugs == ("translation",)


def test_a_skill_change_invalidates_again_when_its_transaction_commits(django_capture_on_commit_callbacks):
    # given a skill saved inside a transaction (as the admin saves it)
    with django_capture_on_commit_callbacks(execute=True):
        skill = Skill.objects.get(slug="translation")
        skill.synonyms += "\nvertaalbureau"
        skill.save()
        version_before_commit = cache.get("profiles:taxonomy-version")
    # then the commit moves the shared version once more: a process that read the old rows in
    # between reads them again
    assert cache.get("profiles:taxonomy-version") != version_before_commit
    assert canonical_slug("vertaalbureau") == "translation"

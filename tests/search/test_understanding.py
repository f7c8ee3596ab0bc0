"""What a request asks for, honoured by both backends (each test runs on the database backend and
on the real search engine): spoken languages, places, several skills, everyday words, honest counts."""

from __future__ import annotations

from search.selectors import search_members
from tests.factories import MemberFactory
from tests.search.conftest import make_person


def usernames(page) -> list[str]:
    return [result.username for result in page.results]


def test_a_spoken_language_ranks_those_who_speak_it_first_not_its_teachers(backend_name, spaces, reindex):
    # given translators who do and do not speak German, and a German teacher
    make_person(
        "fr_only",
        name="Aline",
        headline="Traductrice",
        skills=("translation",),
        languages=("fr",),
        space=spaces["brussels"],
        available=True,
    )
    make_person(
        "de_too",
        name="Bert",
        headline="Vertaler",
        skills=("translation",),
        languages=("nl", "de"),
        space=spaces["liege"],
    )
    make_person(
        "teacher",
        name="Carla",
        headline="Cours d'allemand",
        skills=("other-language-lessons",),
        languages=("de", "fr"),
        space=spaces["brussels"],
        available=True,
    )
    searcher = MemberFactory(username="searcher", home_space=spaces["brussels"])
    reindex()
    # when they ask for a translator who speaks German, in each language
    for text in (
        "traducteur qui parle allemand",
        "vertaler die Duits spreekt",
        "translator who speaks German",
    ):
        page = search_members(query=text, searcher=searcher)
        found = usernames(page)
        # then the one who speaks it comes first, even far away, before the nearer one who does not
        assert found[:2] == ["de_too", "fr_only"], text
        # and the teacher is no answer to it
        assert "teacher" not in found[:2], text
        assert page.results[0].speaks == ["de"]
    # and "someone who speaks German" alone finds the German speakers
    assert set(usernames(search_members(query="someone who speaks German", searcher=searcher))) == {
        "de_too",
        "teacher",
    }


def test_a_place_named_in_the_request_comes_first_then_nearest(backend_name, spaces, reindex):
    # given accountants in Brussels, Liège and Namur
    for username, space in (("bxl", "brussels"), ("lg", "liege"), ("nm", "namur"), ("gt", "gent")):
        make_person(
            username,
            name=username.upper(),
            headline="Comptable",
            skills=("accounting", "bookkeeping"),
            space=spaces[space],
            available=space == "brussels",
        )
    searcher = MemberFactory(username="searcher", home_space=spaces["brussels"])
    reindex()
    # when a member in Brussels asks for one in Namur, or in Liège / Luik / Lüttich
    assert usernames(search_members(query="comptable à Namur", searcher=searcher))[0] == "nm"
    for text in ("comptable à Liège", "boekhouder in Luik", "accountant Lüttich"):
        found = usernames(search_members(query=text, searcher=searcher))
        assert found[:1] == ["lg"], (text, found)
    # and a region named brings its members first, nearest to the searcher among them
    found = usernames(search_members(query="comptable en Wallonie", searcher=searcher))
    assert set(found[:2]) == {"lg", "nm"}
    # and with no place named, the nearest first: Brussels, then Gent / Namur (~50 km), Liège last
    found = usernames(search_members(query="comptable", searcher=searcher))
    assert found[0] == "bxl" and found[-1] == "lg"
    page = search_members(query="comptable", searcher=searcher)
    assert page.results[0].distance_km is not None and page.results[0].distance_km < 5


def test_who_covers_every_skill_named_ranks_first(backend_name, spaces, reindex):
    make_person(
        "one",
        name="Solo",
        headline="Graphiste",
        skills=("graphic-design",),
        space=spaces["brussels"],
        available=True,
    )
    make_person(
        "both",
        name="Duo",
        headline="Webdesigner",
        skills=("web-design", "graphic-design"),
        space=spaces["liege"],
    )
    make_person(
        "web",
        name="Web",
        headline="Webdesigner",
        skills=("web-design",),
        space=spaces["brussels"],
        available=True,
    )
    searcher = MemberFactory(username="searcher", home_space=spaces["brussels"])
    reindex()
    page = search_members(query="graphiste et webdesigner", searcher=searcher)
    assert usernames(page)[0] == "both"
    assert page.results[0].matched_skills == ["graphic-design", "web-design"] or set(
        page.results[0].matched_skills
    ) == {"graphic-design", "web-design"}


def test_everyday_words_do_not_match_their_neighbours_in_the_index(backend_name, spaces, reindex):
    # given members whose words are one letter from everyday words
    make_person("filmer", name="Jo Filmer", headline="Filming and editing", space=spaces["brussels"])
    make_person("germain", name="Luc Germain", headline="Menuisier", space=spaces["brussels"])
    make_person(
        "sea",
        name="Sea Agency",
        headline="SEA campaigns",
        skills=("online-advertising",),
        space=spaces["brussels"],
    )
    reindex()
    searcher = MemberFactory(username="searcher", home_space=spaces["brussels"])
    # then "filing", "german" and "set" find none of them
    for text in ("filing", "help me with filing", "german", "set"):
        assert usernames(search_members(query=text, searcher=searcher)) == [], text
    # while a real typo of a rare word still finds its member
    assert usernames(search_members(query="Germainn", searcher=searcher)) == ["germain"]


def test_counts_tell_who_offers_it_from_who_mentions_it(backend_name, spaces, reindex):
    # given one translator, two members who only mention the other word in their bio, and one
    # whose bio names the skill (no match at all: "je cherche une traductrice" is no offer)
    make_person("pro", name="Pro", headline="Traductrice", skills=("translation",), space=spaces["brussels"])
    make_person("m1", name="M1", headline="Coach", bio="Ma boulangerie préférée.", space=spaces["gent"])
    make_person("m2", name="M2", headline="Coach", bio="J'ai tenu une boulangerie.", space=spaces["gent"])
    make_person("m3", name="M3", headline="Coach", bio="Je cherche une traductrice.", space=spaces["gent"])
    searcher = MemberFactory(username="searcher", home_space=spaces["brussels"])
    reindex()
    page = search_members(query="traductrice pour ma boulangerie", searcher=searcher)
    # then one offers it, two mention a word of it; the one who offers it comes first
    assert (page.count, page.strong_count, page.weak_count) == (3, 1, 2)
    assert usernames(page)[0] == "pro"
    assert [r.strong for r in page.results] == [True, False, False]
    assert not page.no_answer


def test_a_need_nobody_offers_says_so(backend_name, spaces, reindex):
    make_person(
        "baker",
        name="Bo",
        headline="Boulanger",
        bio="I once met a plumber.",
        skills=("catering",),
        space=spaces["brussels"],
    )
    make_person("cook", name="Cy", headline="Traiteur", skills=("catering",), space=spaces["brussels"])
    searcher = MemberFactory(username="searcher", home_space=spaces["brussels"])
    reindex()
    page = search_members(query="I need a plumber", searcher=searcher)
    assert page.no_answer
    assert page.strong_count == 0 and page.weak_count == 1
    assert page.related_skills  # what those who mention it offer, to try instead

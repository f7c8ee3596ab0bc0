"""The help board's writes: validation, matching, notifications, permissions, thanks."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community.helpboard import matching, selectors, services
from community.helpboard.models import HelpMatch, HelpRequest, HelpThanks
from community.notifications.models import Notification
from community.notifications.templatetags.notification_tags import in_words
from profiles.models import Language, Member, Skill
from search.query import MAX_QUERY_LENGTH
from search.selectors import search_members
from tests.factories import MemberFactory
from tests.helpboard.conftest import give_skills, reindex

pytestmark = pytest.mark.django_db


def post(
    author,
    title="Qui peut traduire mon site en néerlandais ?",
    description="Dix pages, pour fin du mois.",
    **kwargs,
):
    return services.help_request_create(author=author, title=title, description=description, **kwargs)


def test_typed_skills_land_on_canonical_skills_and_unknown_ones_stay_free_text(author):
    help_request = post(
        author, title="Un coup de main", description="Pour mon projet.", skills=["vertaling", "Fusées à eau"]
    )

    assert list(help_request.skills.values_list("slug", flat=True)) == ["translation"]
    assert help_request.free_skills == ["Fusées à eau"]


def test_a_skill_picked_from_the_list_by_its_slug_is_that_skill():
    # given every canonical skill; when its slug is sent as the typed skill; then it is that skill
    wrong = [
        (skill.slug, matching.resolve_typed_skills([skill.slug]))
        for skill in Skill.objects.all()
        if matching.resolve_typed_skills([skill.slug]) != ([skill.slug], [])
    ]
    assert wrong == []


def test_skills_are_inferred_from_the_text(author):
    help_request = post(
        author, title="Wie kan mijn boekhouding nakijken?", description="Ik ben net gestart als freelancer."
    )

    assert "bookkeeping" in set(help_request.skills.values_list("slug", flat=True))


def test_empty_title_is_refused(author):
    with pytest.raises(ValidationError) as error:
        post(author, title="   ")

    assert "title" in error.value.error_dict
    assert not HelpRequest.objects.exists()


def test_oversized_description_is_refused(author):
    with pytest.raises(ValidationError) as error:
        post(author, description="x" * 4001)

    assert "description" in error.value.error_dict


def test_too_many_skills_are_refused(author):
    with pytest.raises(ValidationError) as error:
        post(author, skills=[f"skill {n}" for n in range(11)])

    assert "skills" in error.value.error_dict


def test_unknown_urgency_is_refused(author):
    with pytest.raises(ValidationError) as error:
        post(author, urgency="yesterday")

    assert "urgency" in error.value.error_dict


@pytest.mark.clock("before-midnight")
def test_posting_too_often_is_rate_limited(author):
    for n in range(services.POSTS_PER_WINDOW):
        post(author, title=f"Request {n}")

    with pytest.raises(services.RateLimited):
        post(author, title="One too many")

    assert HelpRequest.objects.filter(author=author).count() == services.POSTS_PER_WINDOW


@pytest.mark.clock("before-midnight")
def test_refused_posts_do_not_count_against_the_rate_limit(author):
    for _ in range(services.POSTS_PER_WINDOW + 2):
        with pytest.raises(ValidationError):
            post(author, title="")

    assert post(author).pk


def test_the_member_offering_the_skill_is_matched(author, translator, accountant):
    help_request = post(author)

    assert [m.member for m in selectors.request_matches(help_request=help_request)] == [translator]


def test_the_author_is_never_matched(author, translator):
    give_skills(author, "translation")

    help_request = post(author)

    assert author.pk not in set(help_request.matches.values_list("member_id", flat=True))
    assert translator.pk in set(help_request.matches.values_list("member_id", flat=True))


def test_hidden_and_inactive_members_are_never_matched(author):
    hidden = give_skills(MemberFactory(visibility=Member.Visibility.HIDDEN), "translation")
    gone = give_skills(MemberFactory(is_active=False), "translation")

    help_request = post(author)

    assert not help_request.matches.filter(member__in=[hidden, gone]).exists()


def strong_search_results(help_request, *, author):
    """What "who can help me?" answers the author for the request's text (and chosen skills):
    its first page as long as the board takes, strong results only, in its order."""
    page = search_members(
        query=matching.help_request_query(help_request),
        searcher=author,
        filters=matching.search_filters(help_request.chosen_skills),
        page_size=matching.MATCH_LIMIT,
    )
    return [result.member for result in page.results if result.strong]


def test_the_notified_members_are_the_first_strong_results_of_the_same_search(
    author, brussels, ghent, django_capture_on_commit_callbacks
):
    # given more translators than a request suggests, near and far, available or not, one muted
    translators = [
        give_skills(
            MemberFactory(home_space=brussels if n % 2 else ghent, available=n % 3 == 0), "translation"
        )
        for n in range(matching.MATCH_LIMIT + 2)
    ]
    services.help_preferences_set(member=translators[0], mute_help_notifications=True)

    # when the author asks
    with django_capture_on_commit_callbacks(execute=True):
        help_request = post(author, skills=["translation"], space=brussels)

    # then the suggestions are the search's first strong results, in its order, and all of them
    # but the muted member are notified, in that order
    expected = strong_search_results(help_request, author=author)
    assert len(expected) == matching.MATCH_LIMIT
    assert translators[0] in expected  # suggested, even though muted
    matched = [m.member for m in selectors.request_matches(help_request=help_request)]
    assert matched == expected
    notified = [n.recipient for n in Notification.objects.filter(kind=services.NOTIFY_MATCH).order_by("pk")]
    assert notified == [m for m in expected if m != translators[0]]


def speaking(member, *codes):
    member.languages.add(*[Language.objects.get_or_create(code=code)[0] for code in codes])
    reindex(member)
    return member


def test_a_translation_into_dutch_matches_the_translators_who_speak_dutch_not_web_shop_builders(
    author, translator, ghent
):
    # given translators, two who speak Dutch, and web shop builders whose bios say shop and website
    speaking(translator, "nl", "fr", "en")
    pieter = speaking(
        give_skills(MemberFactory(headline="Vertaler Frans-Nederlands", home_space=ghent), "translation"),
        "nl",
        "fr",
    )
    emma = speaking(
        give_skills(MemberFactory(headline="Translator English-French"), "translation"), "en", "fr"
    )
    shop_builders = [
        give_skills(MemberFactory(bio=bio, available=True, home_space=author.home_space), *skills)
        for bio, skills in [
            (
                "I build web shops and websites for small brands, from product pages to checkout.",
                ("e-commerce",),
            ),
            (
                "Je crée des boutiques en ligne et des sites web pour les commerces.",
                ("e-commerce", "web-design"),
            ),
            ("Your shop's website, fast and secure: French and Dutch versions.", ("wordpress",)),
        ]
    ]

    # when the author asks for a translation of their shop's website into Dutch
    help_request = post(
        author,
        title="Translate my shop's website from French to Dutch",
        description="Our web shop sells tea: about twenty product pages and the checkout.",
        skills=["translation"],
    )

    # then the translators who speak Dutch are matched, and no web shop builder is (whether a
    # translator who does not speak Dutch comes after them is the search's ranking to decide)
    matched = [m.member for m in selectors.request_matches(help_request=help_request)]
    assert {translator, pieter} <= set(matched) <= {translator, pieter, emma}
    assert not set(matched) & set(shop_builders)
    reasons = HelpMatch.objects.get(help_request=help_request, member=pieter).reasons
    assert reasons["skills"] == ["translation"]
    assert "nl" in reasons["languages"]


def test_weak_results_are_never_matched(author, translator):
    # given a member who only mentions the words of the request in their bio
    mentions = MemberFactory(bio="Mon site de dix pages, je l'ai fait moi-même, en néerlandais aussi.")
    reindex(mentions)

    # when a request is posted
    help_request = post(author)

    # then only the member who offers the skill is matched
    assert [m.member for m in selectors.request_matches(help_request=help_request)] == [translator]


def test_why_a_member_was_matched_is_kept_on_the_match(author, translator):
    speaking(translator, "nl")

    help_request = post(author, title="Traduire mon site en néerlandais", skills=["proofreading"])

    match = HelpMatch.objects.get(help_request=help_request, member=translator)
    assert match.reasons == {
        "skills": ["translation", "proofreading"],
        "languages": ["nl"],
        "distance_km": 0.0,  # the same space as the author
    }


def test_the_skills_the_author_chose_are_what_the_search_looks_for(author, translator, accountant):
    # given a title that names bookkeeping in passing, and the author choosing translation
    help_request = post(
        author, title="Traduire le site de mon comptable", description="Vingt pages.", skills=["vertaling"]
    )

    # then only members offering the chosen skill are suggested, and a new matching finds them again
    assert help_request.chosen_skills == ["translation"]
    assert [m.member for m in selectors.request_matches(help_request=help_request)] == [translator]
    services.help_request_match(help_request=help_request)
    assert [m.member for m in selectors.request_matches(help_request=help_request)] == [translator]


def test_a_request_that_asks_for_nothing_matches_nobody(author, translator):
    help_request = post(author, title="Qui ?", description="Et pour quoi ?")

    assert not help_request.matches.exists()


def test_the_search_text_starts_with_the_title_and_the_chosen_skills():
    query = matching.request_query(
        title="Un coup de main",
        description="mot " * 400,
        skill_slugs=["translation", "proofreading"],
        free_skills=["Fusées à eau"],
        language="nl",
    )

    assert query.startswith("Un coup de main Vertaling Proeflezen en correctie Fusées à eau mot mot")
    assert len(query) <= MAX_QUERY_LENGTH


def test_matched_members_are_notified_once_committed(author, translator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        help_request = post(author)
    assert not Notification.objects.exists()

    for callback in callbacks:
        callback()

    notification = Notification.objects.get(recipient=translator)
    assert notification.kind == services.NOTIFY_MATCH
    assert notification.url == help_request.get_absolute_url()
    assert help_request.title in in_words(notification).title
    assert HelpMatch.objects.get(help_request=help_request, member=translator).notified


def test_members_who_muted_help_notifications_are_matched_but_not_notified(
    author, translator, django_capture_on_commit_callbacks
):
    services.help_preferences_set(member=translator, mute_help_notifications=True)

    with django_capture_on_commit_callbacks(execute=True):
        help_request = post(author)

    assert help_request.matches.filter(member=translator, notified=False).exists()
    assert not Notification.objects.filter(recipient=translator).exists()


def test_unmuting_brings_notifications_back(author, translator, django_capture_on_commit_callbacks):
    services.help_preferences_set(member=translator, mute_help_notifications=True)
    services.help_preferences_set(member=translator, mute_help_notifications=False)

    with django_capture_on_commit_callbacks(execute=True):
        post(author)

    assert Notification.objects.filter(recipient=translator).count() == 1


def test_only_the_author_edits_a_request(author, other_member):
    help_request = post(author)

    with pytest.raises(PermissionDenied):
        services.help_request_update(
            help_request=help_request, editor=other_member, title="Hijacked", description="Mine now."
        )

    help_request.refresh_from_db()
    assert help_request.title != "Hijacked"


def test_editing_notifies_only_the_newly_matched(
    author, translator, accountant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        help_request = post(author)

    with django_capture_on_commit_callbacks(execute=True):
        services.help_request_update(
            help_request=help_request,
            editor=author,
            title=help_request.title,
            description="Et aussi ma comptabilité à vérifier.",
            skills=["translation", "bookkeeping"],
        )

    assert Notification.objects.filter(recipient=translator).count() == 1
    assert Notification.objects.filter(recipient=accountant).count() == 1


def test_solving_thanks_helpers_and_counts_on_their_reputation(
    author, translator, accountant, django_capture_on_commit_callbacks
):
    help_request = post(author)
    services.help_reply_create(help_request=help_request, author=accountant, body="Ma sœur est traductrice !")
    services.help_offer_create(help_request=help_request, member=translator)

    with django_capture_on_commit_callbacks(execute=True):
        services.help_request_solve(help_request=help_request, by=author, helpers=[translator, accountant])

    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.SOLVED
    assert help_request.solved_at is not None
    assert selectors.helped_count(member=translator) == 1
    assert selectors.helped_count(member=accountant) == 1
    assert Notification.objects.filter(recipient=translator, kind=services.NOTIFY_THANKS).exists()


def test_helped_counts_coworkers_not_requests(author, translator):
    for title in ("Traduire mon site", "Traduire ma brochure"):
        help_request = post(author, title=title)
        services.help_offer_create(help_request=help_request, member=translator)
        services.help_request_solve(help_request=help_request, by=author, helpers=[translator])
    someone_else = MemberFactory()
    help_request = post(someone_else, title="Vertaling van mijn website")
    services.help_offer_create(help_request=help_request, member=translator)
    services.help_request_solve(help_request=help_request, by=someone_else, helpers=[translator])

    assert HelpThanks.objects.filter(helper=translator).count() == 3
    assert selectors.helped_count(member=translator) == 2


@pytest.mark.parametrize("who", ["stranger", "matched only"])
def test_only_members_who_replied_or_offered_help_can_be_thanked(author, translator, who):
    # given a request the translator was matched with, and did not answer
    help_request = post(author)
    assert help_request.matches.filter(member=translator).exists()
    someone = MemberFactory() if who == "stranger" else translator

    # when the author thanks them
    with pytest.raises(ValidationError) as error:
        services.help_request_solve(help_request=help_request, by=author, helpers=[someone])

    # then it is refused, said on the helpers field, and nothing changes
    assert error.value.error_dict["helpers"][0].messages == [
        "You can only thank members who replied to this request or offered to help."
    ]
    help_request.refresh_from_db()
    assert help_request.is_open
    assert selectors.helped_count(member=someone) == 0


def test_the_members_to_thank_are_those_who_replied_or_offered_help(author, translator, accountant):
    help_request = post(author)  # the translator is matched
    helper, offerer = MemberFactory(display_name="A Helper"), MemberFactory(display_name="B Offerer")
    services.help_reply_create(help_request=help_request, author=helper, body="Ma sœur traduit.")
    services.help_offer_create(help_request=help_request, member=offerer)
    services.help_reply_create(help_request=help_request, author=author, body="Précision : dix pages.")

    assert list(selectors.helpers_to_thank(help_request=help_request)) == [helper, offerer]


def test_the_author_cannot_thank_themselves(author, translator):
    help_request = post(author)
    services.help_reply_create(help_request=help_request, author=author, body="Précision : c'est urgent.")

    with pytest.raises(ValidationError):
        services.help_request_solve(help_request=help_request, by=author, helpers=[author])


def test_only_the_author_solves_or_closes(author, translator):
    help_request = post(author)

    with pytest.raises(PermissionDenied):
        services.help_request_solve(help_request=help_request, by=translator, helpers=[translator])
    with pytest.raises(PermissionDenied):
        services.help_request_close(help_request=help_request, by=translator)

    help_request.refresh_from_db()
    assert help_request.is_open
    assert selectors.helped_count(member=translator) == 0


def test_a_solved_request_cannot_be_solved_again_nor_replied_to(author, translator):
    help_request = post(author)
    services.help_offer_create(help_request=help_request, member=translator)
    services.help_request_solve(help_request=help_request, by=author, helpers=[translator])

    with pytest.raises(ValidationError):
        services.help_request_solve(help_request=help_request, by=author, helpers=[translator])
    with pytest.raises(ValidationError):
        services.help_reply_create(help_request=help_request, author=translator, body="Trop tard ?")


def test_a_closed_request_can_be_reopened_by_its_author(author):
    help_request = post(author)
    services.help_request_close(help_request=help_request, by=author)

    services.help_request_reopen(help_request=help_request, by=author)

    help_request.refresh_from_db()
    assert help_request.is_open


def test_a_reply_notifies_the_author(author, other_member, django_capture_on_commit_callbacks):
    help_request = post(author)

    with django_capture_on_commit_callbacks(execute=True):
        reply = services.help_reply_create(
            help_request=help_request, author=other_member, body="Je connais quelqu'un."
        )

    notification = Notification.objects.get(recipient=author, kind=services.NOTIFY_REPLY)
    assert notification.url.endswith(f"#reply-{reply.pk}")


def test_the_authors_own_reply_notifies_nobody(author, django_capture_on_commit_callbacks):
    help_request = post(author)

    with django_capture_on_commit_callbacks(execute=True):
        services.help_reply_create(help_request=help_request, author=author, body="Précision : 10 pages.")

    assert not Notification.objects.filter(kind=services.NOTIFY_REPLY).exists()


def test_an_empty_or_oversized_reply_is_refused(author, other_member):
    help_request = post(author)

    with pytest.raises(ValidationError):
        services.help_reply_create(help_request=help_request, author=other_member, body="  \n ")
    with pytest.raises(ValidationError):
        services.help_reply_create(help_request=help_request, author=other_member, body="x" * 2001)

    assert not help_request.replies.exists()


@pytest.mark.clock("before-midnight")
def test_replying_too_often_is_rate_limited(author, other_member):
    help_request = post(author)
    for n in range(services.REPLIES_PER_WINDOW):
        services.help_reply_create(help_request=help_request, author=other_member, body=f"Reply {n}")

    with pytest.raises(services.RateLimited):
        services.help_reply_create(help_request=help_request, author=other_member, body="One too many")


def test_offering_help_is_one_click_and_idempotent(author, translator):
    help_request = post(author)

    first = services.help_offer_create(help_request=help_request, member=translator)
    second = services.help_offer_create(help_request=help_request, member=translator)

    assert first.pk == second.pk
    assert first.is_offer
    assert help_request.replies.count() == 1


def test_the_author_cannot_offer_help_on_their_own_request(author):
    help_request = post(author)

    with pytest.raises(ValidationError):
        services.help_offer_create(help_request=help_request, member=author)


def test_a_language_typed_as_a_skill_is_one_the_helper_must_speak_not_lessons(author, translator):
    # given a Dutch teacher beside the translator (who speaks Dutch)
    speaking(translator, "nl", "fr")
    teacher = speaking(give_skills(MemberFactory(headline="Leraar Nederlands"), "dutch-lessons"), "nl", "fr")
    reindex(teacher)

    # when the author types "néerlandais" among the skills of a translation request
    help_request = post(
        author,
        title="Translate my shop's website from French to Dutch",
        description="About twenty pages.",
        skills=["traduction", "néerlandais"],
    )

    # then it is read as the language to speak: the translator is matched, the teacher is not
    assert help_request.chosen_skills == ["translation"]
    matched = [m.member for m in selectors.request_matches(help_request=help_request)]
    assert matched == [translator]

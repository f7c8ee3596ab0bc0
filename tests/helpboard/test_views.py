"""The help board pages: asking, bad input as form errors, permissions as 403, safe rendering."""

from __future__ import annotations

import pytest
from django.urls import reverse

from community.helpboard import services
from community.helpboard.models import HelpPreferences, HelpRequest
from tests.factories import MemberFactory
from tests.helpboard.conftest import client_for, reindex

pytestmark = pytest.mark.django_db


def ask(
    author,
    title="Looking for a photographer for our team page",
    description="Six portraits, in Ixelles.",
    **kwargs,
):
    return services.help_request_create(author=author, title=title, description=description, **kwargs)


def form_data(**overrides):
    data = {
        "title": "Qui peut traduire mon site en néerlandais ?",
        "description": "Dix pages WordPress.\nPour fin du mois.",
        "skills": "vertaling, Fusées à eau",
        "space": "",
        "urgency": "normal",
    }
    return data | overrides


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("help:board"))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_posting_a_request_shows_it_with_its_matches(author_client, author, translator):
    response = author_client.post(reverse("help:new"), form_data())

    help_request = HelpRequest.objects.get(author=author)
    assert response.status_code == 302
    assert response["Location"] == help_request.get_absolute_url()
    page = author_client.get(response["Location"])
    assert page.status_code == 200
    assert "Qui peut traduire mon site en néerlandais ?" in page.content.decode()
    assert reverse("help:contact", args=[help_request.pk, translator.username]) in page.content.decode()
    assert "Fusées à eau" in page.content.decode()


def test_the_new_request_form_takes_its_title_from_the_link(author_client):
    # The search page links here with what was asked when nobody offers it.
    response = author_client.get(reverse("help:new"), {"title": "Qui fait des <vitraux> ?" + "x" * 200})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Qui fait des &lt;vitraux&gt; ?x' in html
    assert response.context["form"]["title"].value() == ("Qui fait des <vitraux> ?" + "x" * 200)[:140]
    assert not response.context["form"].errors


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", "x" * 141),
        ("description", "   "),
        ("description", "x" * 4001),
        ("urgency", "asap"),
    ],
)
def test_bad_input_is_a_form_error_not_a_crash(author_client, field, value):
    response = author_client.post(reverse("help:new"), form_data(**{field: value}))

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not HelpRequest.objects.exists()


def test_too_many_skills_is_a_form_error(author_client):
    response = author_client.post(
        reverse("help:new"), form_data(skills=", ".join(f"skill {n}" for n in range(11)))
    )

    assert response.status_code == 400
    assert response.context["form"].errors["skills"]


@pytest.mark.clock("before-midnight")
def test_posting_too_often_is_answered_with_a_form_error(author_client, author):
    for n in range(services.POSTS_PER_WINDOW):
        ask(author, title=f"Request {n}")

    response = author_client.post(reverse("help:new"), form_data())

    assert response.status_code == 429
    assert response.context["form"].non_field_errors()
    assert HelpRequest.objects.count() == services.POSTS_PER_WINDOW


def test_editing_someone_elses_request_is_forbidden(author, other_member):
    help_request = ask(author)
    intruder = client_for(other_member)

    assert intruder.get(reverse("help:edit", args=[help_request.pk])).status_code == 403
    response = intruder.post(reverse("help:edit", args=[help_request.pk]), form_data(title="Mine now"))

    assert response.status_code == 403
    help_request.refresh_from_db()
    assert help_request.title != "Mine now"


def test_the_author_edits_their_request(author, author_client):
    help_request = ask(author)

    response = author_client.post(
        reverse("help:edit", args=[help_request.pk]), form_data(title="Photographe cherché")
    )

    assert response.status_code == 302
    help_request.refresh_from_db()
    assert help_request.title == "Photographe cherché"


@pytest.mark.parametrize("action", ["solve", "close"])
def test_solving_or_closing_someone_elses_request_is_forbidden(author, other_member, action):
    help_request = ask(author)

    response = client_for(other_member).post(reverse(f"help:{action}", args=[help_request.pk]))

    assert response.status_code == 403
    help_request.refresh_from_db()
    assert help_request.is_open


def test_unknown_request_is_a_404(author_client):
    assert author_client.get(reverse("help:detail", args=[999999])).status_code == 404


def test_descriptions_and_replies_render_escaped_with_breaks_and_safe_links(
    author, other_member, author_client
):
    help_request = ask(
        author,
        description='<script>alert("x")</script>\nSee https://example.org/brief?a=1&b=2 please\n<a href="javascript:alert(1)">click</a>',
    )
    services.help_reply_create(
        help_request=help_request, author=other_member, body="<b>bold?</b>\nhttps://portfolio.example.be"
    )

    html = author_client.get(help_request.get_absolute_url()).content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>" in html
    assert (
        '<a href="https://example.org/brief?a=1&amp;b=2" rel="nofollow noopener" target="_blank">'
        "https://example.org/brief?a=1&amp;b=2</a>" in html
    )
    assert 'href="javascript:' not in html
    assert "&lt;b&gt;bold?&lt;/b&gt;<br>" in html
    assert 'href="https://portfolio.example.be" rel="nofollow noopener"' in html


def test_an_empty_reply_is_a_form_error(author, other_member):
    help_request = ask(author)

    response = client_for(other_member).post(reverse("help:reply", args=[help_request.pk]), {"body": "  "})

    assert response.status_code == 400
    assert response.context["reply_form"].errors["body"]
    assert not help_request.replies.exists()


def test_a_reply_appears_on_the_request(author, other_member):
    help_request = ask(author)
    helper = client_for(other_member)

    response = helper.post(
        reverse("help:reply", args=[help_request.pk]), {"body": "Mon voisin est photographe."}
    )

    reply = help_request.replies.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#reply-{reply.pk}")
    assert "Mon voisin est photographe." in helper.get(help_request.get_absolute_url()).content.decode()


def test_offering_help_in_one_click(author, other_member):
    help_request = ask(author)
    helper = client_for(other_member)

    response = helper.post(reverse("help:offer", args=[help_request.pk]))

    assert response.status_code == 302
    assert help_request.replies.get().is_offer
    assert "You offered to help" in helper.get(help_request.get_absolute_url()).content.decode()


def test_offering_help_on_your_own_request_is_refused(author, author_client):
    help_request = ask(author)

    response = author_client.post(reverse("help:offer", args=[help_request.pk]))

    assert response.status_code == 400
    assert not help_request.replies.exists()


def test_solve_and_thank_from_the_page(author, author_client, other_member):
    help_request = ask(author)
    services.help_reply_create(
        help_request=help_request, author=other_member, body="Je peux le faire samedi."
    )
    page = author_client.get(help_request.get_absolute_url())
    assert page.context["solve_form"].fields["helpers"].queryset.filter(pk=other_member.pk).exists()

    response = author_client.post(
        reverse("help:solve", args=[help_request.pk]), {"helpers": [other_member.pk]}
    )

    assert response.status_code == 302
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.SOLVED
    assert list(author_client.get(help_request.get_absolute_url()).context["thanked"]) == [other_member]


def test_the_helped_badge_counts_coworkers(author, other_member):
    from django.template.loader import render_to_string

    assert render_to_string("includes/helped_badge.html", {"member": other_member}).strip() == ""
    help_request = ask(author)
    services.help_reply_create(
        help_request=help_request, author=other_member, body="Je peux le faire samedi."
    )
    services.help_request_solve(help_request=help_request, by=author, helpers=[other_member])

    assert "helped 1 coworker" in render_to_string("includes/helped_badge.html", {"member": other_member})


def test_thanking_a_stranger_from_the_page_is_a_form_error(author, author_client):
    help_request = ask(author)
    stranger = MemberFactory()

    response = author_client.post(reverse("help:solve", args=[help_request.pk]), {"helpers": [stranger.pk]})

    assert response.status_code == 400
    assert response.context["solve_form"].errors["helpers"]
    help_request.refresh_from_db()
    assert help_request.is_open


def test_muting_help_notifications(member, member_client):
    response = member_client.post(reverse("help:preferences"), {"mute_help_notifications": "on"})

    assert response.status_code == 302
    assert HelpPreferences.objects.get(member=member).mute_help_notifications

    member_client.post(reverse("help:preferences"), {})

    assert not HelpPreferences.objects.get(member=member).mute_help_notifications


def test_board_filters_by_skill_space_and_region(author, author_client, brussels, ghent):
    translation = ask(author, title="Vertaling gezocht", description="Een brochure.", space=ghent)
    photo = ask(author, title="Photographe pour l'équipe", description="Portraits.", space=brussels)

    def titles(**params):
        response = author_client.get(reverse("help:board"), params)
        assert response.status_code == 200
        return {r.title for r in response.context["page"]}

    assert titles() == {translation.title, photo.title}
    assert titles(skill="translation") == {translation.title}
    assert titles(space=brussels.slug) == {photo.title}
    assert titles(region="flanders") == {translation.title}
    assert titles(region="atlantis") == {translation.title, photo.title}


def test_matching_my_skills_shows_only_requests_i_could_help_with(author, translator):
    wanted = ask(author, title="Traduire ma brochure", description="En néerlandais.")
    ask(author, title="Wie kan mijn boekhouding nakijken?", description="Jaarafsluiting.")
    ask(
        translator, title="Vertaler zoekt boekhouder", description="Mijn eigen vraag.", skills=["translation"]
    )

    response = client_for(translator).get(reverse("help:board"), {"mine": "on"})

    assert [r.title for r in response.context["page"]] == [wanted.title]


def test_the_board_does_not_query_per_request(author, author_client, django_assert_max_num_queries):
    for n in range(5):
        ask(author, title=f"Traduction {n}", description="Un document.")
    with django_assert_max_num_queries(20) as few:
        author_client.get(reverse("help:board"))
    for n in range(5, 10):
        MemberFactory()  # other authors too
        ask(MemberFactory(), title=f"Vertaling {n}", description="Een document.")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = author_client.get(reverse("help:board"))

    assert len(response.context["page"]) == 10


def test_the_home_page_lists_requests_i_could_help_with(author, translator):
    ask(author, title="Traduire ma brochure en néerlandais", description="Huit pages.")
    ask(author, title="Wie kan mijn boekhouding nakijken?", description="Jaarafsluiting.")

    html = client_for(translator).get(reverse("home")).content.decode()

    assert "Traduire ma brochure en néerlandais" in html
    assert "Wie kan mijn boekhouding nakijken?" not in html


def test_send_a_message_opens_a_direct_conversation_that_quotes_the_request(
    author, author_client, translator
):
    from messaging.models import Message

    help_request = ask(author, title="Qui peut traduire mon site en néerlandais ?", description="Dix pages.")
    url = reverse("help:contact", args=[help_request.pk, translator.username])
    form = author_client.get(url).context["form"]
    data = {
        "body": "Bonjour Sofie, tu aurais un moment cette semaine ?",
        "client_id": form.initial["client_id"],
    }

    response = author_client.post(url, data)
    again = author_client.post(url, data)

    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == message.conversation.get_absolute_url()
    assert again["Location"] == response["Location"]
    assert message.sender == author
    assert set(message.conversation.participants.values_list("member_id", flat=True)) == {
        author.pk,
        translator.pk,
    }
    assert "Qui peut traduire mon site en néerlandais ?" in message.body
    assert f"http://testserver{help_request.get_absolute_url()}" in message.body
    assert message.body.endswith("Bonjour Sofie, tu aurais un moment cette semaine ?")


def test_a_matched_member_can_write_to_the_author(author, translator):
    help_request = ask(author, title="Traduction FR-NL", description="Un site.")
    helper = client_for(translator)

    response = helper.post(
        reverse("help:contact", args=[help_request.pk, author.username]),
        {"body": "Je peux t'aider.", "client_id": "help-test-1"},
    )

    assert response.status_code == 302


def test_the_board_is_not_a_way_to_write_to_anyone(author, other_member):
    help_request = ask(author)
    stranger, target = MemberFactory(), MemberFactory()

    response = client_for(stranger).post(
        reverse("help:contact", args=[help_request.pk, target.username]),
        {"body": "Hi", "client_id": "help-x"},
    )

    assert response.status_code == 403


def test_an_empty_message_is_a_form_error(author, author_client, translator):
    help_request = ask(author, title="Traduction FR-NL", description="Un site.")

    response = author_client.post(
        reverse("help:contact", args=[help_request.pk, translator.username]),
        {"body": " ", "client_id": "help-y"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["body"]


def test_the_profile_page_shows_how_many_coworkers_a_member_helped(author, other_member):
    help_request = ask(author)
    services.help_reply_create(help_request=help_request, author=other_member, body="Je passe demain.")
    services.help_request_solve(help_request=help_request, by=author, helpers=[other_member])

    html = client_for(author).get(other_member.get_absolute_url()).content.decode()

    assert "helped 1 coworker" in html


@pytest.mark.parametrize("action", ["detail", "edit", "reply", "offer", "solve", "close", "reopen"])
def test_an_absurdly_large_request_id_is_a_404(author_client, action):
    url = reverse(f"help:{action}", args=[10**30])

    response = author_client.post(url) if action not in ("detail", "edit") else author_client.get(url)

    assert response.status_code == 404


def test_messaging_an_unknown_member_is_a_404(author, author_client):
    help_request = ask(author)

    response = author_client.get(reverse("help:contact", args=[help_request.pk, "nobody-by-that-name"]))

    assert response.status_code == 404


def test_a_hidden_member_cannot_be_reached_through_the_board(author, author_client):
    from profiles.models import Member

    hidden = MemberFactory(visibility=Member.Visibility.HIDDEN)
    help_request = ask(author)

    response = author_client.get(reverse("help:contact", args=[help_request.pk, hidden.username]))

    assert response.status_code == 404


def test_a_hidden_member_who_replied_can_be_answered(author, author_client):
    from profiles.models import Member

    hidden = MemberFactory(visibility=Member.Visibility.HIDDEN)
    help_request = ask(author)
    services.help_reply_create(help_request=help_request, author=hidden, body="Je peux aider, écris-moi.")

    response = author_client.get(reverse("help:contact", args=[help_request.pk, hidden.username]))

    assert response.status_code == 200


def test_in_french_the_tab_lists_solved_requests_and_a_badge_marks_one_solved(author, author_client):
    help_request = ask(author)
    services.help_request_solve(help_request=help_request, by=author)
    author.preferred_language = "fr"
    author.save(update_fields=["preferred_language"])

    page = author_client.get(reverse("help:board") + "?status=solved").content.decode()

    assert ">Résolues</a>" in page  # the tab: requests, plural
    assert "Résolue<" in page  # the status of one request


# ---------------------------------------------------------------------------------------------
# Why each member was matched
# ---------------------------------------------------------------------------------------------


def test_the_author_sees_why_each_member_was_matched_in_their_language(author, author_client, translator):
    from profiles.models import Language

    translator.languages.add(Language.objects.get_or_create(code="nl")[0])
    reindex(translator)
    author.preferred_language = "fr"
    author.save(update_fields=["preferred_language"])
    help_request = ask(author, title="Traduire mon site en néerlandais", description="Dix pages.")

    html = author_client.get(help_request.get_absolute_url()).content.decode()

    assert '<p class="match-reasons">Propose Traduction · parle néerlandais · à moins d&#x27;1 km</p>' in html


def test_other_members_do_not_see_why_members_were_matched(author, translator, other_member):
    help_request = ask(author, title="Traduire mon site en néerlandais", description="Dix pages.")

    html = client_for(other_member).get(help_request.get_absolute_url()).content.decode()

    assert translator.get_absolute_url() in html  # the suggestion is there
    assert "match-reasons" not in html


@pytest.mark.parametrize(
    ("language", "distance", "line"),
    [
        ("en", 3.5, "Offers Translation, Proofreading · speaks Dutch · 3.5 km away"),
        ("fr", 3.5, "Propose Traduction, Relecture et correction · parle néerlandais · à 3,5 km"),
        ("nl", 3.5, "Biedt Vertaling, Proeflezen en correctie aan · spreekt Nederlands · op 3,5 km"),
        ("nl", 3.0, "Biedt Vertaling, Proeflezen en correctie aan · spreekt Nederlands · op 3 km"),
        ("fr", 12.46, "Propose Traduction, Relecture et correction · parle néerlandais · à 12 km"),
    ],
)
def test_why_a_member_was_matched_reads_in_the_readers_language(language, distance, line):
    from django.utils import translation

    from community.helpboard.models import HelpMatch
    from community.helpboard.templatetags.helpboard import match_reasons

    match = HelpMatch(
        reasons={"skills": ["translation", "proofreading"], "languages": ["nl"], "distance_km": distance}
    )

    with translation.override(language):
        assert match_reasons(match) == line


def test_a_match_found_by_what_the_member_is_says_so():
    from community.helpboard.models import HelpMatch
    from community.helpboard.templatetags.helpboard import match_reasons

    assert match_reasons(HelpMatch(reasons={})) == "Their profile says what you asked for"


# ---------------------------------------------------------------------------------------------
# "Who helped you?" and "Solved?"
# ---------------------------------------------------------------------------------------------


def test_who_helped_you_offers_those_who_replied_or_offered_not_everyone_matched(
    author, author_client, translator, other_member
):
    help_request = ask(author, title="Traduire mon site en néerlandais", description="Dix pages.")
    assert help_request.matches.filter(member=translator).exists()
    offerer = MemberFactory()
    services.help_reply_create(help_request=help_request, author=other_member, body="Ma sœur traduit.")
    services.help_offer_create(help_request=help_request, member=offerer)

    form = author_client.get(help_request.get_absolute_url()).context["solve_form"]

    assert set(form.fields["helpers"].queryset) == {other_member, offerer}


@pytest.mark.parametrize("helpers", [["matched"], ["abc"], ["²"], ["99999999999999999999"]])
def test_thanking_someone_who_did_not_help_is_a_form_error(
    author, author_client, translator, other_member, helpers
):
    help_request = ask(author, title="Traduire mon site en néerlandais", description="Dix pages.")
    services.help_reply_create(help_request=help_request, author=other_member, body="Ma sœur traduit.")
    values = [translator.pk if value == "matched" else value for value in helpers]

    response = author_client.post(reverse("help:solve", args=[help_request.pk]), {"helpers": values})

    assert response.status_code == 400
    assert response.context["solve_form"].errors["helpers"]
    help_request.refresh_from_db()
    assert help_request.is_open


@pytest.mark.clock("morning", "before-midnight", "dst-autumn")
def test_solved_is_not_asked_the_moment_a_request_is_posted(author, author_client, clock):
    from django.conf import settings

    help_request = ask(author)
    services.help_reply_create(help_request=help_request, author=author, body="Précision : six portraits.")

    def asked() -> bool:
        response = author_client.get(help_request.get_absolute_url())
        return response.context["solve_form"] is not None and "Solved?" in response.content.decode()

    assert not asked()  # just posted (the author's own reply does not count)
    clock.shift(settings.HELP_SOLVED_PROMPT_AFTER - 1)
    assert not asked()
    clock.shift(1)
    assert asked()  # open for a day with no answer


@pytest.mark.clock("morning")
@pytest.mark.parametrize("answer", ["reply", "offer"])
def test_solved_is_asked_once_someone_replied_or_offered_help(author, author_client, other_member, answer):
    help_request = ask(author)
    assert author_client.get(help_request.get_absolute_url()).context["solve_form"] is None

    if answer == "reply":
        services.help_reply_create(help_request=help_request, author=other_member, body="Je peux samedi.")
    else:
        services.help_offer_create(help_request=help_request, member=other_member)

    page = author_client.get(help_request.get_absolute_url())
    assert page.context["solve_form"] is not None
    assert "Solved?" in page.content.decode()

"""The directory, profile and edit pages through the real URL configuration."""

from __future__ import annotations

import io
import os

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from profiles.avatars import MAX_AVATAR_BYTES
from profiles.models import Language, Member, OfferedSkill, SkillTag, WantedSkill
from profiles.services import skill_tags_for_terms
from search.services import index_rebuild
from tests.factories import MemberFactory, SpaceFactory
from tests.profiles.conftest import image_bytes, make_member, upload

pytestmark = pytest.mark.django_db

V = Member.Visibility
SCRIPT = "<script>alert('owned')</script>"


def logged_in(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


# --- directory -----------------------------------------------------------------------------


def test_anonymous_visitors_see_only_public_profiles(client):
    public = MemberFactory(display_name="Public Paula", visibility=V.PUBLIC)
    MemberFactory(display_name="Members Marc", visibility=V.MEMBERS)
    MemberFactory(display_name="Hidden Hugo", visibility=V.HIDDEN)
    html = client.get("/members/").content.decode()
    assert public.display_name in html
    assert "Members Marc" not in html and "Hidden Hugo" not in html


def test_members_see_public_and_members_only_profiles_never_hidden(member_client):
    MemberFactory(display_name="Public Paula", visibility=V.PUBLIC)
    MemberFactory(display_name="Members Marc", visibility=V.MEMBERS)
    MemberFactory(display_name="Hidden Hugo", visibility=V.HIDDEN)
    html = member_client.get("/members/").content.decode()
    assert "Public Paula" in html and "Members Marc" in html
    assert "Hidden Hugo" not in html


def test_directory_filters_by_query_string(member_client):
    hub = SpaceFactory(slug="the-hub")
    make_member(
        display_name="Vera Vertaler", offers=["vertaler"], home_space=hub, languages=["nl"], available=True
    )
    make_member(display_name="Gaston Graphiste", offers=["graphiste"], home_space=hub, languages=["fr"])
    make_member(display_name="Anna Elsewhere", offers=["translation"], languages=["nl"], available=True)
    index_rebuild()  # free text goes through the search index; these members were never committed

    def names(query: str) -> set[str]:
        html = member_client.get(f"/members/?{query}").content.decode()
        return {n for n in ("Vera Vertaler", "Gaston Graphiste", "Anna Elsewhere") if n in html}

    assert names("skill=translation") == {"Vera Vertaler", "Anna Elsewhere"}
    assert names("skill=traducteur&space=the-hub") == {"Vera Vertaler"}
    assert names("q=graphic+design") == {"Gaston Graphiste"}
    assert names("language=nl&available=1") == {"Vera Vertaler", "Anna Elsewhere"}
    assert names("region=brussels&skill=translation&skill=graphic-design") == set()


@pytest.mark.parametrize(
    "query",
    [
        "region=mars",
        "language=klingon",
        "sort=shoe-size",
        "space=no-such-space",
        "skill=underwater-basket-weaving",
        "cursor=not-a-cursor",
        "cursor=WyJhZnRlciIsICJub3QgYSBkYXRlIiwgMV0",
        "available=maybe",
        "q=" + "x" * 500,
        "skill=" + "&skill=".join(["translation"] * 50),
        "q=%00%ff",
    ],
)
def test_bad_filter_values_give_a_page_with_a_notice_not_an_error(member_client, query):
    MemberFactory(display_name="Still Listed", visibility=V.PUBLIC)
    response = member_client.get(f"/members/?{query}")
    assert response.status_code == 200


def test_an_ignored_filter_is_explained(member_client):
    MemberFactory(display_name="Still Listed")
    html = member_client.get("/members/?region=mars&skill=zzz-unknown").content.decode()
    assert "Still Listed" in html
    assert "was ignored" in html
    assert "No skill called “zzz-unknown”" in html


def test_skill_chips_add_their_skill_to_the_current_filters(member_client):
    make_member(offers=["translation", "proofreading"], languages=["fr"])
    html = member_client.get("/members/?language=fr").content.decode()
    assert 'href="/members/?language=fr&amp;skill=proofreading"' in html
    filtered = member_client.get("/members/?skill=translation").content.decode()
    # the chosen skill is shown with a link that removes it
    assert 'class="chip chosen" href="/members/?"' in filtered


def test_htmx_requests_get_only_the_results(member_client):
    MemberFactory(display_name="Partial Pat")
    response = member_client.get("/members/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Partial Pat" in html
    assert "<html" not in html


def test_pages_link_forward_and_back(member_client):
    for i in range(30):
        MemberFactory(display_name=f"Person {i:02d}")
    first = member_client.get("/members/?sort=name")
    page = first.context["page"]
    assert len(page.members) == 24 and page.next_cursor and page.previous_cursor is None
    second = member_client.get(f"/members/?sort=name&cursor={page.next_cursor}").context["page"]
    assert len(second.members) == 7  # 30 + the viewer
    assert not set(second.members) & set(page.members)
    back = member_client.get(f"/members/?sort=name&cursor={second.previous_cursor}").context["page"]
    assert back.members == page.members


def _populate(count: int, spaces: list) -> None:
    """`count` members with three offered and two wanted skills, two languages, two spaces."""
    tags = skill_tags_for_terms(["translation", "python", "seo", "comptable"])
    languages = [Language.objects.get_or_create(code=code)[0] for code in ("fr", "nl")]
    members = MemberFactory.create_batch(count)
    for i, member in enumerate(members):
        member.home_space = spaces[i % len(spaces)]
        member.save(update_fields=["home_space"])
        member.other_spaces.add(spaces[(i + 1) % len(spaces)])
        member.languages.add(*languages)
    free = [SkillTag.objects.create(name=f"free skill {member.pk}") for member in members]
    OfferedSkill.objects.bulk_create(
        [
            OfferedSkill(content_object=m, tag=t)
            for m, f in zip(members, free, strict=True)
            for t in (*tags[:2], f)
        ]
    )
    WantedSkill.objects.bulk_create([WantedSkill(content_object=m, tag=t) for m in members for t in tags[2:]])


@pytest.mark.parametrize(
    "url", ["/members/", "/members/?q=python&available=", "/members/?skill=translation&sort=name"]
)
def test_directory_queries_do_not_grow_with_the_page(
    member_client, url, django_assert_max_num_queries, django_assert_num_queries
):
    # given a directory with 2 members on the page
    spaces = [SpaceFactory() for _ in range(3)]
    _populate(2, spaces)
    index_rebuild()  # free text goes through the search index; these members were never committed
    member_client.get(url)  # warm: the member total the filters estimate with is cached for minutes
    with django_assert_max_num_queries(16) as small:
        assert member_client.get(url).status_code == 200
    # when the page is full (24 cards with skills, languages and spaces)
    _populate(30, spaces)
    index_rebuild()  # free text goes through the search index; these members were never committed
    # then it takes exactly as many queries
    with django_assert_num_queries(len(small)):
        response = member_client.get(url)
    assert len(response.context["page"].members) == 24


def test_anonymous_directory_queries_are_constant_too(
    client, django_assert_max_num_queries, django_assert_num_queries
):
    _populate(1, [SpaceFactory()])
    Member.objects.update(visibility=V.PUBLIC)
    client.get("/members/")
    with django_assert_max_num_queries(12) as small:
        client.get("/members/")
    _populate(25, [SpaceFactory()])
    Member.objects.update(visibility=V.PUBLIC)
    with django_assert_num_queries(len(small)):
        client.get("/members/")


# --- profile page --------------------------------------------------------------------------


def test_profile_shows_skills_in_the_readers_language(member_client, member):
    profile = make_member(offers=["vertaler"], wants=["comptable"])
    url = f"/members/{profile.username}/"
    assert "Traduction" in member_client.get(url, headers={"Accept-Language": "fr"}).content.decode()
    assert "Vertaling" in member_client.get(url, headers={"Accept-Language": "nl"}).content.decode()
    english = member_client.get(url, headers={"Accept-Language": "en"}).content.decode()
    assert "Translation" in english and "Bookkeeping" in english


def test_profile_has_a_message_button_spaces_and_never_the_email(member_client):
    hub, other = SpaceFactory(name="Hub Porte"), SpaceFactory(name="Other Place")
    profile = make_member(email="very.private@example.org", home_space=hub, offers=["python"])
    profile.other_spaces.add(other)
    html = member_client.get(f"/members/{profile.username}/").content.decode()
    assert f'href="/messages/with/{profile.username}/"' in html
    assert "Send a message" in html
    assert "Hub Porte" in html and "Other Place" in html
    assert "very.private" not in html
    assert "very.private" not in member_client.get("/members/").content.decode()


def test_anonymous_visitor_is_asked_to_log_in_for_a_members_only_profile(client):
    profile = MemberFactory(visibility=V.MEMBERS)
    response = client.get(f"/members/{profile.username}/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_hidden_profiles_are_not_found_except_by_their_owner(member_client):
    hidden = MemberFactory(visibility=V.HIDDEN)
    assert member_client.get(f"/members/{hidden.username}/").status_code == 404
    assert Client().get(f"/members/{hidden.username}/").status_code == 404
    own = logged_in(hidden).get(f"/members/{hidden.username}/")
    assert own.status_code == 200
    assert "Your profile is hidden" in own.content.decode()
    assert Client().get("/members/nobody-by-that-name/").status_code == 404


def test_own_profile_suggests_complementary_members(member):
    from profiles.services import member_set_skills

    member_set_skills(member=member, offered=["python"], wanted=["vertaler"])
    make_member(display_name="Tina Translator", offers=["translation"])
    make_member(display_name="Niels Needs Python", wants=["python"])
    html = logged_in(member).get(f"/members/{member.username}/").content.decode()
    assert "Members who could help you" in html and "Tina Translator" in html
    assert "Members you could help" in html and "Niels Needs Python" in html


def test_other_profile_shows_what_you_have_in_common(member):
    from profiles.services import member_set_skills

    member_set_skills(member=member, offered=["python"], wanted=["vertaler"])
    profile = make_member(offers=["translation"], wants=["python"])
    html = logged_in(member).get(f"/members/{profile.username}/").content.decode()
    assert "can help you with" in html and "You could help" in html


def test_script_tags_in_profile_text_are_rendered_escaped(member_client):
    profile = make_member(
        display_name=f"Eve {SCRIPT}",
        headline=SCRIPT,
        bio=f"Hello\n{SCRIPT}",
        profession=SCRIPT,
        offers=[f"hacking {SCRIPT}"[:60]],
    )
    index_rebuild()  # free text goes through the search index; this member was never committed
    for url in (f"/members/{profile.username}/", "/members/", f"/members/?q={profile.username[:6]}"):
        html = member_client.get(url).content.decode()
        assert SCRIPT not in html
    html = member_client.get(f"/members/{profile.username}/").content.decode()
    assert "&lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt;" in html


# --- edit page -----------------------------------------------------------------------------


def form_data(**overrides) -> dict:
    data = {
        "display_name": "Vera Vertaler",
        "headline": "Freelance translator FR/NL/EN",
        "profession": "Translator",
        "kind": "freelancer",
        "bio": "",
        "visibility": "members",
        "preferred_language": "nl",
        "languages": ["fr", "nl", "en"],
        "skills_offered": "vertaler, traduction, Beëdigd vertaler, ondertiteling",
        "skills_wanted": "comptable, Webdesign",
        "available": "on",
        "offers_paid_service": "on",
        "website": "https://vera.example.be",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_anonymous_visitors_cannot_edit():
    response = Client().get("/members/me/edit/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_edit_page_shows_the_current_profile(member):
    from profiles.services import member_set_skills

    member_set_skills(member=member, offered=["vertaler", "Bierbrouwen"], wanted=[])
    html = logged_in(member).get("/members/me/edit/", headers={"Accept-Language": "fr"}).content.decode()
    assert 'value="Traduction, Bierbrouwen"' in html
    assert "data-suggest-url" in html


def test_saving_the_profile_maps_skills_and_redirects(member):
    hub = SpaceFactory()
    response = logged_in(member).post("/members/me/edit/", form_data(home_space=hub.pk))
    assert response.status_code == 302 and response["Location"] == f"/members/{member.username}/"
    member = Member.objects.get(pk=member.pk)
    assert member.headline == "Freelance translator FR/NL/EN"
    assert member.home_space == hub and member.available and member.offers_paid_service
    assert [tag.skill.slug for tag in member.offered_tags] == ["translation", "subtitling"]
    assert [tag.skill.slug for tag in member.wanted_tags] == ["bookkeeping", "web-design"]
    assert sorted(member.languages.values_list("code", flat=True)) == ["en", "fr", "nl"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"display_name": ""}, "display_name", "This field is required"),
        ({"website": "javascript:alert(1)"}, "website", "Enter a valid URL"),
        ({"kind": "astronaut"}, "kind", "Select a valid choice"),
        ({"visibility": "everyone"}, "visibility", "Select a valid choice"),
        ({"skills_offered": "x" * 70}, "skills_offered", "too long for a skill"),
        ({"skills_wanted": ", ".join(f"s{i}" for i in range(40))}, "skills_wanted", "At most 30 skills"),
        ({"languages": ["xx"]}, "languages", "Select a valid choice"),
        ({"home_space": "999999"}, "home_space", "Select a valid choice"),
    ],
)
def test_bad_profile_input_shows_clear_errors_and_saves_nothing(member, overrides, field, message):
    response = logged_in(member).post("/members/me/edit/", form_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in response.content.decode()
    assert Member.objects.get(pk=member.pk).headline == ""


def test_rejected_values_do_not_leak_into_the_page_header(member):
    member.display_name = "Original Name"
    member.save()
    html = (
        logged_in(member)
        .post("/members/me/edit/", form_data(display_name="New Name", website="nope"))
        .content.decode()
    )
    # the header's menu still shows the saved name
    assert "<summary>Original Name</summary>" in html


def _post_avatar(member, file) -> object:
    return logged_in(member).post("/members/me/edit/", {**form_data(), "avatar": file})


def test_a_photo_is_stored_resized(member):
    response = _post_avatar(member, upload("me.png", image_bytes("PNG", size=(1200, 900)), "image/png"))
    assert response.status_code == 302
    member.refresh_from_db()
    with member.avatar.open("rb") as handle, Image.open(io.BytesIO(handle.read())) as stored:
        assert stored.format == "PNG" and max(stored.size) == 512
    assert member.avatar.url in logged_in(member).get(f"/members/{member.username}/").content.decode()


def test_an_oversized_photo_is_refused(member):
    # real PNG bytes over 5 MB: random pixels do not compress
    noise = Image.frombytes("RGB", (1400, 1400), os.urandom(1400 * 1400 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG", compress_level=0)
    assert buffer.tell() > MAX_AVATAR_BYTES
    response = _post_avatar(member, upload("big.png", buffer.getvalue(), "image/png"))
    assert response.status_code == 200
    assert "the limit is 5 MB" in response.content.decode()
    member.refresh_from_db()
    assert not member.avatar


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.jpg", b"just some text pretending", "not an image we can read"),
        ("page.png", b"<html><script>alert(1)</script></html>", "not an image we can read"),
        ("anim.gif", image_bytes("GIF", mode="P"), "Please upload a JPEG, PNG or WebP photo"),
        ("cut.jpg", image_bytes("JPEG", size=(600, 600))[:700], "not an image we can read"),
        ("bomb.png", image_bytes("PNG", size=(8000, 6000), mode="1"), "too many pixels"),
    ],
    ids=["text", "html", "gif", "truncated-jpeg", "pixel-bomb"],
)
def test_files_that_are_not_acceptable_photos_are_refused(member, name, content, message):
    response = _post_avatar(member, upload(name, content))
    assert response.status_code == 200
    assert "avatar" in response.context["form"].errors
    assert message in response.content.decode()
    member.refresh_from_db()
    assert not member.avatar


def test_a_photo_can_be_removed(member):
    _post_avatar(member, upload("me.jpg", image_bytes("JPEG")))
    member.refresh_from_db()
    assert member.avatar
    logged_in(member).post("/members/me/edit/", {**form_data(), "avatar-clear": "on"})
    member.refresh_from_db()
    assert not member.avatar


# --- autocomplete --------------------------------------------------------------------------


def test_skill_suggestions_endpoint(member_client):
    make_member(offers=["vertaler"])
    data = member_client.get("/members/skills/suggest/?prefix=vert", headers={"Accept-Language": "nl"}).json()
    assert data["results"][0] == {"name": "Vertaling", "slug": "translation", "count": 1}
    assert member_client.get("/members/skills/suggest/?prefix=").json() == {"results": []}
    assert member_client.get("/members/skills/suggest/?prefix=" + "%C3" * 40).status_code == 200


@pytest.mark.parametrize("viewer", ["anonymous", "member"])
def test_skill_suggestions_never_show_or_count_a_hidden_members_tags(
    viewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_member(offers=["Xylographie secrète", "translation"], visibility=Member.Visibility.HIDDEN)
        make_member(offers=["translation"], visibility=Member.Visibility.PUBLIC)
    client, api_client = Client(), Client()
    api_client.force_login(MemberFactory())  # the API answers members only
    if viewer == "member":
        client = api_client

    page = client.get("/members/skills/suggest/", {"prefix": "xylo"}).json()
    api = api_client.get("/api/skills/suggest", {"prefix": "xylo"}).json()
    translation = client.get("/members/skills/suggest/", {"prefix": "transl"}).json()
    api_translation = api_client.get("/api/skills/suggest", {"prefix": "transl"}).json()

    assert page == api == {"results": []}
    assert translation["results"][0]["count"] == api_translation["results"][0]["count"] == 1


def test_own_profile_queries_do_not_grow_with_the_matches(
    member, django_assert_max_num_queries, django_assert_num_queries
):
    from profiles.services import member_set_skills

    hub, other = SpaceFactory(), SpaceFactory()
    member.home_space = hub
    member.save()
    member_set_skills(member=member, offered=["python"], wanted=["translation", "seo"])
    client = logged_in(member)

    def add(count: int, space) -> None:
        for _ in range(count):
            make_member(home_space=space, offers=["translation", "seo"], wants=["python"], languages=["fr"])

    add(1, hub)
    add(1, other)
    with django_assert_max_num_queries(40) as few:
        client.get(f"/members/{member.username}/")
    # more matches, still under six in the home space so both rankings run again
    add(3, hub)
    add(8, other)
    with django_assert_num_queries(len(few)):
        response = client.get(f"/members/{member.username}/")
    assert len(response.context["complements"].could_help_you) == 6
    assert [m.home_space_id for m in response.context["complements"].could_help_you[:4]] == [hub.pk] * 4

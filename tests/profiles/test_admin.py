"""The admin for members and skills: lists, filters, inline skills and merging free tags."""

from __future__ import annotations

import pytest
from django.test import Client

from profiles.models import OfferedSkill, Skill, SkillTag
from profiles.taxonomy import canonical_slug
from tests.factories import MemberFactory, SpaceFactory
from tests.profiles.conftest import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    staff = MemberFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    return client


def test_member_list_filters_by_space_skill_and_kind(admin_client):
    hub = SpaceFactory()
    make_member(display_name="Vera Vertaler", offers=["vertaler"], home_space=hub, kind="freelancer")
    make_member(display_name="Stan Startup", offers=["python"], kind="startup")
    html = admin_client.get("/admin/profiles/member/?offers=translation").content.decode()
    assert "Vera Vertaler" in html and "Stan Startup" not in html
    assert "Translation" in html  # the skills column
    html = admin_client.get(f"/admin/profiles/member/?home_space__id__exact={hub.pk}").content.decode()
    assert "Vera Vertaler" in html and "Stan Startup" not in html
    html = admin_client.get("/admin/profiles/member/?kind=startup&q=stan").content.decode()
    assert "Stan Startup" in html and "Vera Vertaler" not in html


def test_member_change_page_shows_skills_inline(admin_client):
    member = make_member(offers=["vertaler"], wants=["comptable"])
    response = admin_client.get(f"/admin/profiles/member/{member.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "skills offered" in html.lower() and "skills looked for" in html.lower()


def test_admin_merges_free_tags_into_a_canonical_skill(admin_client):
    a, b = MemberFactory(), MemberFactory()
    a.skills_offered.add("vertaalwerk")
    b.skills_offered.add("vertaalwerk", "vertaal-werk")
    free = SkillTag.objects.filter(name__in=["vertaalwerk", "vertaal-werk"])
    ids = [str(tag.pk) for tag in free]
    # when the admin picks the action, then sees the confirmation page
    confirm = admin_client.post(
        "/admin/profiles/skilltag/", {"action": "merge_into_skill", "_selected_action": ids}
    )
    assert confirm.status_code == 200
    assert "Merge free tags into a canonical skill" in confirm.content.decode()
    # and applies it with the target skill
    translation = Skill.objects.get(slug="translation")
    done = admin_client.post(
        "/admin/profiles/skilltag/",
        {"action": "merge_into_skill", "_selected_action": ids, "apply": "1", "skill": translation.pk},
        follow=True,
    )
    assert "2 tags merged" in done.content.decode()
    target = SkillTag.objects.get(skill=translation)
    assert OfferedSkill.objects.filter(tag=target, content_object__in=[a, b]).count() == 2
    assert not SkillTag.objects.filter(pk__in=ids).exists()
    assert canonical_slug("vertaalwerk") == "translation"


def test_merge_without_a_chosen_skill_asks_again(admin_client):
    MemberFactory().skills_offered.add("vertaalwerk")
    tag = SkillTag.objects.get(name="vertaalwerk")
    response = admin_client.post(
        "/admin/profiles/skilltag/",
        {"action": "merge_into_skill", "_selected_action": [tag.pk], "apply": "1", "skill": "999999"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert SkillTag.objects.filter(pk=tag.pk).exists()


def test_editing_synonyms_in_the_admin_changes_the_mapping(admin_client):
    skill = Skill.objects.get(slug="garden-architecture")
    assert canonical_slug("tuinmagiër") is None
    data = {
        "slug": skill.slug,
        "category": skill.category_id,
        "name_en": skill.name_en,
        "name_fr": skill.name_fr,
        "name_nl": skill.name_nl,
        "synonyms": skill.synonyms + "\ntuinmagiër",
        "tag-TOTAL_FORMS": "1",
        "tag-INITIAL_FORMS": "1",
        "tag-MIN_NUM_FORMS": "0",
        "tag-MAX_NUM_FORMS": "1",
        "tag-0-id": SkillTag.objects.get(skill=skill).pk,
        "tag-0-skill": skill.pk,
        "tag-0-name": SkillTag.objects.get(skill=skill).name,
        "tag-0-slug": SkillTag.objects.get(skill=skill).slug,
    }
    response = admin_client.post(f"/admin/profiles/skill/{skill.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert canonical_slug("Tuinmagiër") == "garden-architecture"


def test_skill_and_tag_lists_load(admin_client):
    make_member(offers=["vertaler", "Bierbrouwen"])
    assert admin_client.get("/admin/profiles/skill/?q=vertaler").status_code == 200
    html = admin_client.get("/admin/profiles/skilltag/?kind=free").content.decode()
    assert "Bierbrouwen" in html and "Translation" not in html

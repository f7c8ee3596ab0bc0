"""Profile and skill writes: taxonomy mapping, free tags, validation, photos, merging tags."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed
from PIL import Image

from profiles.models import Member, OfferedSkill, Skill, SkillTag, WantedSkill
from profiles.services import (
    member_set_skills,
    member_update_profile,
    skill_tags_merge,
)
from tests.factories import MemberFactory, SpaceFactory
from tests.profiles.conftest import image_bytes, make_member, upload

pytestmark = pytest.mark.django_db


def test_typed_terms_in_three_languages_become_one_canonical_skill(member):
    # given terms in Dutch, French and English for the same skill, and one nobody foresaw
    # when the member saves them
    result = member_set_skills(
        member=member,
        offered=["vertaler", "Traductrice", "translation", "Brouwen van bier"],
        wanted=["comptable"],
    )
    # then the three land on the translation skill's tag once, the odd one stays a free tag
    translation = SkillTag.objects.get(skill__slug="translation")
    assert [tag.pk for tag in result.offered][0] == translation.pk
    assert len(result.offered) == 2
    assert result.offered[1].skill is None and result.offered[1].name == "Brouwen van bier"
    assert [tag.label for tag in member.offered_tags] == ["Translation", "Brouwen van bier"]
    assert [tag.skill.slug for tag in member.wanted_tags] == ["bookkeeping"]


def test_free_tags_are_shared_whatever_the_case_and_accents(member, other_member):
    member_set_skills(member=member, offered=["Décoration florale"], wanted=[])
    member_set_skills(member=other_member, offered=["decoration  FLORALE"], wanted=[])
    assert SkillTag.objects.filter(normalized="decoration florale").count() == 1
    assert other_member.offered_tags[0].name == "Décoration florale"


def test_setting_skills_replaces_the_previous_lists_in_the_given_order(member):
    member_set_skills(member=member, offered=["python", "graphiste"], wanted=["seo"])
    member_set_skills(member=member, offered=["tuinarchitect", "python"], wanted=[])
    assert [tag.skill.slug for tag in member.offered_tags] == ["garden-architecture", "python"]
    assert member.wanted_tags == []
    assert OfferedSkill.objects.filter(content_object=member).count() == 2


def test_setting_skills_announces_the_change_through_m2m_changed(member):
    # given a listener like the search index's
    seen = []

    def listener(sender, instance, action, **kwargs):
        seen.append((sender, instance.pk, action))

    m2m_changed.connect(listener)
    try:
        member_set_skills(member=member, offered=["vertaler"], wanted=["seo"])
    finally:
        m2m_changed.disconnect(listener)
    assert (OfferedSkill, member.pk, "post_add") in seen
    assert (WantedSkill, member.pk, "post_add") in seen


@pytest.mark.parametrize(
    "offered",
    [
        ["x" * 61],
        [f"skill {i}" for i in range(31)],
        ["!!!"],
    ],
    ids=["too-long", "too-many", "no-letters"],
)
def test_unreasonable_skill_lists_are_refused_and_nothing_is_written(member, offered):
    member_set_skills(member=member, offered=["python"], wanted=[])
    with pytest.raises(ValidationError):
        member_set_skills(member=member, offered=offered, wanted=[])
    assert [tag.skill.slug for tag in member.offered_tags] == ["python"]


def test_update_profile_changes_only_the_given_fields(member):
    home, other = SpaceFactory(), SpaceFactory()
    member_update_profile(
        member=member,
        headline="  Freelance translator FR/NL/EN  ",
        home_space=home,
        languages=["fr", "nl", "fr"],
        other_spaces=[home, other],
        skills_offered=["vertaler"],
        skills_wanted=[],
    )
    member.refresh_from_db()
    assert member.headline == "Freelance translator FR/NL/EN"
    assert member.home_space == home
    assert sorted(member.languages.values_list("code", flat=True)) == ["fr", "nl"]
    assert list(member.other_spaces.all()) == [other]  # the home space is not repeated
    assert member.offered_tags[0].skill.slug == "translation"


def test_update_profile_refuses_bad_values_and_unknown_fields(member):
    with pytest.raises(ValidationError) as error:
        member_update_profile(member=member, website="javascript:alert(1)")
    assert "website" in error.value.error_dict
    with pytest.raises(ValidationError):
        member_update_profile(member=member, kind="astronaut")
    with pytest.raises(TypeError):
        member_update_profile(member=member, email="new@example.org")
    member.refresh_from_db()
    assert member.website == ""


def test_a_bad_skill_list_rolls_the_whole_profile_update_back(member):
    with pytest.raises(ValidationError):
        member_update_profile(member=member, headline="Changed", skills_offered=["x" * 80])
    member.refresh_from_db()
    assert member.headline == ""


def test_photo_is_resized_to_512_pixels_and_stripped_of_exif(member):
    # given a big JPEG carrying EXIF data (a camera's position, say)
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    content = image_bytes("JPEG", size=(2000, 1000), exif=exif.tobytes())
    # when it becomes the member's photo
    member_update_profile(member=member, avatar=upload("me.jpg", content))
    # then the stored file is a JPEG at most 512 pixels wide, without EXIF
    member.refresh_from_db()
    with member.avatar.open("rb") as handle, Image.open(io.BytesIO(handle.read())) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (512, 256)
        assert not stored.getexif()


def test_replacing_a_photo_deletes_the_old_file_after_commit(member, django_capture_on_commit_callbacks):
    member_update_profile(member=member, avatar=upload("a.png", image_bytes("PNG"), "image/png"))
    old = member.avatar.name
    storage = member.avatar.storage
    with django_capture_on_commit_callbacks(execute=True):
        member_update_profile(member=member, avatar=upload("b.webp", image_bytes("WEBP"), "image/webp"))
    assert member.avatar.name.endswith(".webp")
    assert not storage.exists(old)
    assert storage.exists(member.avatar.name)


def test_a_text_file_is_not_accepted_as_a_photo(member):
    with pytest.raises(ValidationError) as error:
        member_update_profile(member=member, avatar=upload("me.jpg", b"not an image at all"))
    assert error.value.code == "not_an_image"
    member.refresh_from_db()
    assert not member.avatar


def _free_tagged(offers=(), wants=()):
    member = MemberFactory()
    member.skills_offered.add(*offers)
    member.skills_wanted.add(*wants)
    return member


def test_merging_free_tags_repoints_members_without_duplicates():
    # given three spellings of the same skill as free tags, and one member with the canonical skill too
    a = _free_tagged(offers=["vertaalwerk"])
    b = _free_tagged(offers=["vertaal-werk", "vertaalwerk"], wants=["vertaal werk"])
    c = make_member(offers=["translation", "python"])
    c.skills_offered.add("vertaalwerk")
    free = list(SkillTag.objects.filter(name__in=["vertaalwerk", "vertaal-werk", "vertaal werk"]))
    translation = Skill.objects.get(slug="translation")
    # when an admin merges them into "translation"
    result = skill_tags_merge(tags=free, skill=translation)
    # then every member offers translation exactly once, the free tags are gone
    target = SkillTag.objects.get(skill=translation)
    for member in (a, b, c):
        assert OfferedSkill.objects.filter(content_object=member, tag=target).count() == 1
    assert WantedSkill.objects.filter(content_object=b, tag=target).count() == 1
    assert not SkillTag.objects.filter(pk__in=[tag.pk for tag in free]).exists()
    assert (result.moved, result.duplicates_dropped, result.tags_deleted) == (3, 1, 3)
    # and the same words typed later go straight to the skill
    assert member_set_skills(member=a, offered=["Vertaal-werk"], wanted=[]).offered == [target]
    assert "python" in [tag.skill.slug for tag in Member.objects.get(pk=c.pk).offered_tags]


def test_merging_leaves_canonical_tags_alone():
    python = SkillTag.objects.get(skill__slug="python")
    result = skill_tags_merge(tags=[python], skill=Skill.objects.get(slug="javascript"))
    assert result.tags_deleted == 0
    assert SkillTag.objects.filter(pk=python.pk, skill__slug="python").exists()

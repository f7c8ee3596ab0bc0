"""Writes for members, their profiles and their skills.

The HTML views, the admin, the JSON API and management commands all come through here. The
search index follows these writes through its own signal receivers (model saves and taggit's
m2m_changed), after the transaction commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.core.jobs import enqueue_after_commit
from profiles.avatars import avatar_resize, avatar_validate
from profiles.models import (
    FORMER_MEMBER_USERNAME,
    Consent,
    DataExport,
    Language,
    LegalText,
    Member,
    OfferedSkill,
    Skill,
    SkillTag,
    WantedSkill,
)
from profiles.tasks import build_data_export
from profiles.taxonomy import canonical_slug
from profiles.terms import normalize_term

if TYPE_CHECKING:  # a member's spaces are the network's; profiles only stores the link
    from community.network.models import Space

MAX_SKILLS_PER_LIST = 30
MAX_SKILL_LENGTH = 60

# What `member_update_profile` may change, in the order the profile form shows it; the rest
# (username, email, password) has its own paths.
PROFILE_FIELDS = (
    "display_name",
    "headline",
    "profession",
    "kind",
    "bio",
    "home_space",
    "website",
    "linkedin",
    "social_link",
    "available",
    "offers_free_advice",
    "offers_paid_service",
    "offers_skill_swap",
    "visibility",
    "preferred_language",
)


def member_create(
    *, username: str, email: str, display_name: str, password: str, consented: bool = False
) -> Member:
    """Create an active member with a usable password. Validation is the caller's form's job.

    With `consented` (the signup form's box), the member accepted the current terms and privacy
    notice: which versions, and when, are recorded with the account."""
    with transaction.atomic():
        member = Member(username=username, email=email.strip().lower(), display_name=display_name.strip())
        member.set_password(password)
        member.save()
        if consented:
            consents_record(member=member)
    return member


def consents_record(*, member: Member) -> list[Consent]:
    """Record that the member accepted the current version of the terms and of the privacy notice
    (version 0 when the managers have written none yet)."""
    now = timezone.now()
    consents = []
    for kind in LegalText.Kind.values:
        newest = (
            LegalText.objects.filter(kind=kind, published_at__lte=now)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        consents.append(Consent(member=member, kind=kind, version=newest or 0, accepted_at=now))
    return Consent.objects.bulk_create(consents)


def split_skill_terms(text: str) -> list[str]:
    """A comma- or newline-separated list as typed, trimmed, blanks dropped."""
    return [part.strip() for part in text.replace("\n", ",").replace(";", ",").split(",") if part.strip()]


def validate_skill_terms(terms: Sequence[str]) -> None:
    """Raise ValidationError for a list a member could not have meant (too long, too many)."""
    if len(terms) > MAX_SKILLS_PER_LIST:
        raise ValidationError(
            _("At most %(limit)d skills, please (you gave %(count)d)."),
            code="too_many",
            params={"limit": MAX_SKILLS_PER_LIST, "count": len(terms)},
        )
    for term in terms:
        if len(term) > MAX_SKILL_LENGTH:
            raise ValidationError(
                _("“%(term)s…” is too long for a skill (%(limit)d characters at most)."),
                code="too_long",
                params={"term": term[:20], "limit": MAX_SKILL_LENGTH},
            )
        if not normalize_term(term):
            raise ValidationError(
                _("“%(term)s” is not a skill: use letters or digits."),
                code="no_letters",
                params={"term": term},
            )


def skill_ensure_tag(*, skill: Skill) -> SkillTag:
    """The skill's taggit tag, created (or adopted from a free tag of the same name) when missing."""
    tag = SkillTag.objects.filter(skill=skill).first()
    if tag is not None:
        return tag
    with transaction.atomic():
        tag = SkillTag.objects.select_for_update().filter(name__iexact=skill.name_en).first()
        if tag is not None and tag.skill_id is None:
            tag.skill = skill
            tag.save(update_fields=["skill", "normalized"])
            return tag
        name = skill.name_en if tag is None else f"{skill.name_en} ({skill.slug})"
        return SkillTag.objects.create(name=name, skill=skill)


def skill_tags_for_terms(terms: Iterable[str]) -> list[SkillTag]:
    """Typed terms -> tags, order kept, duplicates dropped.

    A term the taxonomy knows ("vertaler", "Traductrice", "translation") becomes the canonical
    skill's tag; another term reuses the free tag with the same folded form, or makes a new one.
    """
    tags: dict[int, SkillTag] = {}
    for term in terms:
        term = " ".join(term.split())
        if not term:
            continue
        tag = _canonical_tag(term) or _free_tag(term)
        tags.setdefault(tag.pk, tag)
    return list(tags.values())


def _canonical_tag(term: str) -> SkillTag | None:
    slug = canonical_slug(term)
    if slug is None:
        return None
    # The cached index may be a moment behind an admin edit: a vanished skill makes a free tag.
    skill = Skill.objects.filter(slug=slug).first()
    return skill_ensure_tag(skill=skill) if skill else None


def _free_tag(term: str) -> SkillTag:
    key = normalize_term(term)[:100]
    existing = SkillTag.objects.filter(normalized=key).order_by("skill_id", "pk").first()
    if existing is None:
        existing = SkillTag.objects.filter(name__iexact=term).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return SkillTag.objects.create(name=term[:100])
    except IntegrityError:
        # Someone created it between our read and our insert.
        return SkillTag.objects.get(name__iexact=term[:100])


@dataclass(frozen=True)
class MemberSkills:
    offered: list[SkillTag]
    wanted: list[SkillTag]


def member_set_skills(*, member: Member, offered: list[str], wanted: list[str]) -> MemberSkills:
    """Replace what the member offers and looks for with the given terms.

    Terms are mapped to canonical skill tags through the taxonomy (case and accents folded, in
    French, Dutch or English); unknown terms stay free tags. Raises ValidationError for too many
    or too long terms. Both lists are written in one transaction; taggit sends m2m_changed, which
    the search index follows.
    """
    validate_skill_terms(offered)
    validate_skill_terms(wanted)
    with transaction.atomic():
        offered_tags = skill_tags_for_terms(offered)
        wanted_tags = skill_tags_for_terms(wanted)
        _replace_items(member=member, through=OfferedSkill, manager=member.skills_offered, tags=offered_tags)
        _replace_items(member=member, through=WantedSkill, manager=member.skills_wanted, tags=wanted_tags)
    for relation in ("offered_items", "wanted_items"):
        getattr(member, "_prefetched_objects_cache", {}).pop(relation, None)
    return MemberSkills(offered=offered_tags, wanted=wanted_tags)


def _replace_items(*, member: Member, through, manager, tags: list[SkillTag]) -> None:
    """Set the member's tags so the rows' order is the order given (pages show them that way)."""
    current = list(
        through.objects.filter(content_object=member).order_by("id").values_list("tag_id", flat=True)
    )
    if current == [tag.pk for tag in tags]:
        return
    # taggit's own remove/add so m2m_changed fires for whoever listens (the search index).
    manager.clear()
    manager.add(*tags)


def member_update_profile(
    *,
    member: Member,
    languages: Iterable[str] | None = None,
    other_spaces: Iterable[Space] | None = None,
    avatar: UploadedFile | None = None,
    remove_avatar: bool = False,
    skills_offered: list[str] | None = None,
    skills_wanted: list[str] | None = None,
    **fields,
) -> Member:
    """Update the profile fields given (only those), languages, other spaces, the photo and,
    when given, both skill lists (see `member_set_skills`), all in one transaction.

    Field values are checked against the model (ValidationError); a new photo is checked
    (JPEG/PNG/WebP, 5 MB) and stored re-encoded at 512 px at most; the replaced photo file is
    deleted once the change is committed. Email and username are never touched here.
    """
    unknown = set(fields).difference(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"member_update_profile() got unexpected fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        if isinstance(value, str) and name not in ("bio",):
            value = value.strip()
        setattr(member, name, value)
    old_avatar_name = member.avatar.name if member.avatar else ""
    if avatar is not None:
        avatar_validate(avatar)
        member.avatar = avatar_resize(avatar, username=member.username)
    elif remove_avatar:
        member.avatar = None
    changed = set(fields) | ({"avatar"} if avatar is not None or remove_avatar else set())
    member.clean_fields(exclude=[f.name for f in Member._meta.concrete_fields if f.name not in changed])
    with transaction.atomic():
        if changed:
            # save() writes the file under avatars/ when the photo is new.
            member.save(
                update_fields=sorted(changed | ({"display_name"} if not member.display_name else set()))
            )
        if languages is not None:
            codes = list(dict.fromkeys(code for code in languages if code))
            for code in codes:
                Language.objects.get_or_create(code=code)
            member.languages.set(codes)
        if other_spaces is not None:
            member.other_spaces.set([space for space in other_spaces if space.pk != member.home_space_id])
        if skills_offered is not None or skills_wanted is not None:
            member_set_skills(
                member=member,
                offered=skills_offered
                if skills_offered is not None
                else [t.name for t in member.offered_tags],
                wanted=skills_wanted if skills_wanted is not None else [t.name for t in member.wanted_tags],
            )
        new_avatar_name = member.avatar.name if member.avatar else ""
        if old_avatar_name and old_avatar_name != new_avatar_name:
            storage = Member._meta.get_field("avatar").storage
            transaction.on_commit(lambda: storage.delete(old_avatar_name))
    return member


@dataclass(frozen=True)
class MergeResult:
    moved: int
    duplicates_dropped: int
    tags_deleted: int


def skill_tags_merge(*, tags: Iterable[SkillTag], skill: Skill) -> MergeResult:
    """Fold free tags into a canonical skill: every member who offered or wanted one of them now
    offers or wants the skill (never twice), the free tags are deleted and their names become
    synonyms of the skill, so the same words typed later land on the skill directly.
    """
    with transaction.atomic():
        target = skill_ensure_tag(skill=skill)
        sources = [tag for tag in tags if tag.pk != target.pk and tag.skill_id is None]
        if not sources:
            return MergeResult(moved=0, duplicates_dropped=0, tags_deleted=0)
        source_ids = [tag.pk for tag in sources]
        source_names = [tag.name for tag in sources]
        moved = dropped = 0
        for through, manager_name in ((OfferedSkill, "skills_offered"), (WantedSkill, "skills_wanted")):
            has_target = set(through.objects.filter(tag=target).values_list("content_object_id", flat=True))
            member_ids = set(
                through.objects.filter(tag_id__in=source_ids).values_list("content_object_id", flat=True)
            )
            # Through taggit's managers, one member at a time, so m2m_changed reaches the search index.
            for member in Member.objects.filter(pk__in=member_ids).order_by("pk"):
                manager = getattr(member, manager_name)
                manager.remove(*source_names)
                if member.pk in has_target:
                    dropped += 1
                else:
                    manager.add(target)
                    moved += 1
        known = set(skill.synonym_list())
        new_synonyms = [tag.name.lower() for tag in sources if tag.name.lower() not in known]
        if new_synonyms:
            skill.synonyms = "\n".join([*skill.synonym_list(), *dict.fromkeys(new_synonyms)])
            skill.save(update_fields=["synonyms"])  # post_save drops the cached term index
        SkillTag.objects.filter(pk__in=source_ids).delete()
    return MergeResult(moved=moved, duplicates_dropped=dropped, tags_deleted=len(sources))


def member_former() -> Member:
    """The "former member" account (created the first time a member leaves)."""
    member, created = Member.objects.get_or_create(
        username=FORMER_MEMBER_USERNAME,
        defaults={
            "email": "former-member@invalid",
            "display_name": "Former member",
            "is_active": False,
            "visibility": Member.Visibility.HIDDEN,
        },
    )
    if created:
        member.set_unusable_password()
        member.save(update_fields=["password"])
    return member


def data_export_request(*, member: Member) -> DataExport:
    """A new "download my data" export, built by the job queue after commit (profiles.privacy);
    the pending one if the member already asked and it is not ready yet."""
    with transaction.atomic():
        pending = DataExport.objects.filter(member=member, status=DataExport.Status.PENDING).first()
        if pending is not None:
            return pending
        export = DataExport.objects.create(member=member, token=secrets.token_urlsafe(32))
        enqueue_after_commit(build_data_export, export.pk)
    return export

"""What the search index knows about a member, or a chat message, built in bulk from the database.

One MemberDocument per searchable member, the same for every backend. A member who is hidden,
inactive or deleted has no document: the index must not contain them. One MessageDocument per
message with text; a message deleted (the row gone, or soft-deleted: `deleted_at` set, body
emptied) has none, and is removed from the index.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache

from community.network.models import Space
from community.network.selectors import member_space_ids
from messaging.models import Message
from profiles.models import Member, OfferedSkill
from profiles.visibility import listed_members, listed_members_q
from search.text import analyze_message, analyze_to_text, strip_controls


@dataclass
class SkillRef:
    """One offered skill: `key` is the canonical skill slug, or the free tag's slug."""

    key: str
    name: str
    labels: tuple[str, ...] = ()
    canonical: bool = False


@dataclass
class MemberDocument:
    member_id: int
    username: str
    display_name: str
    headline: str
    profession: str
    bio: str
    visibility: str
    available: bool
    skills: list[SkillRef] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    home_space_id: int | None = None
    home_space: str | None = None
    region: str = ""
    spaces: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)

    @property
    def skill_keys(self) -> list[str]:
        return [skill.key for skill in self.skills]

    @property
    def canonical_keys(self) -> list[str]:
        return [skill.key for skill in self.skills if skill.canonical]

    @property
    def skills_text(self) -> str:
        """Every name of every offered skill, in the three languages (the strongest field)."""
        names: list[str] = []
        for skill in self.skills:
            names.extend(dict.fromkeys((skill.name, *skill.labels)))
        return " · ".join(names)

    def analysed(self) -> dict[str, str]:
        """Field -> analysed terms (search.text.analyze), the form both backends index."""
        return {
            "canon": " ".join(canonical_token(key) for key in self.canonical_keys),
            "skills": analyze_to_text(self.skills_text),
            "headline": analyze_to_text(self.headline),
            "profession": analyze_to_text(self.profession),
            "bio": analyze_to_text(self.bio),
            "name": analyze_to_text(f"{self.display_name} {self.username}"),
        }

    @property
    def content_hash(self) -> str:
        """Changes whenever anything the index holds changes (for `search_index --check`)."""
        payload = json.dumps(
            [
                self.member_id,
                self.username,
                self.display_name,
                self.headline,
                self.profession,
                self.bio,
                self.visibility,
                self.available,
                [[s.key, s.name, *s.labels] for s in self.skills],
                self.languages,
                self.home_space_id,
                self.home_space,
                self.region,
                self.spaces,
                self.regions,
            ],
            ensure_ascii=False,
        )
        return hashlib.sha1(payload.encode()).hexdigest()


@lru_cache(maxsize=4096)
def canonical_token(slug: str) -> str:
    """The single index token standing for a canonical skill ("3d-modelling" -> "sk3dmodelling")."""
    return "sk" + "".join(ch for ch in slug if ch.isalnum())


def _clean(text: str) -> str:
    return strip_controls(text or "")


def load_documents(member_ids: Iterable[int]) -> dict[int, MemberDocument | None]:
    """Documents for these members; None for those that must not be in the index."""
    ids = list(dict.fromkeys(int(i) for i in member_ids))
    result: dict[int, MemberDocument | None] = dict.fromkeys(ids)
    if not ids:
        return result
    for document in _build(Member.objects.filter(id__in=ids), {"__in": ids}):
        result[document.member_id] = document
    return result


def iter_documents(batch_size: int = 2000) -> Iterator[list[MemberDocument]]:
    """Every searchable member's document, in batches of ids, for a rebuild or a check."""
    last = 0
    while True:
        ids = list(
            searchable_members().filter(id__gt=last).order_by("id").values_list("id", flat=True)[:batch_size]
        )
        if not ids:
            return
        last = ids[-1]
        # A range rather than a list of ids: far cheaper to send and to look up.
        yield list(_build(Member.objects.filter(id__range=(ids[0], last)), {"__range": (ids[0], last)}))


def searchable_members():
    """Members the index must hold: those some viewer may see listed (profiles.visibility)."""
    return listed_members()


def _space_map() -> dict[int, tuple[str, str]]:
    return {pk: (slug, region) for pk, slug, region in Space.objects.values_list("id", "slug", "region")}


def _build(queryset, members: dict[str, object]) -> Iterator[MemberDocument]:
    """Documents of the members of `queryset`; `members` is the same selection as a lookup
    suffix and value ({"__in": ids} or {"__range": (first, last)}) for the related tables."""
    # values() rather than model instances and prefetches: a rebuild of 100,000 members must
    # stay well under a minute.
    rows = list(
        queryset.filter(listed_members_q()).values_list(
            "id",
            "username",
            "display_name",
            "headline",
            "profession",
            "bio",
            "visibility",
            "available",
            "home_space_id",
        )
    )
    if not rows:
        return
    ((suffix, value),) = members.items()
    spaces = _space_map()
    skills: dict[int, list[SkillRef]] = defaultdict(list)
    offered = (
        OfferedSkill.objects.filter(**{f"content_object__id{suffix}": value})
        .order_by("id")
        .values_list(
            "content_object_id",
            "tag__slug",
            "tag__name",
            "tag__skill__slug",
            "tag__skill__name_en",
            "tag__skill__name_fr",
            "tag__skill__name_nl",
        )
    )
    for member_id, tag_slug, tag_name, skill_slug, en, fr, nl in offered:
        if skill_slug:
            skills[member_id].append(SkillRef(skill_slug, _clean(tag_name), (en, fr, nl), True))
        else:
            skills[member_id].append(SkillRef(tag_slug, _clean(tag_name)))
    languages: dict[int, list[str]] = defaultdict(list)
    for member_id, code in (
        Member.languages.through.objects.filter(**{f"member__id{suffix}": value})
        .order_by("language_id")
        .values_list("member_id", "language_id")
    ):
        languages[member_id].append(code)
    belongs = member_space_ids(member_ids=Member.objects.filter(**{f"id{suffix}": value}).values("pk"))

    for member_id, username, display_name, headline, profession, bio, visibility, available, home_id in rows:
        home = spaces.get(home_id) if home_id else None
        visited = [spaces[s] for s in sorted(belongs.get(member_id, ())) if s in spaces and s != home_id]
        space_slugs = ([home[0]] if home else []) + [slug for slug, _ in visited]
        regions = ([home[1]] if home else []) + [region for _, region in visited]
        yield MemberDocument(
            member_id=member_id,
            username=username,
            display_name=_clean(display_name),
            headline=_clean(headline),
            profession=_clean(profession),
            bio=_clean(bio),
            visibility=visibility,
            available=bool(available),
            skills=skills.get(member_id, []),
            languages=languages.get(member_id, []),
            home_space_id=home_id if home else None,
            home_space=home[0] if home else None,
            region=home[1] if home else "",
            spaces=list(dict.fromkeys(space_slugs)),
            regions=list(dict.fromkeys(regions)),
        )


# --- messages -------------------------------------------------------------------------------


@dataclass
class MessageDocument:
    """A chat message as every backend indexes it: its analysed terms and what searches filter
    and sort on. Who may read it is not stored: searches filter on the conversations the
    searcher may read (messaging.selectors.readable_conversation_ids), asked at search time."""

    message_id: int
    conversation_id: int
    sender_id: int
    created: datetime
    body: str

    @property
    def terms(self) -> str:
        return " ".join(analyze_message(self.body))


@cache
def _soft_delete() -> bool:
    # Soft delete (Message.deleted_at) arrives with message editing: read it once it exists.
    return any(f.name == "deleted_at" for f in Message._meta.get_fields())


MESSAGE_COLUMNS = ("id", "conversation_id", "sender_id", "created", "body")


def _message_documents(queryset) -> Iterator[MessageDocument]:
    columns = (*MESSAGE_COLUMNS, "deleted_at") if _soft_delete() else MESSAGE_COLUMNS
    for row in queryset.values(*columns):
        if row.get("deleted_at") is not None or not (row["body"] or "").strip():
            continue
        yield MessageDocument(
            message_id=row["id"],
            conversation_id=row["conversation_id"],
            sender_id=row["sender_id"],
            created=row["created"],
            body=_clean(row["body"]),
        )


def load_message_documents(message_ids: Iterable[int]) -> dict[int, MessageDocument | None]:
    """Documents for these messages; None for those that must not be in the index (gone,
    deleted, empty)."""
    ids = list(dict.fromkeys(int(i) for i in message_ids))
    result: dict[int, MessageDocument | None] = dict.fromkeys(ids)
    if ids:
        for document in _message_documents(Message.objects.filter(id__in=ids)):
            result[document.message_id] = document
    return result


def iter_message_documents(batch_size: int = 5000) -> Iterator[list[MessageDocument]]:
    """Every indexable message's document, in batches of ids, for a rebuild."""
    last = 0
    while True:
        ids = list(
            Message.objects.filter(id__gt=last).order_by("id").values_list("id", flat=True)[:batch_size]
        )
        if not ids:
            return
        last = ids[-1]
        yield list(_message_documents(Message.objects.filter(id__range=(ids[0], last)).order_by("id")))

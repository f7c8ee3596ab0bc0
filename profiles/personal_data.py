"""The member's own data in profiles: the account, the profile, skills, languages, API tokens.

Registered with community.core.personal_data from ProfilesConfig.ready, so the export and the
erasure read the same list. The member row itself is deleted last, by `member_erase`.
"""

from __future__ import annotations

import posixpath

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.utils import timezone

from community.core.personal_data import PersonalDataSource, PersonalFile, personal_data_register
from profiles.models import ApiToken, Consent, DataExport, Member


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def profile_export(member: Member) -> dict:
    return {
        "username": member.username,
        "email": member.email,
        "display_name": member.display_name,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "headline": member.headline,
        "bio": member.bio,
        "profession": member.profession,
        "kind": member.kind,
        "website": member.website,
        "linkedin": member.linkedin,
        "social_link": member.social_link,
        "available": member.available,
        "offers_free_advice": member.offers_free_advice,
        "offers_paid_service": member.offers_paid_service,
        "offers_skill_swap": member.offers_skill_swap,
        "visibility": member.visibility,
        "preferred_language": member.preferred_language,
        "home_space": member.home_space.slug if member.home_space_id else None,
        "other_spaces": sorted(member.other_spaces.values_list("slug", flat=True)),
        "languages": sorted(member.languages.values_list("code", flat=True)),
        "photo": _avatar_archive_name(member) or None,
        "date_joined": _iso(member.date_joined),
        "last_login": _iso(member.last_login),
    }


def skills_export(member: Member) -> dict:
    return {
        "offered": [tag.name for tag in member.offered_tags],
        "wanted": [tag.name for tag in member.wanted_tags],
    }


def api_tokens_export(member: Member) -> list[dict]:
    # The key is a secret: its name and date are the member's data, the key opens the account.
    return [
        {"name": token.name, "created": _iso(token.created)}
        for token in ApiToken.objects.filter(member=member).order_by("id")
    ]


def _avatar_archive_name(member: Member) -> str:
    return f"files/photo/{posixpath.basename(member.avatar.name)}" if member.avatar else ""


def avatar_files(member: Member) -> list[PersonalFile]:
    if not member.avatar or not member.avatar.storage.exists(member.avatar.name):
        return []
    return [PersonalFile(member.avatar.storage, member.avatar.name, _avatar_archive_name(member))]


def profile_erase(member: Member) -> None:
    if member.avatar:
        member.avatar.storage.delete(member.avatar.name)
    member.languages.clear()
    member.other_spaces.clear()
    sessions_erase(member)
    # The admin's history keeps that staff changed or deleted member #id, not their name.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Member), object_id=str(member.pk)
    ).update(object_repr=f"#{member.pk}", change_message="")


def skills_erase(member: Member) -> None:
    member.skills_offered.clear()
    member.skills_wanted.clear()


def api_tokens_erase(member: Member) -> None:
    ApiToken.objects.filter(member=member).delete()


def sessions_erase(member: Member) -> None:
    """Delete the member's stored sessions (the database session store is Django's default).

    Sessions are signed blobs keyed by a random key: each live one is decoded once. The open
    sockets close through messaging's post_delete receiver (SessionsEnded)."""
    ended = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == str(member.pk)
    ]
    Session.objects.filter(session_key__in=ended).delete()


def consents_export(member: Member) -> list[dict]:
    return [
        {"document": c.kind, "version": c.version, "accepted_at": _iso(c.accepted_at)}
        for c in Consent.objects.filter(member=member)
    ]


def data_exports_export(member: Member) -> list[dict]:
    return [
        {"requested_at": _iso(e.requested_at), "status": e.status}
        for e in DataExport.objects.filter(member=member).order_by("id")
    ]


def register() -> None:
    personal_data_register(
        PersonalDataSource(
            name="consents", export=consents_export, erase=lambda m: Consent.objects.filter(member=m).delete()
        )
    )
    # The archives' files are deleted once the erasure commits (profiles.privacy.member_erase).
    personal_data_register(
        PersonalDataSource(
            name="data_exports",
            export=data_exports_export,
            erase=lambda m: DataExport.objects.filter(member=m).delete(),
        )
    )
    personal_data_register(
        PersonalDataSource(
            name="profile", export=profile_export, erase=profile_erase, files=avatar_files, order=900
        )
    )
    personal_data_register(PersonalDataSource(name="skills", export=skills_export, erase=skills_erase))
    personal_data_register(
        PersonalDataSource(name="api_tokens", export=api_tokens_export, erase=api_tokens_erase)
    )

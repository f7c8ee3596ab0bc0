"""Fixtures for the profiles tests: members with skills, images as real bytes."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from profiles.services import member_set_skills
from profiles.taxonomy import clear_term_index
from tests.factories import MemberFactory


@pytest.fixture(autouse=True)
def fresh_caches():
    # Each test's transaction is rolled back: a skill edited in one test must not linger in the
    # cache, nor the set sizes the directory shapes its queries with.
    clear_term_index()
    cache.clear()
    yield
    clear_term_index()
    cache.clear()


def make_member(*, offers: list[str] = (), wants: list[str] = (), languages: list[str] = (), **fields):
    member = MemberFactory(**fields)
    if offers or wants:
        member_set_skills(member=member, offered=list(offers), wanted=list(wants))
    if languages:
        from profiles.models import Language

        member.languages.set([Language.objects.get_or_create(code=code)[0] for code in languages])
    return member


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (800, 600), mode: str = "RGB", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color=(200, 30, 30) if mode == "RGB" else 0).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)

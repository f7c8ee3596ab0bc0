"""Language choice: the member's saved preference, else the browser's Accept-Language, else English.

Django's LocaleMiddleware handles the cookie and Accept-Language; `MemberLanguageMiddleware`
runs after authentication and lets a logged-in member's saved preference win. The switcher
posts to `set_language`, which also saves the choice on the member.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from profiles.models import Member

SUPPORTED = {code for code, _ in settings.LANGUAGES}


def member_language_save(*, member: Member, language: str) -> None:
    """Remember a member's language; ignores codes we do not offer."""
    if language in SUPPORTED and member.preferred_language != language:
        Member.objects.filter(pk=member.pk).update(preferred_language=language)
        member.preferred_language = language


class MemberLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        preferred = (
            getattr(user, "preferred_language", "") if user is not None and user.is_authenticated else ""
        )
        if preferred in SUPPORTED:
            translation.activate(preferred)
            request.LANGUAGE_CODE = preferred
        response = self.get_response(request)
        if preferred in SUPPORTED:
            response.headers.setdefault("Content-Language", preferred)
        return response


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated:
        member_language_save(member=request.user, language=language)
    return response

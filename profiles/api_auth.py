"""How scripts authenticate to the JSON API: `Authorization: Token <key>` with a member's ApiToken."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import APIKeyHeader

from profiles.models import ApiToken


class TokenAuth(APIKeyHeader):
    """`Authorization: Token <key>`."""

    param_name = "Authorization"

    def authenticate(self, request: HttpRequest, key: str | None):
        if not key or not key.startswith("Token "):
            return None
        token = ApiToken.objects.select_related("member").filter(key=key[6:].strip()).first()
        if token is None or not token.member.is_active:
            return None
        request.user = token.member
        return token.member

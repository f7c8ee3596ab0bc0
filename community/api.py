"""The JSON API under /api/: one NinjaAPI, one router per app, one error shape.

Every error is `{"error": code, "detail": text}` with a 4xx status; bad input never reaches a 500.
"""

from __future__ import annotations

from django.db import DataError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import django_auth

from community.core.errors import ServiceError
from community.core.text import is_storable_text
from community.moderation.api import router as moderation_router
from community.notifications.api import router as notifications_router
from messaging.api import router as messaging_router
from profiles.api_auth import TokenAuth
from search.api import router as search_router


def _all_text_storable(value) -> bool:
    if isinstance(value, str):
        return is_storable_text(value)
    if isinstance(value, dict):
        return all(_all_text_storable(k) and _all_text_storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_all_text_storable(v) for v in value)
    return True


class StorableJsonParser(Parser):
    """JSON bodies as ninja reads them, refusing what no endpoint could store or answer: text with
    a lone surrogate ("\\ud800") and nesting deeper than Python's parser goes (a 400, not a 500)."""

    def parse_body(self, request: HttpRequest):
        try:
            data = super().parse_body(request)
            storable = _all_text_storable(data)
        except RecursionError:
            raise ServiceError("invalid_json", _("This JSON is nested too deeply.")) from None
        if not storable:
            raise ServiceError("invalid_text", _("Text must be valid Unicode (no lone surrogates)."))
        return data


api = NinjaAPI(
    parser=StorableJsonParser(),
    title="Coworking community API",
    version="1",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url=None,
    # The token first: ninja's session auth checks CSRF before it looks for a session, so with it
    # first a script's token POST or PATCH would be refused for want of a CSRF token. Without a
    # token header the session (with its CSRF check) answers.
    auth=[TokenAuth(), django_auth],
)


def error_response(request: HttpRequest, status: int, code: str, detail):
    return api.create_response(request, {"error": code, "detail": detail}, status=status)


@api.exception_handler(ServiceError)
def handle_service_error(request, exc: ServiceError):
    return error_response(request, exc.status, exc.code, exc.detail)


@api.exception_handler(ValidationError)
def handle_validation_error(request, exc: ValidationError):
    fields = []
    for err in exc.errors:
        loc = [str(part) for part in err.get("loc", []) if part not in ("query", "body", "path")]
        fields.append(f"{'.'.join(loc) or 'input'}: {err.get('msg', '')}")
    return error_response(
        request, 400, "invalid", _("Invalid input: %(fields)s") % {"fields": "; ".join(fields)}
    )


@api.exception_handler(AuthenticationError)
def handle_auth_error(request, exc):
    return error_response(request, 401, "unauthenticated", _("Log in or send an API token."))


@api.exception_handler(HttpError)
def handle_http_error(request, exc: HttpError):
    return error_response(request, exc.status_code, "error", str(exc))


@api.exception_handler(Http404)
def handle_not_found(request, exc):
    return error_response(request, 404, "not_found", _("Not found."))


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def handle_out_of_range(request, exc):
    # An id or number too large for the database column (schemathesis found these): bad input, not a 500.
    return error_response(request, 400, "invalid", _("A number in the request is out of range."))


api.add_router("", search_router)
api.add_router("", messaging_router)
api.add_router("", notifications_router)
api.add_router("", moderation_router)

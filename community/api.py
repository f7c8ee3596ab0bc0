"""The JSON API under /api/: one NinjaAPI, one router per app, one error shape.

Every error is `{"error": code, "detail": text}` with a 4xx status; bad input never reaches a 500.
"""

from __future__ import annotations

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from django.views.defaults import server_error as default_server_error
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyHeader, django_auth

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


class ApiError(Exception):
    """Raised by endpoints for a 4xx with a stable error code."""

    def __init__(self, status: int, code: str, detail: str):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


api = NinjaAPI(
    title="Coworking community API",
    version="1",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url=None,
    auth=[django_auth, TokenAuth()],
)


def error_response(request: HttpRequest, status: int, code: str, detail):
    return api.create_response(request, {"error": code, "detail": detail}, status=status)


@api.exception_handler(ApiError)
def handle_api_error(request, exc: ApiError):
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


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: unknown paths under /api/ answer in the API's JSON error shape, pages get the friendly page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": "not_found", "detail": _("No such endpoint.")}, status=404)
    return page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON under /api/ (scripts parse it), the friendly page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": "server_error", "detail": _("Something went wrong on our side.")}, status=500
        )
    return default_server_error(request)


def _register_routers() -> None:
    from messaging.api import router as messaging_router
    from search.api import router as search_router

    api.add_router("", search_router)
    api.add_router("", messaging_router)


_register_routers()

"""The site's error pages: JSON under /api/ (scripts parse it), the friendly page elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from django.views.defaults import server_error as default_server_error


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

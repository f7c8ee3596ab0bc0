"""The project's URLs plus `/bench/minimal/`, a view that does nothing (the benchmark's baseline)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from community.urls import urlpatterns as project_urlpatterns


def minimal(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/minimal/", minimal), *project_urlpatterns]

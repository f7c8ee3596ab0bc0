"""The "who can help me?" page: /search/?q=... with filters, facets and search-as-you-type.

htmx asks the same URL with the HX-Request header while the member types; it gets the results
fragment only. Anonymous visitors search public profiles only.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from search.query import MAX_QUERY_LENGTH
from search.selectors import InvalidSearch, search_members

FILTER_PARAMS = ("skill", "space", "region", "language", "available")
PAGE_SIZE = 20
EXAMPLES = (
    "I need someone to translate my website into Dutch",
    "j'ai besoin d'un graphiste pour mon logo",
    "vertaler Frans",
    "comptable",
    "tuinarchitect",
)


def _filters(query: QueryDict) -> dict[str, list[str]]:
    return {
        name: query.getlist(name) for name in FILTER_PARAMS if any(v.strip() for v in query.getlist(name))
    }


def _url(query: QueryDict) -> str:
    encoded = query.urlencode()
    return reverse("search:search") + (f"?{encoded}" if encoded else "")


def _toggle_url(query: QueryDict, name: str, value: str) -> str:
    """This page with the filter value added, or removed when it is chosen; back to page 1."""
    changed = query.copy()
    changed.pop("page", None)
    values = changed.getlist(name)
    changed.setlist(name, [v for v in values if v != value] if value in values else [*values, value])
    return _url(changed)


def _page_url(query: QueryDict, page: int) -> str:
    changed = query.copy()
    changed["page"] = str(page)
    return _url(changed)


def _related_skill_url(query: QueryDict, name: str) -> str:
    """The same search for a related skill instead of the words; where and who filters kept."""
    changed = query.copy()
    for param in ("page", "skill"):
        changed.pop(param, None)
    changed["q"] = name
    return _url(changed)


def search_page(request: HttpRequest) -> HttpResponse:
    query_text = request.GET.get("q", "")
    filters = _filters(request.GET)
    try:
        page_number = max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        page_number = 1
    context: dict = {
        "query": query_text[:MAX_QUERY_LENGTH],
        "filters": filters,
        "examples": EXAMPLES,
        "page": None,
    }
    status = 200
    if query_text.strip() or filters:
        try:
            page = search_members(
                query=query_text,
                searcher=request.user if request.user.is_authenticated else None,
                filters=filters,
                page=page_number,
                page_size=PAGE_SIZE,
            )
        except InvalidSearch as error:
            context["error"] = error.detail
            status = error.status
        else:
            context["page"] = page
            context["facet_groups"] = [
                (label, [(value, _toggle_url(request.GET, param, value.key)) for value in page.facets[kind]])
                for kind, param, label in (
                    ("skills", "skill", _("Skills")),
                    ("spaces", "space", _("Spaces")),
                    ("regions", "region", _("Regions")),
                    ("languages", "language", _("Languages")),
                    ("available", "available", _("Availability")),
                )
                if page.facets[kind]
            ]
            context["filter_count"] = sum(
                1 for values in filters.values() for value in values if value.strip()
            )
            if page.no_answer:
                context["help_url"] = f"{reverse('help:new')}?{urlencode({'title': query_text.strip()})}"
                context["related_skills"] = [
                    (value, _related_skill_url(request.GET, value.name)) for value in page.related_skills
                ]
            if page.has_previous:
                context["previous_url"] = _page_url(request.GET, page.page - 1)
            if page.has_next:
                context["next_url"] = _page_url(request.GET, page.page + 1)
            cleared = QueryDict(mutable=True)
            if query_text:
                cleared["q"] = query_text
            context["clear_url"] = _url(cleared)
    template = "search/_results.html" if request.headers.get("HX-Request") else "search/search.html"
    return render(request, template, context, status=status)

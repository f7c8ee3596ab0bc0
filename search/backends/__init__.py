"""Search backends behind one interface (`base.SearchBackend`); `get_backend()` picks one."""

from __future__ import annotations

from django.conf import settings

from search.backends.base import SearchBackend, SearchUnavailable


def get_backend(name: str | None = None) -> SearchBackend:
    """The configured backend (SEARCH_BACKEND), or the one named."""
    name = name or getattr(settings, "SEARCH_BACKEND", "database")
    if name == "elasticsearch":
        from search.backends.elasticsearch import ElasticsearchBackend

        return ElasticsearchBackend()
    if name == "database":
        from search.backends.database import DatabaseBackend

        return DatabaseBackend()
    raise ValueError(f"unknown search backend {name!r}")


def index_backends() -> list[SearchBackend]:
    """Every backend the index must follow: the database one always (it is the fallback)."""
    backends = [get_backend("database")]
    if getattr(settings, "SEARCH_BACKEND", "database") != "database":
        backends.append(get_backend())
    return backends


__all__ = ["SearchBackend", "SearchUnavailable", "get_backend", "index_backends"]

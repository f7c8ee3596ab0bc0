"""The interface every search backend implements, and the values that cross it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from search.documents import MemberDocument
from search.query import ParsedQuery

# Ranking: relevance first, then multipliers, the same in every backend.
FIELD_WEIGHTS = {"canon": 20.0, "skills": 4.0, "headline": 2.5, "profession": 2.5, "bio": 1.0, "name": 1.5}
BOOST_AVAILABLE = 1.3
BOOST_CHECKED_IN = 1.3
BOOST_SAME_SPACE = 1.25
BOOST_SAME_REGION = 1.1
BOOST_LANGUAGE = 1.15

FACET_KINDS = ("skills", "spaces", "regions", "languages", "available")


class SearchUnavailable(RuntimeError):
    """The backend cannot answer now (the search server is down or unreachable)."""


@dataclass(frozen=True)
class SearchFilters:
    """Chosen filter values; several values of one filter mean any of them."""

    skills: tuple[str, ...] = ()
    spaces: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    available: bool | None = None

    def is_empty(self) -> bool:
        return not (self.skills or self.spaces or self.regions or self.languages) and self.available is None


@dataclass(frozen=True)
class SearchContext:
    """Who is searching, for what they may see and what is near them."""

    member_id: int | None = None
    visibilities: tuple[str, ...] = ("public",)
    space_id: int | None = None
    space_slug: str | None = None
    region: str | None = None
    checked_in_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class SearchRequest:
    query: ParsedQuery
    filters: SearchFilters = SearchFilters()
    context: SearchContext = SearchContext()
    page: int = 1
    page_size: int = 20
    # Off: the ranked hits only (no highlights, no facets; count is the number of hits), for
    # pages that list members their own way.
    hits_only: bool = False

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass
class RawHit:
    member_id: int
    score: float
    # Field -> HTML fragments (escaped text, <mark> only); None: the caller highlights.
    highlights: dict[str, list[str]] | None = None


@dataclass
class BackendResult:
    count: int
    hits: list[RawHit]
    # kind -> [(key, count)], kinds from FACET_KINDS; "available" counts key "true".
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


class SearchBackend(ABC):
    """One way to index and search members. Every method is safe to call repeatedly."""

    name: str = ""

    @abstractmethod
    def search(self, request: SearchRequest) -> BackendResult:
        """Matching members, best first, with exact count and facets over all matches.

        Raises SearchUnavailable when the backend cannot answer."""

    @abstractmethod
    def suggest_skills(self, prefix: str, *, limit: int = 10) -> list[tuple[str, int]]:
        """Skill keys whose name, in any language, starts with `prefix`, with member counts."""

    @abstractmethod
    def index_documents(self, documents: list[MemberDocument]) -> None:
        """Add or replace these documents. Raises SearchUnavailable when it cannot."""

    @abstractmethod
    def delete_documents(self, member_ids: list[int]) -> None:
        """Remove these members (absent ones are fine). Raises SearchUnavailable when it cannot."""

    @abstractmethod
    def rebuild(
        self, batches: Iterable[list[MemberDocument]], *, progress: Callable[[int], None] = lambda n: None
    ) -> int:
        """Replace the whole index with these documents; returns how many were indexed."""

    @abstractmethod
    def indexed_hashes(self) -> dict[int, str]:
        """member id -> content hash of every document in the index (for `--check`)."""

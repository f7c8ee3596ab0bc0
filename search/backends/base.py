"""The interface every search backend implements, and the values that cross it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from search.documents import MemberDocument, MessageDocument
from search.query import MessageQuery, ParsedQuery

# Ranking, the same in every backend: members are ordered by tier first, then by relevance
# times the multipliers. The tier says how well a member answers what was asked, each part
# outweighing all the ones after it: how many of the skills asked they offer (TIER_SKILL per
# skill group), whether they match strongly (what they offer or are, not a word of their bio),
# whether they speak the languages asked, whether they are at the place named. The score is
# tier * TIER_SCALE + relevance * multipliers (relevance stays far below TIER_SCALE).
FIELD_WEIGHTS = {"canon": 20.0, "skills": 4.0, "headline": 2.5, "profession": 2.5, "bio": 1.0, "name": 1.5}
TIER_SKILL = 8
TIER_STRONG = 4
TIER_LANGUAGE = 2
TIER_PLACE = 1
TIER_SCALE = 1000.0
BOOST_AVAILABLE = 1.3
BOOST_CHECKED_IN = 1.3
# Nearest first: relevance times 1 / (1 + km / DISTANCE_SCALE_KM) from where the searcher is (or
# the place the request names): the same space 1.0, across Brussels about 0.85, Brussels to Gent
# or Namur about 0.4. Members with no space count as this far.
DISTANCE_SCALE_KM = 30.0
NO_SPACE_KM = 150.0
# A space is "at" a city or municipality named in the request within this distance of it (an
# area, a province: AREA_RADIUS_KM); a region named means its spaces.
PLACE_RADIUS_KM = 12.0
AREA_RADIUS_KM = 45.0


def distance_factor(km: float) -> float:
    return 1.0 / (1.0 + km / DISTANCE_SCALE_KM)


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
    # Space id -> km from where the searcher is, or from the place the request names (empty:
    # nowhere known, no distance ranking).
    space_km: dict[int, float] = field(default_factory=dict)
    # The spaces at the places the request names (None: it names none).
    place_space_ids: frozenset[int] | None = None
    place_space_slugs: frozenset[str] = frozenset()

    def space_factors(self) -> dict[int, float]:
        return {space_id: distance_factor(km) for space_id, km in self.space_km.items()}


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
    score: float  # tier * TIER_SCALE + relevance * multipliers
    # Field -> HTML fragments (escaped text, <mark> only); None: the caller highlights.
    highlights: dict[str, list[str]] | None = None


@dataclass
class BackendResult:
    count: int
    hits: list[RawHit]
    # Of `count`, how many match strongly (see the tiers above; count when not told apart).
    strong_count: int | None = None
    # kind -> [(key, count)], kinds from FACET_KINDS; "available" counts key "true".
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


@dataclass(frozen=True)
class MessageSearchRequest:
    """A search in one's messages: only messages of `conversation_ids` (those the searcher may
    read, messaging.selectors.readable_conversation_ids) with every term of the query.

    Ranking, the same in every backend: relevance (bm25 / ts_rank) first, newest first among
    equals, then by id."""

    query: MessageQuery
    conversation_ids: tuple[int, ...]
    # (conversation id, message id): in that conversation only messages with a greater id (a
    # lobby room's history from when the searcher joined: messaging.selectors.readable_messages).
    history_after: tuple[tuple[int, int], ...] = ()
    limit: int = 20
    offset: int = 0


@dataclass
class MessageHits:
    count: int
    message_ids: list[int]


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

    # --- messages -----------------------------------------------------------------------------

    @abstractmethod
    def search_messages(self, request: MessageSearchRequest) -> MessageHits:
        """Ids of matching messages, best first, and how many match. Raises SearchUnavailable."""

    @abstractmethod
    def index_messages(self, documents: list[MessageDocument]) -> None:
        """Add or replace these messages. Raises SearchUnavailable when it cannot."""

    @abstractmethod
    def delete_messages(self, message_ids: list[int]) -> None:
        """Remove these messages (absent ones are fine). Raises SearchUnavailable when it cannot."""

    @abstractmethod
    def rebuild_messages(
        self, batches: Iterable[list[MessageDocument]], *, progress: Callable[[int], None] = lambda n: None
    ) -> int:
        """Replace the whole message index with these documents; returns how many were indexed."""

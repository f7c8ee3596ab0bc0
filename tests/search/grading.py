"""The judge's grades for the needs of judgements.py, from the demo data only, and the figures.

Grades never look at what a search engine returns or how it reads a request: they come from
what members offer (canonical skills, through `tag.skill`), the languages they speak and where
their home space is. For a need and a member:

    3  offers every skill of the intent, speaks every language of it and is at its place
    2  offers every skill but misses a language or the place; or, for 3 skills or more,
       offers all of them but one
    1  offers at least one skill of the intent
    0  otherwise

A need with languages but no skill ("someone who speaks Arabic"): 3 when the member speaks them
(and is at the place, if one is named), 2 when they speak them elsewhere, 0 otherwise. A name need:
3 for the members whose display name has every word typed. A no-answer need grades nobody: the
search should say nobody offers it (`page.no_answer`). Hidden and inactive members and the
searcher are never graded.

"At the place": in the region, for a region; home space within PLACE_RADIUS_KM of the place's
coordinates (the judge's own table below, not the search engine's), for a city or municipality.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.search.judgements import Need

PLACE_RADIUS_KM = 15.0

# Where the places that needs name are: a region code, or (latitude, longitude) of a town centre.
# The judge's knowledge of Belgium, for the keys judgements.py uses (the text of a need may name
# the place in French, Dutch, English or German: Liège/Luik/Lüttich is the key "liege").
REGIONS = {"brussels", "flanders", "wallonia"}
PLACES: dict[str, str | tuple[float, float]] = {
    # Regions ("à Bruxelles" means the region to a member: all of it is within 15 km anyway).
    "brussels": "brussels",
    "flanders": "flanders",
    "wallonia": "wallonia",
    # The 19 municipalities of the Brussels-Capital Region.
    "anderlecht": (50.8365, 4.3080),
    "auderghem": (50.8156, 4.4269),
    "berchem-sainte-agathe": (50.8656, 4.2926),
    "bruxelles-ville": (50.8467, 4.3525),
    "etterbeek": (50.8336, 4.3890),
    "evere": (50.8700, 4.4020),
    "forest": (50.8103, 4.3240),
    "ganshoren": (50.8710, 4.3080),
    "ixelles": (50.8275, 4.3720),
    "jette": (50.8780, 4.3250),
    "koekelberg": (50.8620, 4.3290),
    "molenbeek": (50.8550, 4.3230),
    "saint-gilles": (50.8270, 4.3450),
    "saint-josse": (50.8530, 4.3730),
    "schaerbeek": (50.8670, 4.3770),
    "uccle": (50.8010, 4.3370),
    "watermael-boitsfort": (50.7990, 4.4160),
    "woluwe-saint-lambert": (50.8440, 4.4300),
    "woluwe-saint-pierre": (50.8310, 4.4420),
    # Flanders.
    "aalst": (50.9378, 4.0403),
    "antwerpen": (51.2194, 4.4025),
    "brugge": (51.2093, 3.2247),
    "genk": (50.9650, 5.5000),
    "gent": (51.0543, 3.7174),
    "halle": (50.7339, 4.2345),
    "hasselt": (50.9307, 5.3325),
    "kortrijk": (50.8280, 3.2650),
    "leuven": (50.8798, 4.7005),
    "mechelen": (51.0259, 4.4776),
    "vilvoorde": (50.9280, 4.4290),
    "zaventem": (50.8830, 4.4720),
    # Wallonia.
    "arlon": (49.6833, 5.8167),
    "charleroi": (50.4108, 4.4446),
    "chimay": (50.0480, 4.3170),
    "herstal": (50.6630, 5.6220),
    "liege": (50.6326, 5.5797),
    "louvain-la-neuve": (50.6681, 4.6118),
    "mons": (50.4542, 3.9523),
    "namur": (50.4674, 4.8720),
    "ottignies": (50.6650, 4.5690),
    "tournai": (50.6056, 3.3878),
    "waterloo": (50.7150, 4.3990),
    "wavre": (50.7170, 4.6110),
}


def fold(text: str) -> str:
    """Lower case without accents: "Müller" and "muller" are one name."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class Person:
    """What the judge knows of a demo member."""

    username: str
    display_name: str
    listed: bool  # active and not hidden: may be found at all
    skills: frozenset[str]  # canonical skill slugs offered
    languages: frozenset[str]
    region: str | None
    location: tuple[float, float] | None

    def is_at(self, place: str) -> bool:
        where = PLACES[place]
        if isinstance(where, str):
            return self.region == where
        return self.location is not None and distance_km(self.location, where) <= PLACE_RADIUS_KM


def load_people() -> dict[str, Person]:
    """Every member of the database, with their canonical skills, languages and home space."""
    from profiles.models import Member, OfferedSkill

    skills: dict[int, set[str]] = defaultdict(set)
    for member_id, slug in OfferedSkill.objects.filter(tag__skill__isnull=False).values_list(
        "content_object_id", "tag__skill__slug"
    ):
        skills[member_id].add(slug)
    languages: dict[int, set[str]] = defaultdict(set)
    for member_id, code in Member.languages.through.objects.values_list("member_id", "language_id"):
        languages[member_id].add(code)
    people = {}
    for row in Member.objects.values(
        "id",
        "username",
        "display_name",
        "is_active",
        "visibility",
        "home_space__region",
        "home_space__latitude",
        "home_space__longitude",
    ):
        lat, lon = row["home_space__latitude"], row["home_space__longitude"]
        people[row["username"]] = Person(
            username=row["username"],
            display_name=row["display_name"],
            listed=row["is_active"] and row["visibility"] != Member.Visibility.HIDDEN,
            skills=frozenset(skills[row["id"]]),
            languages=frozenset(languages[row["id"]]),
            region=row["home_space__region"],
            location=(lat, lon) if lat is not None and lon is not None else None,
        )
    return people


def offers(person: Person, skill: tuple[str, ...]) -> bool:
    """A skill of an intent is one slug or a few equally good ones ("bookkeeping|accounting")."""
    return any(slug in person.skills for slug in skill)


def grade(need: Need, person: Person) -> int:
    """The grade of one member for one need (see the module docstring)."""
    if need.kind == "no-answer":
        return 0
    if need.name:
        words = set(fold(person.display_name).replace("-", " ").split())
        return 3 if set(fold(need.name).replace("-", " ").split()) <= words else 0
    speaks = set(need.languages) <= person.languages
    at_place = need.place is None or person.is_at(need.place)
    if not need.skills:
        return (3 if at_place else 2) if need.languages and speaks else 0
    offered = sum(offers(person, skill) for skill in need.skills)
    if offered == len(need.skills):
        return 3 if speaks and at_place else 2
    if len(need.skills) >= 3 and offered == len(need.skills) - 1:
        return 2
    return 1 if offered else 0


def grades(need: Need, people: dict[str, Person]) -> dict[str, int]:
    """username -> grade (> 0 only) of every listed member other than the searcher."""
    found = {}
    for person in people.values():
        if person.listed and person.username != need.searcher:
            value = grade(need, person)
            if value:
                found[person.username] = value
    return found


# --- the figures ------------------------------------------------------------------------------


def dcg(values: Iterable[int]) -> float:
    return sum((2**value - 1) / math.log2(position + 2) for position, value in enumerate(values))


@dataclass
class Outcome:
    """How the search did on one need."""

    need: Need
    found: list[str]  # usernames, best first (the first page of 10)
    graded: dict[str, int]
    said_no_answer: bool
    reciprocal_rank: float = 0.0
    ndcg: float = 0.0
    precision: float = 0.0
    first_good: int | None = None  # 1-based rank of the first member graded 2 or more

    def __post_init__(self) -> None:
        if self.need.kind == "no-answer":
            return
        good = [i for i, username in enumerate(self.found[:10]) if self.graded.get(username, 0) >= 2]
        self.first_good = good[0] + 1 if good else None
        self.reciprocal_rank = 1 / self.first_good if good else 0.0
        ideal = dcg(sorted(self.graded.values(), reverse=True)[:5])
        self.ndcg = dcg(self.graded.get(u, 0) for u in self.found[:5]) / ideal if ideal else 0.0
        relevant = sum(1 for value in self.graded.values() if value >= 2)
        hits = sum(1 for u in self.found[:5] if self.graded.get(u, 0) >= 2)
        self.precision = hits / min(5, relevant) if relevant else 0.0

    @property
    def is_miss(self) -> bool:
        if self.need.kind == "no-answer":
            return not self.said_no_answer
        return self.first_good != 1 or self.ndcg < 0.8 or self.precision < 0.8 or self.said_no_answer

    def describe(self) -> str:
        top = ", ".join(f"{u}({self.graded.get(u, 0)})" for u in self.found[:5]) or "nothing"
        if self.need.kind == "no-answer":
            said = "says no answer" if self.said_no_answer else "does NOT say no answer"
            return f"  [{self.need.half} {self.need.kind}] {self.need.text!r}: {said}; top 5 {top}"
        wrong = "; says no answer" if self.said_no_answer else ""
        return (
            f"  [{self.need.half} {self.need.kind}] {self.need.text!r}: first good at {self.first_good}, "
            f"nDCG@5 {self.ndcg:.2f}, P@5 {self.precision:.2f}{wrong}; top 5 {top}"
        )


@dataclass
class Figures:
    needs: int = 0
    mrr: float = 0.0
    ndcg: float = 0.0
    precision: float = 0.0
    no_answer_needs: int = 0
    no_answer_said: float = 0.0  # share of the no-answer needs where the page says so
    wrongly_said: int = 0  # needs with answers where the page says nobody offers it
    outcomes: list[Outcome] = field(default_factory=list)


def figures(outcomes: list[Outcome]) -> Figures:
    graded = [o for o in outcomes if o.need.kind != "no-answer"]
    empty = [o for o in outcomes if o.need.kind == "no-answer"]
    result = Figures(needs=len(graded), no_answer_needs=len(empty), outcomes=outcomes)
    if graded:
        result.mrr = sum(o.reciprocal_rank for o in graded) / len(graded)
        result.ndcg = sum(o.ndcg for o in graded) / len(graded)
        result.precision = sum(o.precision for o in graded) / len(graded)
        result.wrongly_said = sum(o.said_no_answer for o in graded)
    if empty:
        result.no_answer_said = sum(o.said_no_answer for o in empty) / len(empty)
    return result


def run_needs(needs: list[Need], people: dict[str, Person]) -> list[Outcome]:
    """Search every need on the configured backend, as its searcher, and grade the first page."""
    from profiles.models import Member
    from search.selectors import search_members

    searchers = {m.username: m for m in Member.objects.filter(username__in={n.searcher for n in needs})}
    outcomes = []
    for need in needs:
        page = search_members(query=need.text, searcher=searchers[need.searcher], page_size=10)
        found = [result.username for result in page.results]
        outcomes.append(Outcome(need, found, grades(need, people), page.no_answer))
    return outcomes


def table(runs: dict[str, list[Outcome]], kinds: list[str]) -> str:
    """Rows kind x half x backend: MRR, nDCG@5, P@5 (graded needs), no answer said (no-answer)."""
    header = (
        f"{'kind':<16} {'half':<9} {'backend':<14} {'needs':>5} {'MRR':>6} {'nDCG@5':>7} {'P@5':>6}"
        f" {'no-answer said':>15} {'wrong no-answer':>16}"
    )
    lines = [header, "-" * len(header)]
    for kind in [*kinds, "all"]:
        for half in ("tuning", "held-out"):
            for backend, outcomes in runs.items():
                chosen = [o for o in outcomes if o.need.half == half and kind in ("all", o.need.kind)]
                f = figures(chosen)
                said = (
                    f"{round(f.no_answer_said * f.no_answer_needs)} of {f.no_answer_needs}"
                    if f.no_answer_needs
                    else "-"
                )
                scores = (
                    f"{f.mrr:>6.3f} {f.ndcg:>7.3f} {f.precision:>6.3f}"
                    if f.needs
                    else f"{'-':>6} {'-':>7} {'-':>6}"
                )
                lines.append(
                    f"{kind:<16} {half:<9} {backend:<14} {len(chosen):>5} {scores} {said:>15} {f.wrongly_said:>16}"
                )
        lines.append("")
    return "\n".join(lines)


def misses(outcomes: list[Outcome]) -> str:
    return "\n".join(o.describe() for o in outcomes if o.is_miss)

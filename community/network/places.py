"""Where things are in Belgium: the places people name in a request, and distances.

`community/network/data/places.json` lists the three regions, Brussels' 19 municipalities, the
cities of Flanders and Wallonia and a few provinces, each with its names in French, Dutch and
English (folded: lower case, no accents, words separated by spaces) and coordinates. Search reads
it to understand "à Namur", "in Leuven", "near Ixelles", "en Flandre"; the spaces' own
coordinates (or their city's, when a space has none) give the distances.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from profiles.terms import normalize_term

PLACES_FILE = Path(__file__).resolve().parent / "data" / "places.json"
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Place:
    """A region, an area (province) or a city / municipality, with a point to measure from."""

    key: str
    kind: str  # "region", "area" or "city"
    region: str  # brussels, flanders or wallonia
    latitude: float
    longitude: float
    # Its name is also an ordinary word ("Spa", "Forest", "Mons"/"Bergen", "Lier"): a place only
    # after a preposition ("à Spa", "in Bergen").
    only_after_preposition: bool = False


@cache
def places_by_name() -> dict[tuple[str, ...], Place]:
    """Every name of every place, as its folded words -> the place."""
    found: dict[tuple[str, ...], Place] = {}
    with open(PLACES_FILE, encoding="utf-8") as handle:
        rows = json.load(handle)
    for row in rows:
        place = Place(
            key=row["key"],
            kind=row["kind"],
            region=row["region"],
            latitude=row["latitude"],
            longitude=row["longitude"],
            only_after_preposition=row.get("only_after_preposition", False),
        )
        for name in row["names"]:
            words = tuple(normalize_term(name).replace("_", " ").split())
            if words:
                found.setdefault(words, place)
    return found


@cache
def place(key: str) -> Place | None:
    return next((p for p in places_by_name().values() if p.key == key), None)


def city_location(city: str) -> tuple[float, float] | None:
    """The coordinates of a city or municipality by its name in any of the three languages."""
    found = places_by_name().get(tuple(normalize_term(city).split()))
    return (found.latitude, found.longitude) if found else None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))

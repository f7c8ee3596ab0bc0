"""What the site holds about one member: one registry, read by the export and the erasure alike.

Each app declares its own data in its `personal_data.py` (registered from its AppConfig.ready):
a name, how to export it (JSON-able values, and files with their storage), and how to erase
it. "Download my data" writes what `personal_data_export` returns; "Delete my account" runs
`personal_data_erase`; since both walk the same sources, nothing can be exported and left
behind, or erased and never shown. Arrows point here: this module knows no app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.storage import Storage


@dataclass(frozen=True)
class PersonalFile:
    """A file a member uploaded: where it lives, and the name it gets in the archive."""

    storage: Storage
    path: str
    archive_name: str


@dataclass(frozen=True)
class PersonalDataSource:
    """One kind of data about a member.

    `export(member)` returns JSON-able values; `files(member)` the uploaded files; `erase(member)`
    removes (or anonymises) them, inside the erasure's transaction, before the member row is
    deleted. `order` sorts erasure: a source whose rows cascade from another's erases first.
    """

    name: str
    export: Callable[[Any], Any]
    erase: Callable[[Any], None]
    files: Callable[[Any], Iterable[PersonalFile]] = field(default=lambda member: ())
    order: int = 100


_SOURCES: dict[str, PersonalDataSource] = {}


def personal_data_register(source: PersonalDataSource) -> None:
    """Declare a source (idempotent by name: ready() may run twice in tests)."""
    _SOURCES[source.name] = source


def personal_data_sources() -> list[PersonalDataSource]:
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.name))


def personal_data_export(member: Any) -> dict[str, Any]:
    """Every source's data about `member`, by source name."""
    return {source.name: source.export(member) for source in personal_data_sources()}


def personal_data_files(member: Any) -> list[PersonalFile]:
    return [f for source in personal_data_sources() for f in source.files(member)]


def personal_data_erase(member: Any) -> None:
    """Run every source's erasure; the caller holds the transaction and deletes the member."""
    for source in personal_data_sources():
        source.erase(member)

"""The embedded default: full-text search in the project's own database.

SQLite: an FTS5 table of analysed member text (search.text.analyze) with bm25 ranking, per-field
weights, a prefix index for search-as-you-type, and typo tolerance from a vocabulary of indexed
words (a trigram FTS5 table gives candidates, Damerau-Levenshtein decides). A search is two
statements that read no other table per hit: filters and visibility are tokens of the FTS
`meta` column, the ranking attributes (available, space, region, languages) are bits of the
rowid, and facet counts come from per-process bitmaps (search.backends.facets).

PostgreSQL: the same analysed text as a weighted tsvector (GIN index) ranked by ts_rank, pg_trgm
for the vocabulary, filters through search_indexedfacet; the same facet bitmaps.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from profiles.models import SkillTag
from search.backends.base import (
    BOOST_AVAILABLE,
    BOOST_CHECKED_IN,
    FIELD_WEIGHTS,
    NO_SPACE_KM,
    TIER_LANGUAGE,
    TIER_PLACE,
    TIER_SCALE,
    TIER_SKILL,
    TIER_STRONG,
    BackendResult,
    MessageHits,
    MessageSearchRequest,
    RawHit,
    SearchBackend,
    SearchRequest,
    distance_factor,
)
from search.backends.facets import facet_cache, new_stamp
from search.documents import MemberDocument, MessageDocument, canonical_token
from search.models import (
    IndexChange,
    IndexedFacet,
    IndexedMember,
    IndexedMemberTerms,
    IndexedMessage,
    IndexState,
    IndexTerm,
)
from search.query import ParsedQuery, taxonomy
from search.text import damerau_levenshtein, fold, max_typos

TEXT_COLUMNS = ("skills", "headline", "profession", "bio", "name")
# Where words that name a canonical skill are looked for: the canon token already stands for the
# skill itself, so its labels (and a bio mentioning it in passing) would only widen the hits.
STRONG_COLUMNS = ("headline", "profession", "name")
# A word still being typed completes against what people are (skills, headline, profession,
# name), not every word of every bio: as-you-type stays precise and fast.
PREFIX_COLUMNS = ("skills", "headline", "profession", "name")
FTS_COLUMNS = ("canon", *TEXT_COLUMNS)
SQLITE_FTS_COLUMNS = (*FTS_COLUMNS, "meta")
FACET_NAMES = {"s": "skills", "p": "spaces", "r": "regions", "l": "languages", "a": "available"}
FILTER_KINDS = (("skills", "s"), ("spaces", "p"), ("regions", "r"), ("languages", "l"))
REGION_CODES = {"brussels": 1, "flanders": 2, "wallonia": 3}
# Spoken languages with a bit of their own in the rowid (the language boost).
LANGUAGE_BITS = {
    code: 1 << i for i, code in enumerate(["fr", "nl", "en", "de", "es", "it", "pt", "ar", "tr", "pl", "ro"])
}
# ts_rank weights, in PostgreSQL's order {D, C, B, A}: bio, headline/profession/name, skills, canon.
PG_RANK_WEIGHTS = "{0.1, 0.25, 0.4, 1.0}"
MAX_FIXES_PER_TERM = 2
# Added to the bm25 relevance of members offering a skill the request names (SQLite).
CANON_BONUS = 4.0
CHANGE_LOG_KEEP = 20_000
# The same statement as migration 0004 (a rebuild drops and recreates the table).
SQLITE_MEMBER_FTS = """CREATE VIRTUAL TABLE search_member_fts USING fts5(
        canon, skills, headline, profession, bio, name, meta,
        tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4'
    )"""
# The same statement as migration 0005.
SQLITE_MESSAGE_FTS = """CREATE VIRTUAL TABLE search_message_fts USING fts5(
        terms, tokenize = 'unicode61 remove_diacritics 2'
    )"""


def facet_token(kind: str, value: str) -> str:
    """A facet value as one FTS token of [a-z0-9]: "p", "hub-brussels" -> "pzhuby002dbrussels".

    Letters y and z and anything outside [a-x0-9] become y + four hex digits: no two values meet."""
    encoded = "".join(ch if ch in _PLAIN else f"y{ord(ch):04x}" for ch in value.lower())
    return f"{kind}z{encoded}"


_PLAIN = frozenset("abcdefghijklmnopqrstuvwx0123456789")


def _nearness(ctx, member_sql: str, space_sql: str, params: list, *, max_id: int | None = None) -> str:
    """The multipliers for where members are (base.py), as one SQL expression: checked in where
    the searcher is (they are here, whatever their home space), else their space's distance."""
    far = distance_factor(NO_SPACE_KM) if ctx.space_km else 1.0
    # The simple CASE form computes the space id once per row, not once per branch.
    nearness, nearness_params = "1.0", []
    if ctx.space_km:
        cases = []
        for space_id, km in sorted(ctx.space_km.items()):
            if max_id is None or 0 < space_id <= max_id:
                cases.append(f"WHEN %s THEN {distance_factor(km):.4f}")
                nearness_params.append(space_id)
        nearness = f"(CASE {space_sql} {' '.join(cases)} ELSE {far:.4f} END)" if cases else f"{far:.4f}"
    if not ctx.checked_in_ids:
        params += nearness_params
        return nearness
    ids = sorted(ctx.checked_in_ids)[:500]
    here = f"{member_sql} IN ({', '.join(['%s'] * len(ids))})"
    params += [*ids, *nearness_params]
    return f"(CASE WHEN {here} THEN {BOOST_CHECKED_IN} ELSE {nearness} END)"


def language_mask(codes) -> int:
    mask = 0
    for code in codes:
        mask |= LANGUAGE_BITS.get(code, 0)
    return mask


def sqlite_rowid(doc: MemberDocument) -> int:
    """The member's FTS rowid: their id and the attributes the ranking multiplies by."""
    space = doc.home_space_id if doc.home_space_id and doc.home_space_id < 4096 else 0
    return (
        doc.member_id << 32
        | language_mask(doc.languages) << 16
        | space << 4
        | REGION_CODES.get(doc.region, 0) << 2
        | (1 << 1 if doc.visibility == "public" else 0)
        | (1 if doc.available else 0)
    )


@dataclass
class Statements:
    """One search as SQL: the ranked page, the ids of every hit, how many match strongly (None:
    all of them)."""

    page_sql: str
    page_params: list
    ids_sql: str
    ids_params: list
    strong_sql: str | None = None
    strong_params: list = field(default_factory=list)


class DatabaseBackend(SearchBackend):
    name = "database"

    def __init__(self) -> None:
        self.vendor = connection.vendor
        if self.vendor not in ("sqlite", "postgresql"):
            raise RuntimeError(
                f"the database search backend supports SQLite and PostgreSQL, not {self.vendor}"
            )

    # --- searching ----------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> BackendResult:
        """Three statements: the page, ranked; the ids of every hit (count and facets); how
        many of them match strongly. Only the first for `hits_only`."""
        if self.vendor == "sqlite":
            return self._sqlite_search(request)
        statements = self._postgres_statements(request)
        with connection.cursor() as cursor:
            cursor.execute(statements.page_sql, statements.page_params)
            page = cursor.fetchall()
            hits = [
                RawHit(member_id=int(member_id), score=round(float(score), 4)) for member_id, score in page
            ]
            if request.hits_only:
                return BackendResult(count=len(hits), hits=hits)
            cursor.execute(statements.ids_sql, statements.ids_params)
            joined = cursor.fetchone()[0]
            strong = None
            if statements.strong_sql is not None:
                cursor.execute(statements.strong_sql, statements.strong_params)
                strong = int(cursor.fetchone()[0])
        searcher = request.context.member_id
        ids = [i for i in map(int, joined.split(",")) if i != searcher] if joined else []
        return BackendResult(count=len(ids), hits=hits, facets=self._facets(ids), strong_count=strong)

    def _facets(self, member_ids: list[int]) -> dict[str, list[tuple[str, int]]]:
        facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FACET_NAMES.values()}
        for token, n in facet_cache().counts(member_ids).items():
            kind, _, key = token.partition(":")
            if kind in FACET_NAMES:
                facets[FACET_NAMES[kind]].append(("true" if kind == "a" else key, n))
        for values in facets.values():
            values.sort(key=lambda item: (-item[1], item[0]))
        return facets

    # SQLite: every condition is part of the FTS5 query (filters and visibility are tokens of the
    # `meta` column), and the ranking attributes are bits of the rowid, so no row of any other
    # table is read per hit. rowid = member id << 32 | languages << 16 | space << 4 | region << 2
    # | public << 1 | available.

    def _sqlite_search(self, request: SearchRequest) -> BackendResult:
        """The tier (base.py) orders the hits in bands, so the page is read band by band, best
        first, only as far as it goes: for one skill asked, those who offer it, then the other
        strong matches, then the weak ones. Each band scores only its own rows (bm25 over the few
        who offer it, not the thousands who mention a word) and knows its tier without a
        subquery."""
        parsed, ctx = request.query, request.context
        term_groups = self._term_groups(parsed) if not parsed.is_empty else []
        match = self._sqlite_match(request, term_groups)
        strong = self._sqlite_strong_match(parsed, term_groups)
        exclude, exclude_params = ("", [])
        if ctx.member_id is not None:
            exclude, exclude_params = " AND (rowid >> 32) <> %s", [ctx.member_id]
        if strong is None:
            bands = [(match, "any")]
        elif len(parsed.skill_groups) == 1:
            offers = self._canon_match(parsed.skill_groups[0])
            bands = [
                (f"({offers}) AND ({match})", "offers"),
                (f"({strong}) AND ({match}) NOT ({offers})", "strong, offers none"),
                (f"({match}) NOT ({strong})", "weak"),
            ]
        else:
            bands = [(f"({strong}) AND ({match})", "strong"), (f"({match}) NOT ({strong})", "weak")]
        size, skip = request.page_size, request.offset
        with connection.cursor() as cursor:
            counts = []
            for expression, _band in bands[:-1]:
                cursor.execute(
                    f"SELECT count(*) FROM search_member_fts WHERE search_member_fts MATCH %s{exclude}",
                    [expression, *exclude_params],
                )
                counts.append(int(cursor.fetchone()[0]))
            strong_count = sum(counts) if strong is not None else None
            rows: list[tuple] = []
            for i, (expression, band) in enumerate(bands):
                if i < len(counts) and skip >= counts[i]:
                    skip -= counts[i]
                    continue
                rows += self._sqlite_page(
                    cursor, request, expression, exclude_params, size - len(rows), skip, band=band
                )
                skip = 0
                if len(rows) >= size:
                    break
            hits = [
                RawHit(member_id=int(member_id), score=round(float(score), 4)) for member_id, score in rows
            ]
            if request.hits_only:
                return BackendResult(count=len(hits), hits=hits)
            cursor.execute(
                "SELECT group_concat(rowid >> 32) FROM search_member_fts WHERE search_member_fts MATCH %s",
                [match],
            )
            joined = cursor.fetchone()[0]
        ids = [i for i in map(int, joined.split(",")) if i != ctx.member_id] if joined else []
        return BackendResult(count=len(ids), hits=hits, facets=self._facets(ids), strong_count=strong_count)

    def _sqlite_page(
        self,
        cursor,
        request: SearchRequest,
        expression: str,
        exclude_params: list,
        limit: int,
        offset: int,
        *,
        band: str,
    ) -> list[tuple]:
        """(member id, score) of the rows matching `expression`, best first: the tier (base.py)
        of the band (see `_sqlite_tier`) times TIER_SCALE, plus relevance times the multipliers."""
        parsed = request.query
        weights = ", ".join(str(FIELD_WEIGHTS.get(column, 0.0)) for column in SQLITE_FTS_COLUMNS)
        tier_params: list = []
        tier = self._sqlite_tier(request, tier_params, band=band)
        boost_params: list = []
        boost = self._sqlite_boost(request, boost_params)
        relevance, relevance_params = "1.0", []
        if not parsed.is_empty:
            relevance = f"(-bm25(search_member_fts, {weights}))"
            if parsed.context_skills and band != "weak":
                # Offering a skill asked for is the tier's part; offering a skill the request is
                # about (context) earns a flat bonus: bm25 saturates the frequency it sums over
                # columns, so however heavy its weight the canon column alone cannot.
                relevance = (
                    f"({relevance} + {CANON_BONUS} * (rowid IN (SELECT rowid FROM search_member_fts "
                    "WHERE search_member_fts MATCH %s)))"
                )
                relevance_params = [self._canon_match(parsed.context_skills)]
        exclude = " AND (rowid >> 32) <> %s" if exclude_params else ""
        cursor.execute(
            f"SELECT rowid >> 32, {tier} * {TIER_SCALE} + {relevance} * {boost} AS score FROM search_member_fts "
            f"WHERE search_member_fts MATCH %s{exclude} ORDER BY score DESC, rowid DESC LIMIT %s OFFSET %s",
            [*tier_params, *relevance_params, *boost_params, expression, *exclude_params, limit, offset],
        )
        return cursor.fetchall()

    @staticmethod
    def _canon_match(slugs) -> str:
        return f"canon : ({' OR '.join(canonical_token(slug) for slug in slugs)})"

    def _sqlite_strong_match(self, parsed: ParsedQuery, term_groups) -> str | None:
        """FTS5 expression of the members who match strongly (see base.py), None: all of them.

        A request naming skills: who offers one, or has its name (the whole phrase as typed) in
        their skills, headline, profession or name: "technical writer", not any "writer".
        Otherwise every free word (or a typo fix of it) outside the bio."""
        if parsed.is_empty:
            return None
        columns = "{skills headline profession name}"
        if parsed.skill_groups:
            parts = [self._canon_match(slug for group in parsed.skill_groups for slug in group)]
            phrases = [f'"{" ".join(phrase)}"' for phrase in parsed.skill_phrases if phrase]
            if phrases:
                parts.append(f"{columns} : ({' OR '.join(phrases)})")
            return " OR ".join(f"({part})" for part in parts) or None
        each = []
        for group, is_prefix, _covered in term_groups:
            alternatives = [f'"{t}"*' if is_prefix and i == 0 else f'"{t}"' for i, t in enumerate(group)]
            each.append(f"({columns} : ({' OR '.join(alternatives)}))")
        return " AND ".join(each) if each else None

    def _sqlite_tier(self, request: SearchRequest, params: list, *, band: str) -> str:
        """The tier (base.py) of a band's rows as an SQL expression on the FTS row: what the band
        says ("offers": the one skill asked, and strong; "strong": strong, with a canon match
        per skill group; "strong, offers none": strong; "weak" or "any": neither), then the
        language bits and the space bits of the rowid."""
        parsed, ctx = request.query, request.context
        parts = []
        if band == "offers":
            parts.append(str(TIER_SKILL + TIER_STRONG))
        elif band == "strong":
            for group in parsed.skill_groups:
                parts.append(
                    f"{TIER_SKILL} * (rowid IN (SELECT rowid FROM search_member_fts WHERE search_member_fts MATCH %s))"
                )
                params.append(self._canon_match(group))
            parts.append(str(TIER_STRONG))
        elif band == "strong, offers none":
            parts.append(str(TIER_STRONG))
        mask = language_mask(parsed.languages)
        if mask:
            parts.append(f"{TIER_LANGUAGE} * ((rowid & %s) = %s)")
            params += [mask << 16, mask << 16]
        if ctx.place_space_ids is not None:
            ids = sorted(i for i in ctx.place_space_ids if 0 < i < 4096) or [-1]
            parts.append(f"{TIER_PLACE} * (((rowid >> 4) & 4095) IN ({', '.join(['%s'] * len(ids))}))")
            params += ids
        return f"({' + '.join(parts)})" if parts else "0"

    def _sqlite_match(self, request: SearchRequest, term_groups) -> str:
        """The whole request as one FTS5 expression; every token is [a-z0-9]+, quoting is safe."""
        parsed, ctx, filters = request.query, request.context, request.filters
        relevance = "meta : zall" if parsed.is_empty else self._fts_match(parsed, term_groups)
        parts = [f"({relevance})"]
        if parsed.is_empty:
            # Only a language or a place asked ("qui parle néerlandais", "à Namur"): those who
            # meet it, as if filtered.
            if parsed.languages:
                parts += [f"meta : {facet_token('l', code)}" for code in parsed.languages]
            if ctx.place_space_ids is not None:
                slugs = sorted(ctx.place_space_slugs) or ["-"]
                parts.append(f"meta : ({' OR '.join(facet_token('p', slug) for slug in slugs)})")
        if "members" not in ctx.visibilities:
            parts.append("meta : zpublic")
        for attribute, kind in FILTER_KINDS:
            values = getattr(filters, attribute)
            if values:
                parts.append(f"meta : ({' OR '.join(facet_token(kind, value) for value in values)})")
        if filters.available is True:
            parts.append(f"meta : {facet_token('a', '1')}")
        expression = " AND ".join(parts)
        if filters.available is False:
            expression = f"({expression}) NOT meta : {facet_token('a', '1')}"
        return expression

    def _sqlite_boost(self, request: SearchRequest, params: list) -> str:
        ctx = request.context
        factors = [f"(CASE WHEN rowid & 1 THEN {BOOST_AVAILABLE} ELSE 1.0 END)"]
        factors.append(_nearness(ctx, "(rowid >> 32)", "((rowid >> 4) & 4095)", params, max_id=4095))
        return " * ".join(factors)

    # PostgreSQL: the weighted tsvector and the attributes live in the same row.

    def _postgres_statements(self, request: SearchRequest) -> Statements:
        parsed = request.query
        term_groups = self._term_groups(parsed) if not parsed.is_empty else []
        boost_params: list = []
        boost = self._pg_boost(request, boost_params)
        scope_params: list = []
        scope = self._pg_scope(request, scope_params)
        tier_params: list = []
        tier = self._pg_tier(request, term_groups, tier_params)
        if parsed.is_empty:
            relevance, relevance_params, match, match_params = "1.0", [], "TRUE", []
        else:
            tsquery = self._tsquery(parsed, term_groups)
            relevance = f"ts_rank('{PG_RANK_WEIGHTS}', d.document, to_tsquery('simple', %s)) * 10"
            relevance_params = [tsquery]
            match, match_params = "d.document @@ to_tsquery('simple', %s)", [tsquery]
        exclude, exclude_params = ("", [])
        if request.context.member_id is not None:
            exclude, exclude_params = " AND d.member_id <> %s", [request.context.member_id]
        page_sql = (
            f"SELECT d.member_id, {tier} * {TIER_SCALE} + {relevance} * {boost} AS score "
            f"FROM search_indexedmember d WHERE {match} AND {scope}{exclude} "
            "ORDER BY score DESC, d.member_id DESC LIMIT %s OFFSET %s"
        )
        page_params = [
            *tier_params,
            *relevance_params,
            *boost_params,
            *match_params,
            *scope_params,
            *exclude_params,
            request.page_size,
            request.offset,
        ]
        ids_sql = (
            f"SELECT string_agg(d.member_id::text, ',') FROM search_indexedmember d WHERE {match} AND {scope}"
        )
        strong = self._pg_strong_tsquery(parsed, term_groups)
        strong_sql, strong_params = None, []
        if strong is not None:
            strong_sql = (
                f"SELECT count(*) FROM search_indexedmember d WHERE {match} AND {scope}{exclude} "
                "AND d.document @@ to_tsquery('simple', %s)"
            )
            strong_params = [*match_params, *scope_params, *exclude_params, strong]
        return Statements(
            page_sql, page_params, ids_sql, [*match_params, *scope_params], strong_sql, strong_params
        )

    def _pg_strong_tsquery(self, parsed: ParsedQuery, term_groups) -> str | None:
        """The strong match (see _sqlite_strong_match) as a tsquery, None: every hit."""
        if parsed.is_empty:
            return None
        if parsed.skill_groups:
            alternatives = [f"'{canonical_token(slug)}':A" for group in parsed.skill_groups for slug in group]
            alternatives += [
                f"({' <-> '.join(f'{chr(39)}{word}{chr(39)}:BC' for word in phrase)})"
                for phrase in parsed.skill_phrases
                if phrase
            ]
            return " | ".join(alternatives)
        each = []
        for group, is_prefix, _covered in term_groups:
            alternatives = [
                f"'{t}':*BC" if is_prefix and i == 0 else f"'{t}':BC" for i, t in enumerate(group)
            ]
            each.append(f"({' | '.join(alternatives)})")
        return " & ".join(each) if each else None

    def _pg_tier(self, request: SearchRequest, term_groups, params: list) -> str:
        """The tier (base.py) as an SQL expression on `d`."""
        parsed, ctx = request.query, request.context
        parts = []
        for group in parsed.skill_groups:
            parts.append(f"{TIER_SKILL} * (d.document @@ to_tsquery('simple', %s))::int")
            params.append(" | ".join(f"'{canonical_token(slug)}':A" for slug in group))
        strong = self._pg_strong_tsquery(parsed, term_groups)
        if strong is not None:
            parts.append(f"{TIER_STRONG} * (d.document @@ to_tsquery('simple', %s))::int")
            params.append(strong)
        if parsed.languages:
            likes = " AND ".join(["d.languages LIKE %s"] * len(parsed.languages))
            parts.append(f"{TIER_LANGUAGE} * ({likes})::int")
            params += [f"%|{code}|%" for code in parsed.languages]
        if ctx.place_space_ids is not None:
            ids = sorted(ctx.place_space_ids) or [-1]
            parts.append(
                f"{TIER_PLACE} * (COALESCE(d.home_space_id IN ({', '.join(['%s'] * len(ids))}), false))::int"
            )
            params += ids
        return f"({' + '.join(parts)})" if parts else "0"

    def _pg_scope(self, request: SearchRequest, params: list) -> str:
        """Visibility and the filters, as WHERE conditions on `d` (the searcher is dropped later)."""
        ctx, filters = request.context, request.filters
        conditions = [f"d.visibility IN ({', '.join(['%s'] * len(ctx.visibilities))})"]
        params += list(ctx.visibilities)
        for attribute, kind in FILTER_KINDS:
            values = getattr(filters, attribute)
            if values:
                conditions.append(
                    "d.member_id IN (SELECT member_id FROM search_indexedfacet "
                    f"WHERE kind = %s AND value IN ({', '.join(['%s'] * len(values))}))"
                )
                params += [kind, *values]
        if filters.available is not None:
            conditions.append("d.available = %s")
            params.append(filters.available)
        if request.query.is_empty:
            # Only a language or a place asked: those who meet it, as if filtered.
            for code in request.query.languages:
                conditions.append(
                    "d.member_id IN (SELECT member_id FROM search_indexedfacet WHERE kind = 'l' AND value = %s)"
                )
                params.append(code)
            if ctx.place_space_ids is not None:
                slugs = sorted(ctx.place_space_slugs) or ["-"]
                conditions.append(
                    "d.member_id IN (SELECT member_id FROM search_indexedfacet "
                    f"WHERE kind = 'p' AND value IN ({', '.join(['%s'] * len(slugs))}))"
                )
                params += slugs
        return " AND ".join(conditions)

    def _pg_boost(self, request: SearchRequest, params: list) -> str:
        """The ranking multipliers (see base.py), as one SQL expression on `d`."""
        ctx = request.context
        factors = [f"(CASE WHEN d.available THEN {BOOST_AVAILABLE} ELSE 1.0 END)"]
        factors.append(_nearness(ctx, "d.member_id", "d.home_space_id", params))
        return " * ".join(factors)

    def _term_groups(self, parsed: ParsedQuery) -> list[tuple[list[str], bool, bool]]:
        """Each query term with its typo fixes from the vocabulary, whether it is the typed
        prefix, and whether it belongs to a skill the request names (strong fields only)."""
        terms = list(parsed.all_terms())
        known = (
            set(IndexTerm.objects.filter(term__in=terms).values_list("term", flat=True)) if terms else set()
        )
        # Only words rare in the three languages may be typos of indexed words ("german" is no
        # misspelt surname, "filing" no "filming").
        fixes = self.vocabulary_fixes(
            [t for t in terms if t in parsed.fuzzy_terms and t not in parsed.skill_terms and t not in known],
            known=known,
        )
        # A last word the index knows as a whole was most likely typed in full: expanding it as a
        # prefix would only add noise (and time) to the hits.
        prefix = parsed.prefix if parsed.prefix not in known else None
        return [([term, *fixes.get(term, [])], term == prefix, term in parsed.skill_terms) for term in terms]

    def _fts_match(self, parsed: ParsedQuery, term_groups) -> str:
        """An FTS5 MATCH expression; terms are [a-z0-9]+ only (search.text), quoting is safe."""
        # Each word is looked for once per column (twice would count twice in bm25).
        scopes: dict[tuple[str, ...], list[str]] = {
            TEXT_COLUMNS: [],
            STRONG_COLUMNS: [],
            PREFIX_COLUMNS: [],
            ("bio",): [],
        }
        for group, is_prefix, covered in term_groups:
            for i, term in enumerate(group):
                if is_prefix and i == 0 and len(term) >= 2:
                    if covered:
                        scopes[STRONG_COLUMNS].append(f'"{term}"*')
                    else:
                        scopes[PREFIX_COLUMNS].append(f'"{term}"*')
                        scopes[("bio",)].append(f'"{term}"')
                else:
                    scopes[STRONG_COLUMNS if covered else TEXT_COLUMNS].append(f'"{term}"')
        parts = [
            f"{{{' '.join(columns)}}} : ({' OR '.join(phrases)})"
            for columns, phrases in scopes.items()
            if phrases
        ]
        if parsed.skill_slugs:
            parts.append(f"canon : ({' OR '.join(canonical_token(slug) for slug in parsed.skill_slugs)})")
        return " OR ".join(parts)

    def _tsquery(self, parsed: ParsedQuery, term_groups) -> str:
        alternatives: list[str] = []
        for group, is_prefix, covered in term_groups:
            for i, term in enumerate(group):
                if is_prefix and i == 0:
                    alternatives += [f"'{term}':*C"] if covered else [f"'{term}':*BC", f"'{term}':D"]
                else:
                    alternatives.append(f"'{term}':{'C' if covered else 'BCD'}")
        alternatives += [f"'{canonical_token(slug)}':A" for slug in parsed.skill_slugs]
        return " | ".join(alternatives)

    def vocabulary_fixes(self, terms: list[str], *, known: set[str] | None = None) -> dict[str, list[str]]:
        """Typo fixes for the terms the index does not know: the closest indexed terms."""
        candidates = [term for term in terms if max_typos(term) and term.isalpha()]
        if not candidates:
            return {}
        if known is None:
            known = set(IndexTerm.objects.filter(term__in=candidates).values_list("term", flat=True))
        fixes: dict[str, list[str]] = {}
        for term in candidates:
            if term in known:
                continue
            limit = max_typos(term)
            scored = []
            for candidate, df in self._trigram_candidates(term):
                distance = damerau_levenshtein(term, candidate, limit)
                if distance <= limit and candidate != term:
                    scored.append((distance, -df, candidate))
            if scored:
                fixes[term] = [candidate for _, _, candidate in sorted(scored)[:MAX_FIXES_PER_TERM]]
        return fixes

    def _trigram_candidates(self, term: str) -> list[tuple[str, int]]:
        low, high = len(term) - 2, len(term) + 2
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                grams = sorted({term[i : i + 3] for i in range(len(term) - 2)})
                if not grams:
                    return []
                cursor.execute(
                    "SELECT t.term, t.df FROM search_term_trgm g JOIN search_indexterm t ON t.id = g.rowid "
                    "WHERE search_term_trgm MATCH %s AND length(t.term) BETWEEN %s AND %s "
                    "ORDER BY g.rank LIMIT 100",
                    [" OR ".join(f'"{gram}"' for gram in grams), low, high],
                )
            else:
                cursor.execute(
                    "SELECT term, df FROM search_indexterm WHERE term %% %s "
                    "AND length(term) BETWEEN %s AND %s ORDER BY similarity(term, %s) DESC LIMIT 100",
                    [term, low, high, term],
                )
            return cursor.fetchall()

    # --- suggestions --------------------------------------------------------------------------

    def suggest_skills(self, prefix: str, *, limit: int = 10) -> list[tuple[str, int]]:
        candidates = suggestion_candidates(prefix, limit=limit * 3)
        cache = facet_cache()
        counts = {key: cache.total(f"s:{key}") for key, _ in candidates}
        return rank_suggestions(candidates, counts, limit)

    # --- indexing -----------------------------------------------------------------------------

    def index_documents(self, documents: list[MemberDocument]) -> None:
        if documents:
            with transaction.atomic():
                self._replace([d.member_id for d in documents], documents)

    def delete_documents(self, member_ids: list[int]) -> None:
        if member_ids:
            with transaction.atomic():
                self._replace(list(member_ids), [])

    def _replace(self, member_ids: list[int], documents: list[MemberDocument]) -> None:
        old_terms = dict(
            IndexedMemberTerms.objects.filter(member_id__in=member_ids).values_list("member_id", "terms")
        )
        delta: Counter[str] = Counter()
        for terms in old_terms.values():
            delta.subtract(terms.split())
        self._delete_rows(member_ids)
        delta.update(self._insert_rows(documents))
        self._apply_vocabulary(delta)
        # Tell every process's facet cache which members changed.
        changes = IndexChange.objects.bulk_create(
            [IndexChange(member_id=i, stamp=new_stamp()) for i in member_ids]
        )
        newest = max((change.pk or 0) for change in changes) if changes else 0
        if newest and newest % 1000 < len(member_ids):
            IndexChange.objects.filter(id__lt=newest - CHANGE_LOG_KEEP).delete()

    def _delete_rows(self, member_ids: list[int]) -> None:
        IndexedMember.objects.filter(member_id__in=member_ids).delete()
        IndexedMemberTerms.objects.filter(member_id__in=member_ids).delete()
        if self.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.executemany(
                    "DELETE FROM search_member_fts WHERE rowid BETWEEN %s AND %s",
                    [(i << 32, (i << 32) | 0xFFFFFFFF) for i in member_ids],
                )
        else:
            IndexedFacet.objects.filter(member_id__in=member_ids).delete()

    def _insert_rows(self, documents: list[MemberDocument]) -> Counter[str]:
        """Insert the documents' rows; returns the document frequency of each term they add.

        Plain executemany rather than the ORM: a rebuild writes several rows per member."""
        if not documents:
            return Counter()
        now = timezone.now()
        members, facets, fts_rows, term_rows = [], [], [], []
        frequencies: Counter[str] = Counter()
        sqlite = self.vendor == "sqlite"
        for doc in documents:
            analysed = doc.analysed()
            # The typo vocabulary: words only. Terms with digits ("debaets871" from a username,
            # "co2") are searched exactly but nobody mistypes them into something else.
            terms = sorted({t for column in TEXT_COLUMNS for t in analysed[column].split() if t.isalpha()})
            frequencies.update(terms)
            member_id = doc.member_id
            member_facets = [("s", key[:120]) for key in dict.fromkeys(doc.skill_keys)]
            member_facets += [("p", slug) for slug in doc.spaces]
            member_facets += [("r", region) for region in doc.regions]
            member_facets += [("l", code) for code in doc.languages]
            if doc.available:
                member_facets.append(("a", "1"))
            term_rows.append((member_id, " ".join(terms)))
            row = [
                member_id,
                doc.visibility,
                doc.available,
                doc.home_space_id,
                doc.region,
                "|" + "|".join(doc.languages) + "|" if doc.languages else "",
                " ".join(f"{kind}:{value}" for kind, value in member_facets),
                doc.content_hash,
                now,
            ]
            if sqlite:
                members.append(row)
                meta = ["zall", *(["zpublic"] if doc.visibility == "public" else [])]
                meta += [facet_token(kind, value) for kind, value in member_facets]
                fts_rows.append(
                    [sqlite_rowid(doc), *(analysed[column] for column in FTS_COLUMNS), " ".join(meta)]
                )
            else:
                facets += [(member_id, kind, value) for kind, value in member_facets]
                headline_profession_name = " ".join(
                    [analysed["headline"], analysed["profession"], analysed["name"]]
                )
                members.append(
                    [*row, analysed["canon"], analysed["skills"], headline_profession_name, analysed["bio"]]
                )
        columns = "member_id, visibility, available, home_space_id, region, languages, facets, content_hash, indexed_at"
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_indexedmemberterms (member_id, terms) VALUES (%s, %s)", term_rows
            )
            if sqlite:
                cursor.executemany(
                    f"INSERT INTO search_indexedmember ({columns}) VALUES ({', '.join(['%s'] * 9)})", members
                )
                cursor.executemany(
                    f"INSERT INTO search_member_fts(rowid, {', '.join(SQLITE_FTS_COLUMNS)}) "
                    f"VALUES ({', '.join(['%s'] * (len(SQLITE_FTS_COLUMNS) + 1))})",
                    fts_rows,
                )
            else:
                # Filters read this table; the weighted tsvector is computed by PostgreSQL in the INSERT.
                cursor.executemany(
                    "INSERT INTO search_indexedfacet (member_id, kind, value) VALUES (%s, %s, %s)", facets
                )
                cursor.executemany(
                    f"INSERT INTO search_indexedmember ({columns}, document) VALUES ({', '.join(['%s'] * 9)}, "
                    "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B') || "
                    "setweight(to_tsvector('simple', %s), 'C') || setweight(to_tsvector('simple', %s), 'D'))",
                    members,
                )
        return frequencies

    def _apply_vocabulary(self, delta: Counter[str], *, bulk: bool = False) -> None:
        """Add the document-frequency changes to the vocabulary (and SQLite's trigram table).

        `bulk`: the vocabulary was emptied; the trigram table is rebuilt in one go (per-row
        trigram inserts cost a hundred times more)."""
        added = [(term, n) for term, n in delta.items() if n > 0 and len(term) <= 64]
        removed = [(n, term) for term, n in delta.items() if n < 0]
        sqlite = self.vendor == "sqlite"
        with connection.cursor() as cursor:
            new_terms: list[str] = []
            if added and sqlite and not bulk:
                known = set(
                    IndexTerm.objects.filter(term__in=[t for t, _ in added]).values_list("term", flat=True)
                )
                new_terms = [t for t, _ in added if t not in known]
            if added:
                cursor.executemany(
                    "INSERT INTO search_indexterm (term, df) VALUES (%s, %s) "
                    "ON CONFLICT (term) DO UPDATE SET df = search_indexterm.df + excluded.df",
                    added,
                )
            if new_terms:
                cursor.executemany(
                    "INSERT INTO search_term_trgm (rowid, term) SELECT id, term FROM search_indexterm WHERE term = %s",
                    [[term] for term in new_terms],
                )
            if removed:
                cursor.executemany("UPDATE search_indexterm SET df = df + %s WHERE term = %s", removed)
                if sqlite:
                    cursor.execute(
                        "INSERT INTO search_term_trgm (search_term_trgm, rowid, term) "
                        "SELECT 'delete', id, term FROM search_indexterm WHERE df <= 0"
                    )
                cursor.execute("DELETE FROM search_indexterm WHERE df <= 0")
            if bulk and sqlite:
                cursor.execute("INSERT INTO search_term_trgm (search_term_trgm) VALUES ('rebuild')")

    def rebuild(
        self, batches: Iterable[list[MemberDocument]], *, progress: Callable[[int], None] = lambda n: None
    ) -> int:
        """Empty the index and fill it again, batch by batch, in one transaction.

        Readers keep the old index until the commit (SQLite WAL, PostgreSQL MVCC)."""
        total = 0
        with transaction.atomic():
            IndexedFacet.objects.all().delete()
            IndexedMember.objects.all().delete()
            IndexedMemberTerms.objects.all().delete()
            IndexChange.objects.all().delete()
            IndexState.objects.all().delete()
            IndexState.objects.create(generation=uuid.uuid4().hex)
            with connection.cursor() as cursor:
                if self.vendor == "sqlite":
                    # Dropping and recreating is much faster than deleting every row of an FTS5
                    # table; a big page cache keeps the index B-trees in memory while filling.
                    cursor.execute("PRAGMA cache_size = -262144")
                    cursor.execute("DROP TABLE search_member_fts")
                    cursor.execute(SQLITE_MEMBER_FTS)
                    cursor.execute("INSERT INTO search_term_trgm (search_term_trgm) VALUES ('delete-all')")
                cursor.execute("DELETE FROM search_indexterm")
            frequencies: Counter[str] = Counter()
            for documents in batches:
                frequencies.update(self._insert_rows(documents))
                total += len(documents)
                progress(len(documents))
            self._apply_vocabulary(frequencies, bulk=True)
            if self.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("INSERT INTO search_member_fts(search_member_fts) VALUES ('optimize')")
                    cursor.execute("PRAGMA cache_size = -2000")
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE search_indexedmember")
                cursor.execute("ANALYZE search_indexedfacet")
        return total

    def purge_deleted(self) -> None:
        """Rewrite the SQLite full-text indices without what was deleted from them.

        FTS5 records a deletion as a marker and keeps the old terms in its segments until they
        merge: an erased member's words would still be in the file. 'optimize' merges every
        segment into one, dropping them (seconds on a large index; run after an erasure only).
        PostgreSQL's dead tuples are invisible, and autovacuum reclaims them.
        """
        if self.vendor != "sqlite":
            return
        with connection.cursor() as cursor:
            for table in ("search_member_fts", "search_message_fts", "search_term_trgm"):
                cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")

    def indexed_hashes(self) -> dict[int, str]:
        return dict(IndexedMember.objects.values_list("member_id", "content_hash"))

    # --- messages -----------------------------------------------------------------------------
    # The message's analysed terms (search.text.analyze_message) in search_message_fts (SQLite,
    # rowid = message id) or search_indexedmessage.document (PostgreSQL); every term must match;
    # the conversations the searcher may read are an IN on search_indexedmessage.

    def search_messages(self, request: MessageSearchRequest) -> MessageHits:
        if request.query.is_empty or not request.conversation_ids:
            return MessageHits(count=0, message_ids=[])
        ids = list(request.conversation_ids)
        marks = ", ".join(["%s"] * len(ids))
        # Histories that start later (see MessageSearchRequest.history_after), then the ids.
        later = "".join(
            " AND NOT (m.conversation_id = %s AND m.message_id <= %s)" for _ in request.history_after
        )
        ids += [value for pair in request.history_after for value in pair]
        if self.vendor == "sqlite":
            match = " ".join(f'"{term}"' for term in request.query.terms)
            where = (
                "FROM search_message_fts f JOIN search_indexedmessage m ON m.message_id = f.rowid"
                f" WHERE search_message_fts MATCH %s AND m.conversation_id IN ({marks}){later}"
            )
            page_sql = (
                f"SELECT m.message_id {where}"
                " ORDER BY round(bm25(search_message_fts), 4), m.created DESC, m.message_id DESC"
                " LIMIT %s OFFSET %s"
            )
            page_params = [match, *ids, request.limit, request.offset]
            count_params = [match, *ids]
        else:
            tsquery = " & ".join(request.query.terms)
            where = (
                f"FROM search_indexedmessage m WHERE m.document @@ to_tsquery('simple', %s)"
                f" AND m.conversation_id IN ({marks}){later}"
            )
            page_sql = (
                f"SELECT m.message_id {where}"
                " ORDER BY round(ts_rank(m.document, to_tsquery('simple', %s))::numeric, 4) DESC,"
                " m.created DESC, m.message_id DESC LIMIT %s OFFSET %s"
            )
            page_params = [tsquery, *ids, tsquery, request.limit, request.offset]
            count_params = [tsquery, *ids]
        with connection.cursor() as cursor:
            cursor.execute(page_sql, page_params)
            message_ids = [int(row[0]) for row in cursor.fetchall()]
            cursor.execute(f"SELECT COUNT(*) {where}", count_params)
            count = int(cursor.fetchone()[0])
        return MessageHits(count=count, message_ids=message_ids)

    def index_messages(self, documents: list[MessageDocument]) -> None:
        if documents:
            with transaction.atomic():
                self._delete_message_rows([doc.message_id for doc in documents])
                self._insert_message_rows(documents)

    def delete_messages(self, message_ids: list[int]) -> None:
        if message_ids:
            with transaction.atomic():
                self._delete_message_rows(list(message_ids))

    def _delete_message_rows(self, message_ids: list[int]) -> None:
        IndexedMessage.objects.filter(message_id__in=message_ids).delete()
        if self.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.executemany(
                    "DELETE FROM search_message_fts WHERE rowid = %s", [(i,) for i in message_ids]
                )

    def _insert_message_rows(self, documents: list[MessageDocument]) -> None:
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.executemany(
                    "INSERT INTO search_indexedmessage (message_id, conversation_id, created) VALUES (%s, %s, %s)",
                    [
                        (
                            doc.message_id,
                            doc.conversation_id,
                            connection.ops.adapt_datetimefield_value(doc.created),
                        )
                        for doc in documents
                    ],
                )
                cursor.executemany(
                    "INSERT INTO search_message_fts (rowid, terms) VALUES (%s, %s)",
                    [(doc.message_id, doc.terms) for doc in documents],
                )
            else:
                cursor.executemany(
                    "INSERT INTO search_indexedmessage (message_id, conversation_id, created, document)"
                    " VALUES (%s, %s, %s, to_tsvector('simple', %s))",
                    [(doc.message_id, doc.conversation_id, doc.created, doc.terms) for doc in documents],
                )

    def rebuild_messages(
        self, batches: Iterable[list[MessageDocument]], *, progress: Callable[[int], None] = lambda n: None
    ) -> int:
        """Empty the message index and fill it again in one transaction (readers keep the old one)."""
        total = 0
        with transaction.atomic():
            IndexedMessage.objects.all().delete()
            if self.vendor == "sqlite":
                # Dropped rather than emptied: a DELETE reads the old segments, and a rebuild is
                # also what repairs a corrupt table (search.health).
                with connection.cursor() as cursor:
                    cursor.execute("DROP TABLE search_message_fts")
                    cursor.execute(SQLITE_MESSAGE_FTS)
            for documents in batches:
                self._insert_message_rows(documents)
                total += len(documents)
                progress(len(documents))
        return total


def suggestion_candidates(prefix: str, *, limit: int) -> list[tuple[str, int]]:
    """(skill key, rank) for skills with a name or synonym starting with `prefix`, best first.

    Rank 0: a label in one of the three languages starts with the prefix; 1: a synonym does;
    2: a later word of a label or synonym does; 3: a free tag (no canonical skill) does."""
    wanted = " ".join(fold(prefix).split())
    if not wanted:
        return []
    ranked: dict[str, int] = {}
    for form, slug, is_label in taxonomy().forms:
        if form.startswith(wanted):
            rank = 0 if is_label else 1
        elif f" {wanted}" in f" {form}":
            rank = 2
        else:
            continue
        ranked[slug] = min(rank, ranked.get(slug, 9))
    candidates = sorted(ranked.items(), key=lambda item: (item[1], item[0]))[:limit]
    free = (
        SkillTag.objects.filter(skill__isnull=True, name__istartswith=prefix.strip())
        .order_by("name")
        .values_list("slug", flat=True)[:limit]
    )
    return candidates + [(key, 3) for key in free if key not in ranked]


def rank_suggestions(
    candidates: list[tuple[str, int]], counts: dict[str, int], limit: int
) -> list[tuple[str, int]]:
    """Best rank first, then the skills more members offer; free tags nobody offers are dropped."""
    results = [(key, rank, counts.get(key, 0)) for key, rank in candidates if rank < 3 or counts.get(key)]
    results.sort(key=lambda item: (item[1], -item[2], item[0]))
    return [(key, count) for key, _, count in results[:limit]]

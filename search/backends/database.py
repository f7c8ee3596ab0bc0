"""The embedded default: full-text search in the project's own database.

SQLite: FTS5 with bm25 ranking over the analysed fields (weights per field), prefix queries for
search-as-you-type, and typo tolerance from a vocabulary of indexed terms (a trigram FTS5 table
gives candidates, Damerau-Levenshtein decides). PostgreSQL: the same index as a weighted tsvector
(GIN) ranked by ts_rank, with pg_trgm for the vocabulary. Filters, boosts, the page, the exact
count and every facet come from one SQL statement.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from profiles.models import SkillTag
from search.backends.base import (
    BOOST_AVAILABLE,
    BOOST_CHECKED_IN,
    BOOST_LANGUAGE,
    BOOST_SAME_REGION,
    BOOST_SAME_SPACE,
    FIELD_WEIGHTS,
    BackendResult,
    RawHit,
    SearchBackend,
    SearchRequest,
)
from search.documents import MemberDocument, canonical_token
from search.models import IndexedFacet, IndexedMember, IndexTerm
from search.query import ParsedQuery, taxonomy
from search.text import damerau_levenshtein, fold, max_typos

TEXT_COLUMNS = ("skills", "headline", "profession", "bio", "name")
FTS_COLUMNS = ("canon", *TEXT_COLUMNS)
FACET_NAMES = {"s": "skills", "p": "spaces", "r": "regions", "l": "languages", "a": "available"}
FILTER_KINDS = (("skills", "s"), ("spaces", "p"), ("regions", "r"), ("languages", "l"))
# ts_rank weights, in PostgreSQL's order {D, C, B, A}: bio, headline/profession/name, skills, canon.
PG_RANK_WEIGHTS = "{0.1, 0.25, 0.4, 1.0}"
MAX_FIXES_PER_TERM = 2


class DatabaseBackend(SearchBackend):
    name = "database"

    def __init__(self) -> None:
        self.vendor = connection.vendor
        if self.vendor not in ("sqlite", "postgresql"):
            raise RuntimeError(f"the database search backend supports SQLite and PostgreSQL, not {self.vendor}")

    # --- searching ----------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> BackendResult:
        parsed = request.query
        params: list = []
        if parsed.is_empty:
            hits_sql = self._browse_sql(request, params)
        elif self.vendor == "sqlite":
            hits_sql = self._sqlite_hits_sql(request, params)
        else:
            hits_sql = self._postgres_hits_sql(request, params)
        sql = f"""
            WITH hits AS MATERIALIZED ({hits_sql}),
            page AS (SELECT member_id, score FROM hits ORDER BY score DESC, member_id DESC LIMIT %s OFFSET %s)
            SELECT 'h', '', member_id, score FROM page
            UNION ALL SELECT 'c', '', COUNT(*), 0.0 FROM hits
            UNION ALL SELECT f.kind, f.value, COUNT(*), 0.0
                FROM hits JOIN search_indexedfacet f ON f.member_id = hits.member_id
                GROUP BY f.kind, f.value
        """
        params += [request.page_size, request.offset]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        hits: list[RawHit] = []
        count = 0
        facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FACET_NAMES.values()}
        for part, value, number, score in rows:
            if part == "h":
                hits.append(RawHit(member_id=int(number), score=round(float(score), 4)))
            elif part == "c":
                count = int(number)
            elif part in FACET_NAMES:
                key = "true" if part == "a" else value
                facets[FACET_NAMES[part]].append((key, int(number)))
        hits.sort(key=lambda hit: (-hit.score, -hit.member_id))
        for values in facets.values():
            values.sort(key=lambda item: (-item[1], item[0]))
        return BackendResult(count=count, hits=hits, facets=facets)

    def _scope_sql(self, request: SearchRequest, params: list) -> str:
        """Visibility, the searcher excluded, and the filters, as WHERE conditions on `d`."""
        ctx, filters = request.context, request.filters
        conditions = [f"d.visibility IN ({', '.join(['%s'] * len(ctx.visibilities))})"]
        params += list(ctx.visibilities)
        if ctx.member_id is not None:
            conditions.append("d.member_id <> %s")
            params.append(ctx.member_id)
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
        return " AND ".join(conditions)

    def _boost_sql(self, request: SearchRequest, params: list) -> str:
        """The ranking multipliers (see base.py), as one SQL expression on `d`."""
        ctx = request.context
        factors = [f"(CASE WHEN d.available THEN {BOOST_AVAILABLE} ELSE 1.0 END)"]
        if ctx.space_id is not None or ctx.region:
            factors.append(
                f"(CASE WHEN d.home_space_id = %s THEN {BOOST_SAME_SPACE} "
                f"WHEN d.region = %s THEN {BOOST_SAME_REGION} ELSE 1.0 END)"
            )
            params += [ctx.space_id if ctx.space_id is not None else -1, ctx.region or ""]
        if ctx.checked_in_ids:
            ids = sorted(ctx.checked_in_ids)[:500]
            factors.append(f"(CASE WHEN d.member_id IN ({', '.join(['%s'] * len(ids))}) THEN {BOOST_CHECKED_IN} ELSE 1.0 END)")
            params += ids
        if request.query.languages:
            likes = " OR ".join(["d.languages LIKE %s"] * len(request.query.languages))
            factors.append(f"(CASE WHEN {likes} THEN {BOOST_LANGUAGE} ELSE 1.0 END)")
            params += [f"%|{code}|%" for code in request.query.languages]
        return " * ".join(factors)

    def _browse_sql(self, request: SearchRequest, params: list) -> str:
        boost = self._boost_sql(request, params)
        scope = self._scope_sql(request, params)
        return f"SELECT d.member_id AS member_id, {boost} AS score FROM search_indexedmember d WHERE {scope}"

    def _sqlite_hits_sql(self, request: SearchRequest, params: list) -> str:
        weights = ", ".join(str(FIELD_WEIGHTS[column]) for column in FTS_COLUMNS)
        boost = self._boost_sql(request, params)
        params.append(self._fts_match(request.query))
        scope = self._scope_sql(request, params)
        return f"""
            SELECT d.member_id AS member_id, (-bm25(search_member_fts, {weights})) * {boost} AS score
            FROM search_member_fts JOIN search_indexedmember d ON d.member_id = search_member_fts.rowid
            WHERE search_member_fts MATCH %s AND {scope}
        """

    def _postgres_hits_sql(self, request: SearchRequest, params: list) -> str:
        tsquery = self._tsquery(request.query)
        boost_params: list = []
        boost = self._boost_sql(request, boost_params)
        scope_params: list = []
        scope = self._scope_sql(request, scope_params)
        params += [tsquery, *boost_params, tsquery, *scope_params]
        return f"""
            SELECT d.member_id AS member_id,
                   ts_rank('{PG_RANK_WEIGHTS}', d.document, to_tsquery('simple', %s)) * 10 * {boost} AS score
            FROM search_indexedmember d
            WHERE d.document @@ to_tsquery('simple', %s) AND {scope}
        """

    def _term_groups(self, parsed: ParsedQuery) -> list[tuple[list[str], bool]]:
        """Each query term with its typo fixes from the vocabulary, and whether it is the typed prefix."""
        terms = list(parsed.all_terms())
        fixes = self.vocabulary_fixes(terms)
        return [([term, *fixes.get(term, [])], term == parsed.prefix) for term in terms]

    def _fts_match(self, parsed: ParsedQuery) -> str:
        """An FTS5 MATCH expression; terms are [a-z0-9]+ only (search.text), quoting is safe."""
        alternatives: list[str] = []
        for group, is_prefix in self._term_groups(parsed):
            for i, term in enumerate(group):
                alternatives.append(f'"{term}"*' if is_prefix and i == 0 and len(term) >= 2 else f'"{term}"')
        parts = []
        if alternatives:
            parts.append(f"{{{' '.join(TEXT_COLUMNS)}}} : ({' OR '.join(alternatives)})")
        if parsed.skill_slugs:
            parts.append(f"canon : ({' OR '.join(canonical_token(slug) for slug in parsed.skill_slugs)})")
        return " OR ".join(parts)

    def _tsquery(self, parsed: ParsedQuery) -> str:
        alternatives: list[str] = []
        for group, is_prefix in self._term_groups(parsed):
            for i, term in enumerate(group):
                alternatives.append(f"'{term}':*BCD" if is_prefix and i == 0 else f"'{term}':BCD")
        alternatives += [f"'{canonical_token(slug)}':A" for slug in parsed.skill_slugs]
        return " | ".join(alternatives)

    def vocabulary_fixes(self, terms: list[str]) -> dict[str, list[str]]:
        """Typo fixes for the terms the index does not know: the closest indexed terms."""
        candidates = [term for term in terms if max_typos(term)]
        if not candidates:
            return {}
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
        counts = dict(
            IndexedFacet.objects.filter(kind=IndexedFacet.Kind.SKILL, value__in=[key for key, _ in candidates])
            .values("value")
            .annotate(n=Count("id"))
            .values_list("value", "n")
        )
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
        old_terms = dict(IndexedMember.objects.filter(member_id__in=member_ids).values_list("member_id", "terms"))
        delta: Counter[str] = Counter()
        for terms in old_terms.values():
            delta.subtract(terms.split())
        self._delete_rows(member_ids)
        delta.update(self._insert_rows(documents))
        self._apply_vocabulary(delta)

    def _delete_rows(self, member_ids: list[int]) -> None:
        IndexedFacet.objects.filter(member_id__in=member_ids).delete()
        IndexedMember.objects.filter(member_id__in=member_ids).delete()
        if self.vendor == "sqlite":
            with connection.cursor() as cursor:
                for start in range(0, len(member_ids), 500):
                    chunk = member_ids[start : start + 500]
                    cursor.execute(
                        f"DELETE FROM search_member_fts WHERE rowid IN ({', '.join(['%s'] * len(chunk))})", chunk
                    )

    def _insert_rows(self, documents: list[MemberDocument]) -> Counter[str]:
        """Insert the documents' rows; returns the document frequency of each term they add.

        Plain executemany rather than the ORM: a rebuild writes about ten rows per member."""
        if not documents:
            return Counter()
        now = timezone.now()
        members, facets, fts_rows = [], [], []
        frequencies: Counter[str] = Counter()
        for doc in documents:
            analysed = doc.analysed()
            terms = sorted({t for column in TEXT_COLUMNS for t in analysed[column].split()})
            frequencies.update(terms)
            row = [
                doc.member_id, doc.visibility, doc.available, doc.home_space_id, doc.region,
                "|" + "|".join(doc.languages) + "|" if doc.languages else "", " ".join(terms), doc.content_hash, now,
            ]
            if self.vendor == "sqlite":
                members.append(row)
                fts_rows.append([doc.member_id, *(analysed[column] for column in FTS_COLUMNS)])
            else:
                headline_profession_name = " ".join([analysed["headline"], analysed["profession"], analysed["name"]])
                members.append([*row, analysed["canon"], analysed["skills"], headline_profession_name, analysed["bio"]])
            member_id = doc.member_id
            facets += [(member_id, "s", key[:120]) for key in dict.fromkeys(doc.skill_keys)]
            facets += [(member_id, "p", slug) for slug in doc.spaces]
            facets += [(member_id, "r", region) for region in doc.regions]
            facets += [(member_id, "l", code) for code in doc.languages]
            if doc.available:
                facets.append((member_id, "a", "1"))
        columns = "member_id, visibility, available, home_space_id, region, languages, terms, content_hash, indexed_at"
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO search_indexedfacet (member_id, kind, value) VALUES (%s, %s, %s)", facets)
            if self.vendor == "sqlite":
                cursor.executemany(f"INSERT INTO search_indexedmember ({columns}) VALUES ({', '.join(['%s'] * 9)})", members)
                cursor.executemany(
                    f"INSERT INTO search_member_fts(rowid, {', '.join(FTS_COLUMNS)}) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    fts_rows,
                )
            else:
                # The weighted tsvector is computed by PostgreSQL in the same INSERT.
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
                known = set(IndexTerm.objects.filter(term__in=[t for t, _ in added]).values_list("term", flat=True))
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

    def rebuild(self, batches: Iterable[list[MemberDocument]], *, progress: Callable[[int], None] = lambda n: None) -> int:
        """Empty the index and fill it again, batch by batch, in one transaction.

        Readers keep the old index until the commit (SQLite WAL, PostgreSQL MVCC)."""
        total = 0
        with transaction.atomic():
            IndexedFacet.objects.all().delete()
            IndexedMember.objects.all().delete()
            with connection.cursor() as cursor:
                if self.vendor == "sqlite":
                    cursor.execute("DELETE FROM search_member_fts")
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
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE search_indexedmember")
                cursor.execute("ANALYZE search_indexedfacet")
        return total

    def indexed_hashes(self) -> dict[int, str]:
        return dict(IndexedMember.objects.values_list("member_id", "content_hash"))


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


def rank_suggestions(candidates: list[tuple[str, int]], counts: dict[str, int], limit: int) -> list[tuple[str, int]]:
    """Best rank first, then the skills more members offer; free tags nobody offers are dropped."""
    results = [(key, rank, counts.get(key, 0)) for key, rank in candidates if rank < 3 or counts.get(key)]
    results.sort(key=lambda item: (item[1], -item[2], item[0]))
    return [(key, count) for key, _, count in results[:limit]]

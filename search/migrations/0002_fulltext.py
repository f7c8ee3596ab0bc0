"""The full-text part of the database search backend, for the database in use.

SQLite: an FTS5 table of analysed member text (bm25 ranking, prefix index on 2-4 letters) and a
trigram FTS5 table over the vocabulary (typo lookup), kept in sync by the backend's code.
PostgreSQL: a weighted tsvector column on search_indexedmember with a GIN index, and pg_trgm
(trigram GIN index on the vocabulary). Other databases get no full-text table: the backend then
refuses to start with a clear message.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE search_member_fts USING fts5(
        canon, skills, headline, profession, bio, name,
        tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4'
    )""",
    """CREATE VIRTUAL TABLE search_term_trgm USING fts5(
        term, content = 'search_indexterm', content_rowid = 'id', tokenize = 'trigram'
    )""",
]
SQLITE_BACKWARD = [
    "DROP TABLE IF EXISTS search_term_trgm",
    "DROP TABLE IF EXISTS search_member_fts",
]

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE search_indexedmember ADD COLUMN document tsvector NOT NULL DEFAULT ''::tsvector",
    "CREATE INDEX search_indexedmember_document ON search_indexedmember USING GIN (document)",
    "CREATE INDEX search_indexterm_trgm ON search_indexterm USING GIN (term gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_indexterm_trgm",
    "DROP INDEX IF EXISTS search_indexedmember_document",
    "ALTER TABLE search_indexedmember DROP COLUMN IF EXISTS document",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]

"""pg_trgm and a GIN trigram index for the identity list search (PostgreSQL only: SQLite has
neither, and migrates through unchanged).

The search is `icontains`, which PostgreSQL runs as `UPPER(col::text) LIKE UPPER('%q%')`;
the index holds the same expressions. (Written as SQL: Django 5.2 renders an `OpClass` over a
function as `(UPPER(col) gin_trgm_ops)`, which PostgreSQL refuses.)"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from core.postgres import RunSQLOnPostgres

SEARCH_INDEX = """
CREATE INDEX identity_search_trgm ON identities_identity USING gin (
    UPPER(name::text) gin_trgm_ops,
    UPPER(external_id::text) gin_trgm_ops,
    UPPER(purpose) gin_trgm_ops
)"""


class Migration(migrations.Migration):
    dependencies = [("identities", "0006_tokens_revoked_event")]

    operations = [
        TrigramExtension(),  # CREATE EXTENSION IF NOT EXISTS; skipped on other databases
        RunSQLOnPostgres(SEARCH_INDEX, "DROP INDEX identity_search_trgm"),
    ]

"""Migration operations that only PostgreSQL runs, so the embedded SQLite default still
migrates (the model state is unchanged; only the database work is skipped elsewhere)."""

from django.db.migrations.operations import RunSQL


class RunSQLOnPostgres(RunSQL):
    """RunSQL for PostgreSQL-only objects (GIN trigram indexes and the like)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)

"""Live rows against the ledger: every governed row must equal its latest chained history record.

The ledger proves the history rows (and the append-only rows) are the ones written; this
proves the *live* tables still say what history says, so an `UPDATE` made behind Steward's
back (raw SQL, a `QuerySet.update()`) is named — model, primary key, fields — instead of
being served as evidence. For each historical model, set-based and chunked by primary-key
range:

* live rows joined to their latest history row (`MAX(history_id)` per object id): a row with
  no history, whose latest record is a deletion, or with any tracked field different;
* latest history rows that are not deletions and have no live row: deleted behind history.

"Latest" is the highest `history_id`: a live row's `UPDATE` holds its row lock to commit, so
its history rows are numbered in commit order (explicit `history_date`s, as the seeded policy
versions carry, don't reorder them). Fields simple-history excludes (`excluded_fields`) have
no history to compare with: they are listed as unverified, never passed. Append-only records
(`ledger.APPEND_ONLY`) are chained as they are, so `ledger.verify` already compares them.

`bulk_update_with_history` writes the live row from `fields` and the history row from the
whole in-memory object; both agree when the objects were read (locked) in the same
transaction, as every service does. A caller that updates stale objects makes history lie
about the row — which this check then reports, as it should.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection

CHUNK = 5000


@dataclass(frozen=True)
class Mismatch:
    source: str  # app_label.model of the live row
    pk: int
    reason: str
    fields: tuple[str, ...] = ()
    history_id: int | None = None

    def __str__(self) -> str:
        where = f"{self.source} pk={self.pk}"
        if self.fields:
            return f"{where}: {self.reason} in {', '.join(self.fields)}"
        return f"{where}: {self.reason}"


def tracked_fields(live_model, history_model) -> tuple[list[tuple[str, str]], list[str]]:
    """([(field name, column)] compared, [field names with no history column])."""
    history_columns = {f.column for f in history_model._meta.concrete_fields}
    pk_column = live_model._meta.pk.column
    compared, unverified = [], []
    for f in live_model._meta.concrete_fields:
        if f.column == pk_column:
            continue
        if f.column in history_columns:
            compared.append((f.attname, f.column))
        else:
            unverified.append(f.attname)
    return compared, unverified


def _distinct(a: str, b: str) -> str:
    if connection.vendor == "sqlite":
        return f"({a} IS NOT {b})"
    return f"({a} IS DISTINCT FROM {b})"


def _boundaries(table: str, pk: str) -> Iterator[tuple[object, object]]:
    """(low, high] primary-key ranges of at most CHUNK live rows; None = unbounded."""
    q = connection.ops.quote_name
    sql = "SELECT {pk} FROM {table} WHERE {where} ORDER BY {pk} LIMIT 1 OFFSET %s"
    low = None
    with connection.cursor() as cursor:
        while True:
            where, params = _range(q(pk), low, None)
            cursor.execute(sql.format(pk=q(pk), table=q(table), where=where), [*params, CHUNK - 1])
            row = cursor.fetchone()
            high = row[0] if row else None
            yield low, high
            if high is None:
                return
            low = high


def _range(column: str, low, high) -> tuple[str, list]:
    parts, params = [], []
    if low is not None:
        parts.append(f"{column} > %s")
        params.append(low)
    if high is not None:
        parts.append(f"{column} <= %s")
        params.append(high)
    return (" AND ".join(parts) or "1=1"), params


# Identifiers are quoted model metadata, values are parameters. The latest history row per
# object, with its type: DISTINCT ON on PostgreSQL; on SQLite a bare column next to MAX()
# comes from the row holding the maximum (documented SQLite behaviour).
LATEST = {
    "postgresql": """
SELECT DISTINCT ON (x.{pk}) x.{pk} AS oid, x.{hpk} AS hid, x.history_type AS htype
FROM {hist} x WHERE {hist_range} ORDER BY x.{pk}, x.{hpk} DESC""",
    "sqlite": """
SELECT x.{pk} AS oid, MAX(x.{hpk}) AS hid, x.history_type AS htype
FROM {hist} x WHERE {hist_range} GROUP BY x.{pk}""",
}
LIVE_VS_LATEST = """
SELECT l.{pk}, m.hid, m.htype, {flags}
FROM {live} l LEFT JOIN ({latest}) m ON m.oid = l.{pk} LEFT JOIN {hist} h ON h.{hpk} = m.hid
WHERE {live_range} AND (m.hid IS NULL OR m.htype = '-' OR {any_diff})
ORDER BY l.{pk} LIMIT %s"""
DELETED_BEHIND_HISTORY = """
SELECT m.oid, m.hid FROM ({latest}) m
WHERE m.htype <> '-' AND NOT EXISTS (SELECT 1 FROM {live} l WHERE l.{pk} = m.oid AND {live_range})
ORDER BY m.oid LIMIT %s"""


def compare_model(live_model, history_model, *, limit: int) -> list[Mismatch]:
    """Mismatches of one historical model, at most `limit`."""
    q = connection.ops.quote_name
    source = live_model._meta.label_lower
    names = {
        "live": q(live_model._meta.db_table),
        "hist": q(history_model._meta.db_table),
        "pk": q(live_model._meta.pk.column),
        "hpk": q(history_model._meta.pk.column),  # history_id
    }
    compared, _ = tracked_fields(live_model, history_model)
    diffs = [_distinct(f"l.{q(col)}", f"h.{q(col)}") for _, col in compared] or ["0=1"]
    found: list[Mismatch] = []
    with connection.cursor() as cursor:
        for low, high in _boundaries(live_model._meta.db_table, live_model._meta.pk.column):
            live_range, live_params = _range(f"l.{names['pk']}", low, high)
            hist_range, hist_params = _range(f"x.{names['pk']}", low, high)
            latest = LATEST[connection.vendor].format(hist_range=hist_range, **names)
            sql = LIVE_VS_LATEST.format(
                flags=", ".join(diffs), any_diff=" OR ".join(diffs), latest=latest,
                live_range=live_range, **names,
            )  # fmt: skip
            cursor.execute(sql, [*hist_params, *live_params, limit - len(found)])
            for obj_pk, history_id, history_type, *flags in cursor.fetchall():
                found.append(_mismatch(source, obj_pk, history_id, history_type, compared, flags))
            if len(found) >= limit:
                return found
            sql = DELETED_BEHIND_HISTORY.format(latest=latest, live_range=live_range, **names)
            cursor.execute(sql, [*hist_params, *live_params, limit - len(found)])
            found += [
                Mismatch(source, obj_pk, "live row deleted without a history record", (), hid)
                for obj_pk, hid in cursor.fetchall()
            ]
            if len(found) >= limit:
                return found
    return found


def _mismatch(source, obj_pk, history_id, history_type, compared, flags) -> Mismatch:
    if history_id is None:
        return Mismatch(source, obj_pk, "live row has no history record")
    if history_type == "-":
        return Mismatch(
            source, obj_pk, "live row exists but history records it deleted", (), history_id
        )
    differ = tuple(name for (name, _), flag in zip(compared, flags, strict=False) if flag)
    return Mismatch(
        source, obj_pk, f"live row differs from its latest history record #{history_id}",
        differ, history_id,
    )  # fmt: skip


def governed_models() -> dict[str, tuple[type, type]]:
    """{label: (live model, historical model)} for every model with history."""
    from django.apps import apps

    from .ledger import is_historical

    out = {}
    for model in apps.get_models():
        if is_historical(model):
            live = model.instance_type
            out[live._meta.label_lower] = (live, model)
    return dict(sorted(out.items()))


def compare_all(*, limit: int = 100) -> tuple[list[Mismatch], dict[str, list[str]]]:
    """(mismatches across every governed model, {label: unverified fields})."""
    found: list[Mismatch] = []
    unverified: dict[str, list[str]] = {}
    for src, (live, hist) in governed_models().items():
        _, missing = tracked_fields(live, hist)
        if missing:
            unverified[src] = missing
        if len(found) < limit:
            found += compare_model(live, hist, limit=limit - len(found))
    return found, unverified

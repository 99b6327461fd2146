"""History plumbing: name the actor of changes made outside a web request; the history and
manager classes of governed models; show changes as people read them."""

from contextlib import contextmanager
from types import SimpleNamespace

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from simple_history.manager import HistoryManager
from simple_history.models import HistoricalRecords
from simple_history.utils import get_change_reason_from_object

from .bulk import as_read, insert_rows
from .lookups import one_of
from .signals import rows_inserted


@contextmanager
def history_actor(user):
    """Outside a web request (worker, shell) simple-history knows no user: name the actor so
    history never records None. Inside a request the middleware has already set it."""
    context = HistoricalRecords.context
    previous = getattr(context, "request", None)
    if previous is not None:
        yield
        return
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        del context.request


def stamp(instance, *, actor, reason: str) -> None:
    """Name who changed `instance` and why, for its history row — in a request or not."""
    instance._history_user = actor
    instance._change_reason = reason


# --- governed models: history and append-only records whose bulk writes announce their rows --
# Django sends no `post_save` from `bulk_create`, nor simple-history from `bulk_history_create`
# (used by `bulk_update_with_history` / `bulk_create_with_history`). The evidence ledger must
# see every such row, so governed models declare these instead of the library defaults, and
# their bulk writes send `core.signals.rows_inserted` (the rows' primary keys) in the writer's
# transaction. `evidence`'s system check names a governed model that declares neither.


class ChainedHistoryManager(HistoryManager):
    """simple-history's `bulk_history_create` as one multi-row insert of tuples
    (`core.bulk.insert_rows`, which announces the rows) instead of a historical instance per
    row through `bulk_create`: the same rows, without the per-row model machinery."""

    def bulk_history_create(
        self, objs, batch_size=None, update=False, default_user=None, default_change_reason="",
        default_date=None, custom_historical_attrs=None,
    ):  # fmt: skip
        if custom_historical_attrs or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            created = super().bulk_history_create(
                objs, batch_size, update, default_user, default_change_reason, default_date,
                custom_historical_attrs,
            )  # fmt: skip
            if created:
                rows_inserted.send(sender=self.model, pks=[row.pk for row in created])
            return created
        model, now = self.model, default_date or timezone.now()
        tracked = [f.attname for f in model.tracked_fields]
        kind = "~" if update else "+"
        rows = []
        for obj in objs:
            user = getattr(obj, "_history_user", None) or default_user
            user = user or model.get_default_history_user(obj)
            reason = get_change_reason_from_object(obj) or default_change_reason
            values = [getattr(obj, name) for name in tracked]
            rows.append((*values, getattr(obj, "_history_date", now), getattr(user, "pk", user),
                         reason, kind))  # fmt: skip
        columns = (*tracked, "history_date", "history_user_id", "history_change_reason")
        return insert_rows(model, (*columns, "history_type"), rows)


def insert_with_history(model, fields, rows, *, user_id, reason: str, now) -> list[int]:
    """New rows of a governed model with a '+' history row each, in two statements whatever
    their number and no instance per row: the rows (`insert_rows`, tuples in `fields` order),
    then `history_rows_insert`. Returns their primary keys in `rows` order."""
    pks = insert_rows(model, fields, rows)
    history_rows_insert(model, pks, user_id=user_id, reason=reason, now=now)
    return pks


_IDS_PER_STATEMENT = 900  # SQLite's bound-parameter limit; PostgreSQL takes one array


def history_rows_insert(model, pks: list[int], *, user_id, reason: str, now) -> None:
    """A '+' history row of each of `model`'s rows `pks`, copied from the rows as stored
    (`INSERT … SELECT … RETURNING`) and announced to the ledger as returned: what
    `bulk_history_create` writes for new rows (the reason cut to its column, as it does),
    without reading them into instances."""
    history = model.history.model
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in history.tracked_fields)
    fields = history._meta.concrete_fields
    pk = qn(model._meta.pk.column)
    sql = (
        f"INSERT INTO {qn(history._meta.db_table)} ({columns}, history_date, "  # noqa: S608
        "history_change_reason, history_type, history_user_id) "
        f"SELECT {columns}, %s, %s, '+', %s FROM {qn(model._meta.db_table)} WHERE {{where}} "
        f"ORDER BY {pk} RETURNING {', '.join(qn(f.column) for f in fields)}"
    )
    reason = reason[: history._meta.get_field("history_change_reason").max_length]
    rows = []
    postgres = connection.vendor == "postgresql"
    step = max(len(pks), 1) if postgres else _IDS_PER_STATEMENT
    with connection.cursor() as cursor:
        for start in range(0, len(pks), step):
            where, params = one_of(pk, pks[start : start + step])
            cursor.execute(sql.format(where=where), [now, reason, user_id, *params])
            rows += cursor.fetchall()
    names = [f.attname for f in fields]
    stored = [dict(zip(names, row, strict=True)) for row in as_read(history, fields, rows)]
    key = history._meta.pk.attname
    rows_inserted.send(sender=history, pks=[row[key] for row in stored], stored=stored)


class GovernedHistory(HistoricalRecords):
    """`HistoricalRecords` whose bulk history rows are announced (`rows_inserted`)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("history_manager", ChainedHistoryManager)
        super().__init__(*args, **kwargs)


class AppendOnlyManager(models.Manager):
    """Default manager of an append-only record: `bulk_create` announces its rows."""

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            if created:
                rows_inserted.send(sender=self.model, pks=[row.pk for row in created])
        return created


def readable_diffs(groups: list[list[tuple]]) -> list[list[tuple]]:
    """Each group's (model field, before, after) as (field label, before, after) people read:
    choice labels, and the name of what a foreign key points at instead of its id (one query
    per related model, whatever the number of groups)."""
    wanted: dict[type, set] = {}
    for diffs in groups:
        for f, before, after in diffs:
            if f.many_to_one and f.related_model is not None:
                wanted.setdefault(f.related_model, set()).update(
                    v for v in (before, after) if v is not None
                )
    labels = {model: object_labels(model, ids) for model, ids in wanted.items()}

    def show(f, value):
        if value is None:
            return None
        if f.many_to_one and f.related_model is not None:
            return labels[f.related_model].get(
                value, f"{f.related_model._meta.verbose_name} #{value} (gone)"
            )
        if f.choices:
            return dict(f.flatchoices).get(value, value)
        return value

    return [
        [(str(f.verbose_name), show(f, before), show(f, after)) for f, before, after in diffs]
        for diffs in groups
    ]


def object_labels(model, ids) -> dict:
    """{pk: a readable name} for rows of `model`, in one query (none when it has no name)."""
    fields = {f.name for f in model._meta.concrete_fields}
    manager = model._base_manager.filter(pk__in=ids)
    if {"username", "first_name", "last_name"} <= fields:
        return {
            pk: f"{first} {last}".strip() or username
            for pk, first, last, username in manager.values_list(
                "pk", "first_name", "last_name", "username"
            )
        }
    for name in ("name", "label", "title", "key"):
        if name in fields:
            return dict(manager.values_list("pk", name))
    noun = model._meta.verbose_name
    return {pk: f"{noun} #{pk}" for pk in ids}

"""Reads for evidence: the audit browser over every history table, and summary counts."""

import heapq
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from core.history import readable_diffs

from . import ledger
from .forms import period

DIFF_SKIP = {"updated_at"}


@dataclass
class Change:
    model: str  # label of the tracked model, e.g. identities.identity
    model_name: str
    object_id: int
    history_id: int
    date: object
    kind: str  # + ~ -
    actor: str  # username (the filter's key)
    reason: str
    diffs: list  # [(field label, old, new)]: values as people read them
    actor_user: object = None  # the User, for the name people read

    @property
    def kind_label(self) -> str:
        return {"+": "created", "~": "changed", "-": "deleted"}.get(self.kind, self.kind)


def audit_models() -> dict[str, type]:
    """{tracked model label: its historical model}."""
    return {
        m.instance_type._meta.label_lower: m
        for m in ledger.sources().values()
        if ledger.is_historical(m)
    }


def _history_qs(history, *, actor, object_id, filters):
    qs = history.objects.all()
    start, end = period(filters)
    if start:
        qs = qs.filter(history_date__gte=start)
    if end:
        qs = qs.filter(history_date__lte=end)
    if actor:
        qs = qs.filter(history_user__username=actor)
    if object_id:
        qs = qs.filter(**{history.instance_type._meta.pk.attname: object_id})
    return qs.select_related("history_user").order_by("-history_date", "-history_id")


def audit_changes(*, model=None, actor=None, object_id=None, filters=None, page=1, per_page=50):
    """One page of changes, newest first, merged across history tables: a query per table
    for the page, and one per table for the previous versions the diffs compare against."""
    filters = filters or {}
    models = audit_models()
    if model:
        models = {model: models[model]} if model in models else {}
    if object_id is not None and not str(object_id).isdigit():
        return [], False
    want = page * per_page + 1
    streams = []
    for label, history in models.items():
        rows = list(_history_qs(history, actor=actor, object_id=object_id, filters=filters)[:want])
        streams.append([((r.history_date, r.history_id), label, r) for r in rows])
    merged = list(heapq.merge(*streams, key=lambda t: t[0], reverse=True))
    window = merged[(page - 1) * per_page : page * per_page]
    prev = _previous_versions(models, window)
    changes = []
    for _key, label, row in window:
        history = models[label]
        changes.append(
            Change(
                model=label,
                model_name=history.instance_type._meta.verbose_name,
                object_id=getattr(row, history.instance_type._meta.pk.attname),
                history_id=row.history_id,
                date=row.history_date,
                kind=row.history_type,
                actor=row.history_user.get_username() if row.history_user else "",
                actor_user=row.history_user,
                reason=row.history_change_reason or "",
                diffs=_diff(history, prev.get((label, row.history_id)), row),
            )
        )
    _humanize(changes)
    return changes, len(merged) > page * per_page


def _previous_versions(models, window) -> dict:
    """{(label, history_id): the version before it} in one query per table."""
    out = {}
    by_label: dict[str, list] = {}
    for _key, label, row in window:
        by_label.setdefault(label, []).append(row)
    for label, rows in by_label.items():
        history = models[label]
        pk_name = history.instance_type._meta.pk.attname
        ids = {getattr(r, pk_name) for r in rows}
        latest = max(r.history_date for r in rows)
        versions: dict[int, list] = {}
        for v in history.objects.filter(
            **{f"{pk_name}__in": ids}, history_date__lte=latest
        ).order_by("history_date", "history_id"):
            versions.setdefault(getattr(v, pk_name), []).append(v)
        for r in rows:
            before = None
            for v in versions.get(getattr(r, pk_name), []):
                if (v.history_date, v.history_id) >= (r.history_date, r.history_id):
                    break
                before = v
            out[(label, r.history_id)] = before
    return out


def _diff(history, old, new) -> list[tuple]:
    """(field, before, after) of a version against the one before it. A creation lists what
    was set; a deletion lists what was deleted (before: the last values, after: None)."""
    tracked = {f.name for f in history.tracked_fields}  # history may leave fields out
    fields = [
        f
        for f in history.instance_type._meta.concrete_fields
        if f.name in tracked and f.name not in DIFF_SKIP
    ]
    out = []
    for f in fields:
        after = getattr(new, f.attname)
        before = getattr(old, f.attname) if old is not None else None
        if new.history_type == "-":
            if after not in (None, "", [], {}) and not f.primary_key:
                out.append((f, after, None))
        elif old is None and new.history_type == "+":
            if after not in (None, "", [], {}):
                out.append((f, None, after))
        elif before != after:
            out.append((f, before, after))
    return out


def _humanize(changes: list[Change]) -> None:
    """Field names and values as people read them (core.history.readable_diffs)."""
    for change, diffs in zip(changes, readable_diffs([c.diffs for c in changes]), strict=True):
        change.diffs = diffs


def evidence_counts() -> dict:
    from approvals.models import Grant, Request

    grants = Grant.objects.aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(status="active")),
        review_overdue=Count(
            "pk", filter=Q(review_due_at__lte=timezone.now(), reviewed_at__isnull=True)
        ),
    )
    return {"requests": Request.objects.count(), **{f"grants_{k}": v for k, v in grants.items()}}

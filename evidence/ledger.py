"""The tamper-evident ledger: every history and append-only record, hash-chained.

Entry *n* stores `payload_digest` = sha256 of the recorded row's canonical JSON (as read back
from the database), `prev_hash` = entry *n-1*'s `entry_hash` and
`entry_hash` = sha256(prev_hash | seq | source | record_pk | payload_digest | created_at).
`verify()` recomputes it all and names the first broken link, then proves every governed
live row equals its latest chained history record (`evidence.live`): history alone would not
show an `UPDATE` of the live table made behind Steward's back.

How rows get chained, always in the transaction that writes them:

* single saves: `post_save(created=True)` of every historical model and append-only model
  (`APPEND_ONLY`). For history rows this is the save inside simple-history's
  `create_historical_record`, just before its `post_create_historical_record` signal; unlike
  that signal it also covers history rows created directly (`seed_policies` writes its
  version-1 rows with `HistoricalApprovalPolicy.objects.create`);
* bulk paths: simple-history sends no signal from `bulk_history_create` (used by
  `bulk_update_with_history`/`bulk_create_with_history`) and Django none from `bulk_create`.
  `install()` wraps `HistoryManager.bulk_history_create` and the append-only models' default
  manager `bulk_create` so the rows they return are chained in one set-based append (no
  change to the apps that call them). A plain `QuerySet.update()` writes no history at all
  (STYLE forbids it) and so has nothing to chain;
* rows written with no hook (data migrations, raw SQL loads before Steward ran) are chained by
  `catch_up()`, which `post_migrate` runs. `verify()` never chains: it reports such rows as
  "not in the ledger", which is also what a deleted ledger entry looks like.

Race safety: appends serialise on a transaction-scoped advisory lock on PostgreSQL (held to
commit, so the chain order is the commit order); SQLite's IMMEDIATE transactions already
serialise writers. The ledger is tamper-*evident* against edits inside the database; export
the chain head (the evidence bundle's manifest does) to anchor it outside.
"""

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

GENESIS = "0" * 64
LOCK_KEY = 0x5374_6577  # "Stew": pg_advisory_xact_lock key of the ledger
APPEND_ONLY = (
    "identities.LifecycleEvent",
    "approvals.PolicyEvaluation",
    "approvals.GrantCredential",
    "runtime.TokenExchange",
)
CHUNK = 2000


# --- canonical form -----------------------------------------------------------------------
def _plain(value):
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def canonical(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=_plain)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def entry_hash(
    *,
    prev_hash: str,
    seq: int,
    source: str,
    record_pk: int,
    payload_digest: str,
    created_at: dt.datetime,
) -> str:
    stamp = _plain(created_at)
    return sha256(f"{prev_hash}|{seq}|{source}|{record_pk}|{payload_digest}|{stamp}")


# --- sources ------------------------------------------------------------------------------
def is_historical(model) -> bool:
    return getattr(model, "instance_type", None) is not None and hasattr(model, "history_object")


def label(model) -> str:
    return model._meta.label_lower


def sources() -> dict[str, type]:
    """{label: model} of every chained table: all historical models, then the append-only."""
    out = {label(m): m for m in apps.get_models() if is_historical(m)}
    for name in APPEND_ONLY:
        try:
            model = apps.get_model(name)
        except LookupError:  # an app not installed: nothing to chain
            continue
        out[label(model)] = model
    return dict(sorted(out.items()))


def source_fields(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def row_digests(model, pks: Iterable[int]) -> dict[int, str]:
    """{pk: payload digest} of rows as stored; one query per chunk."""
    pks = list(pks)
    fields = source_fields(model)
    pk_name = model._meta.pk.attname
    out = {}
    for start in range(0, len(pks), CHUNK):
        for row in model._default_manager.filter(pk__in=pks[start : start + CHUNK]).values(*fields):
            out[row[pk_name]] = sha256(canonical(row))
    return out


# --- appending ----------------------------------------------------------------------------
def _lock_and_head(ledger) -> tuple[int, str]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    last = ledger.objects.order_by("-seq").values_list("seq", "entry_hash").first()
    return last if last else (0, GENESIS)


def append(model, pks: Iterable[int]) -> int:
    """Chain the rows `pks` of `model` (in pk order), after everything already chained."""
    pks = sorted({pk for pk in pks if pk is not None})
    if not pks:
        return 0
    from .models import LedgerEntry

    source = label(model)
    with transaction.atomic(savepoint=False):  # part of the caller's transaction
        digests = row_digests(model, pks)
        seq, prev = _lock_and_head(LedgerEntry)
        now = timezone.now()
        entries = []
        for pk in pks:
            if pk not in digests:
                continue
            seq += 1
            digest = digests[pk]
            h = entry_hash(
                prev_hash=prev,
                seq=seq,
                source=source,
                record_pk=pk,
                payload_digest=digest,
                created_at=now,
            )
            entries.append(
                LedgerEntry(
                    seq=seq,
                    source=source,
                    record_pk=pk,
                    payload_digest=digest,
                    prev_hash=prev,
                    entry_hash=h,
                    created_at=now,
                )
            )
            prev = h
        LedgerEntry.objects.bulk_create(entries, batch_size=CHUNK)
    return len(entries)


def head() -> dict:
    from .models import LedgerEntry

    last = LedgerEntry.objects.order_by("-seq").values("seq", "entry_hash", "created_at").first()
    return last or {"seq": 0, "entry_hash": GENESIS, "created_at": None}


def unchained(model):
    """Rows of `model` with no ledger entry (a queryset, one anti-join)."""
    from .models import LedgerEntry

    chained = LedgerEntry.objects.filter(source=label(model)).values("record_pk")
    return model._default_manager.exclude(pk__in=chained)


def catch_up() -> int:
    """Chain rows written with no hook (data migrations, loads), source by source."""
    total = 0
    for model in sources().values():
        pks = list(unchained(model).order_by("pk").values_list("pk", flat=True))
        total += append(model, pks)
    return total


# --- verifying ----------------------------------------------------------------------------
@dataclass
class Problem:
    seq: int | None
    source: str
    record_pk: int | None
    reason: str
    fields: tuple[str, ...] = ()  # live rows: the fields that differ from history

    def __str__(self) -> str:
        if self.seq is None and self.reason.startswith("live row"):
            differ = f" in {', '.join(self.fields)}" if self.fields else ""
            return f"{self.source} pk={self.record_pk}: {self.reason}{differ}"
        where = f"entry #{self.seq}" if self.seq is not None else "no entry"
        return f"{where} ({self.source}:{self.record_pk}): {self.reason}"


@dataclass
class Report:
    entries: int = 0
    head: str = GENESIS
    problems: list[Problem] = field(default_factory=list)
    checked_at: dt.datetime | None = None
    live_rows_checked: bool = False
    unverified_fields: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_break(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head": self.head,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
            "first_break": str(self.first_break) if self.first_break else None,
            "problems": len(self.problems),
            "named": [str(p) for p in self.problems[:20]],
            "live_rows_checked": self.live_rows_checked,
            "unverified_fields": self.unverified_fields,
        }


def _check_chunk(chunk, models, prev, expected_seq, report, limit) -> tuple[str, int]:
    by_source: dict[str, list[int]] = {}
    for e in chunk:
        by_source.setdefault(e.source, []).append(e.record_pk)
    digests = {
        src: row_digests(models[src], pks) if src in models else {}
        for src, pks in by_source.items()
    }
    for e in chunk:
        if len(report.problems) >= limit:
            break
        if e.seq != expected_seq:
            report.problems.append(
                Problem(
                    e.seq,
                    e.source,
                    e.record_pk,
                    f"sequence broken: expected entry #{expected_seq} here",
                )
            )
        if e.prev_hash != prev:
            report.problems.append(
                Problem(e.seq, e.source, e.record_pk, "does not link to the previous entry")
            )
        recomputed = entry_hash(
            prev_hash=e.prev_hash,
            seq=e.seq,
            source=e.source,
            record_pk=e.record_pk,
            payload_digest=e.payload_digest,
            created_at=e.created_at,
        )
        if recomputed != e.entry_hash:
            report.problems.append(Problem(e.seq, e.source, e.record_pk, "entry was altered"))
        current = digests.get(e.source, {}).get(e.record_pk)
        if current is None:
            report.problems.append(Problem(e.seq, e.source, e.record_pk, "recorded row is gone"))
        elif current != e.payload_digest:
            report.problems.append(
                Problem(e.seq, e.source, e.record_pk, "recorded row was changed")
            )
        prev, expected_seq = e.entry_hash, e.seq + 1
    return prev, expected_seq


def verify(*, limit: int = 100, live_rows: bool = True) -> Report:
    """Recompute the chain in seq order, streamed in chunks; then find rows not in it; then
    prove every governed live row equals its latest (chained) history row (`evidence.live`)."""
    from . import live
    from .models import LedgerEntry

    report = Report(checked_at=timezone.now())
    models = sources()
    prev, expected_seq, chunk = GENESIS, 1, []
    for entry in LedgerEntry.objects.order_by("seq").iterator(chunk_size=CHUNK):
        report.entries += 1
        chunk.append(entry)
        if len(chunk) >= CHUNK:
            prev, expected_seq = _check_chunk(chunk, models, prev, expected_seq, report, limit)
            chunk = []
    if chunk:
        prev, expected_seq = _check_chunk(chunk, models, prev, expected_seq, report, limit)
    report.head = prev
    for src, model in models.items():
        for pk in unchained(model).order_by("pk").values_list("pk", flat=True)[:limit]:
            report.problems.append(Problem(None, src, pk, "row is not in the ledger"))
    if live_rows:
        mismatches, report.unverified_fields = live.compare_all(limit=limit)
        report.live_rows_checked = True
        report.problems += [Problem(None, m.source, m.pk, m.reason, m.fields) for m in mismatches]
    return report


# --- hooks ----------------------------------------------------------------------------------
def on_record_save(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        append(sender, [instance.pk])


def on_rows_inserted(sender, pks, **kwargs):
    """Rows a set-based statement wrote (core.signals.rows_inserted), chained as a bulk
    create's are."""
    if label(sender) in sources():
        append(sender, pks)


def on_post_migrate(sender, **kwargs):
    from .models import LedgerEntry

    if LedgerEntry._meta.db_table in connection.introspection.table_names():
        catch_up()


_installed = False


def install() -> None:
    """Connect the hooks (evidence.apps.ready)."""
    global _installed
    if _installed:
        return
    _installed = True
    from django.db.models.signals import post_save
    from simple_history.manager import HistoryManager

    from core.signals import rows_inserted

    for name, model in sources().items():
        post_save.connect(on_record_save, sender=model, dispatch_uid=f"evidence-ledger-{name}")
    rows_inserted.connect(on_rows_inserted, dispatch_uid="evidence-ledger-rows-inserted")
    original_bulk_history = HistoryManager.bulk_history_create

    def bulk_history_create(self, objs, *args, **kwargs):
        created = original_bulk_history(self, objs, *args, **kwargs)
        if created:
            append(self.model, [row.pk for row in created])
        return created

    HistoryManager.bulk_history_create = bulk_history_create
    for name in APPEND_ONLY:
        try:
            model = apps.get_model(name)
        except LookupError:
            continue
        manager = model._default_manager
        manager.bulk_create = _chained_bulk_create(model, manager.bulk_create)


def _chained_bulk_create(model, original):
    def bulk_create(objs, *args, **kwargs):
        with transaction.atomic(savepoint=False):
            created = original(objs, *args, **kwargs)
            append(model, [o.pk for o in created])
        return created

    return bulk_create

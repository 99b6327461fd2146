"""The tamper-evident ledger: every history and append-only record, hash-chained.

Entry *n* stores `payload_digest` = sha256 of the recorded row's canonical JSON (as stored:
returned by the statement that wrote it, else read back in the transaction that wrote it),
`prev_hash` = entry *n-1*'s `entry_hash` and
`entry_hash` = sha256(prev_hash | seq | source | record_pk | payload_digest | created_at).
`verify()` recomputes it all and names the first broken link, then proves every governed
live row equals its latest chained history record (`evidence.live`): history alone would not
show an `UPDATE` of the live table made behind Steward's back.

Two steps, so that no business write waits for another:

1. *pending*: the transaction that writes a history or append-only row also writes a
   `PendingEntry` (source, pk, digest of the row as written) — a plain insert, no lock, so
   concurrent writers never serialise on the ledger. Hooks: `post_save(created=True)` of every
   historical and append-only model (`APPEND_ONLY`), which also covers history rows created
   directly (`seed_policies` writes version-1 rows with `objects.create`); and
   `core.signals.rows_inserted` (the primary keys written), which the governed models' history
   manager (`GovernedHistory`, used by `bulk_update_with_history`/`bulk_create_with_history`),
   the append-only models' `AppendOnlyManager.bulk_create` and set-based statements (COPY,
   INSERT ... SELECT: `core.bulk.insert_rows`, `identities.bulk`) send — Django and
   simple-history send no signal from bulk paths. `check_hooks`
   (a system check) names a governed model declaring neither. A plain `QuerySet.update()`
   writes no history (STYLE forbids it): nothing to chain.
2. *chained*: `chain()` — the beat task `evidence.tasks.ledger_chain`, and `verify()` and the
   evidence bundle before they read the head — takes the ledger's advisory lock (only chainers
   ever take it), turns committed pending entries into ledger entries in id order and deletes
   them, in one transaction per batch. A crash between a write and the chainer leaves pending
   entries, which the next run chains; a crash inside it rolls its batch back.

Rows written with no hook at all (data migrations, raw SQL loads before Steward ran) are
queued by `catch_up()`, which `post_migrate` runs. `verify()` never invents entries for them:
it reports such rows as "not in the ledger", which is also what a deleted entry looks like.
The ledger is tamper-*evident* against edits inside the database; export the chain head (the
evidence bundle's manifest does) to anchor it outside.
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
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.bulk import id_list, insert_ignore

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


def digest(row: dict) -> str:
    """The payload digest of one row ({attname: value} of every concrete field)."""
    return sha256(canonical(row))


def row_digests(model, pks: Iterable[int]) -> dict[int, str]:
    """{pk: payload digest} of rows as stored; one query per chunk."""
    pks = list(pks)
    fields = source_fields(model)
    pk_name = model._meta.pk.attname
    at = fields.index(pk_name)
    out = {}
    for start in range(0, len(pks), CHUNK):
        chunk = model._default_manager.filter(pk__in=id_list(pks[start : start + CHUNK]))
        for row in chunk.values_list(*fields):
            out[row[at]] = digest(dict(zip(fields, row, strict=True)))
    return out


# --- pending: written by every writer, in its own transaction, with no lock -------------
def enqueue(model, pks: Iterable[int], stored: list[dict] | None = None) -> int:
    """Record rows `pks` of `model` as pending, with their digests as stored now (part of the
    caller's transaction; no lock, so concurrent writers proceed in parallel). `stored`: the
    rows as the statement that wrote them returned them (`INSERT … RETURNING` every concrete
    field, converted as `row_digests` reads them), hashed without reading them back."""
    from .models import PendingEntry

    fields, pk_name = source_fields(model), model._meta.pk.attname
    if stored is not None and all(list(row) == fields for row in stored):
        digests = {row[pk_name]: digest(row) for row in sorted(stored, key=lambda r: r[pk_name])}
    else:
        digests = row_digests(model, sorted({pk for pk in pks if pk is not None}))
    source = label(model)
    insert_ignore(  # no unique constraint: a plain multi-row insert
        PendingEntry,
        ("source", "record_pk", "payload_digest"),
        [(source, pk, digest) for pk, digest in digests.items()],
    )
    return len(digests)


# --- chained: one chainer at a time ---------------------------------------------------------
def _lock_and_head(ledger) -> tuple[int, str]:
    if connection.vendor == "postgresql":  # chainers only: writers never take it
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    last = ledger.objects.order_by("-seq").values_list("seq", "entry_hash").first()
    return last if last else (0, GENESIS)


def _chained_already(batch) -> set[tuple[str, int]]:
    from .models import LedgerEntry

    by_source: dict[str, list[int]] = {}
    for p in batch:
        by_source.setdefault(p.source, []).append(p.record_pk)
    done = set()
    for src, pks in by_source.items():
        rows = LedgerEntry.objects.filter(source=src, record_pk__in=pks)
        done |= {(src, pk) for pk in rows.values_list("record_pk", flat=True)}
    return done


def _chain_batch() -> tuple[int, int]:
    """(pending entries taken, ledger entries written) of one batch, in one transaction."""
    from .models import LedgerEntry, PendingEntry

    with transaction.atomic():
        seq, prev = _lock_and_head(LedgerEntry)
        batch = list(PendingEntry.objects.order_by("id")[:CHUNK])
        seen = _chained_already(batch)  # queued twice (catch_up and a hook): chained once
        now, entries = timezone.now(), []
        for p in batch:
            if (p.source, p.record_pk) in seen:
                continue
            seen.add((p.source, p.record_pk))
            seq += 1
            fields = {"seq": seq, "source": p.source, "record_pk": p.record_pk}
            fields |= {"payload_digest": p.payload_digest, "created_at": now}
            h = entry_hash(prev_hash=prev, **fields)
            entries.append(LedgerEntry(prev_hash=prev, entry_hash=h, **fields))
            prev = h
        LedgerEntry.objects.bulk_create(entries, batch_size=CHUNK)
        PendingEntry.objects.filter(id__in=[p.id for p in batch]).delete()
    return len(batch), len(entries)


def chain() -> int:
    """Chain every committed pending entry, after everything already chained; returns how many
    entries were written. Safe to run concurrently (the lock orders chainers) and repeatedly."""
    total = 0
    while True:
        taken, written = _chain_batch()
        total += written
        if taken < CHUNK:
            return total


def head() -> dict:
    from .models import LedgerEntry

    last = LedgerEntry.objects.order_by("-seq").values("seq", "entry_hash", "created_at").first()
    return last or {"seq": 0, "entry_hash": GENESIS, "created_at": None}


def unchained(model):
    """Rows of `model` neither chained nor pending. The chain by NOT EXISTS, an anti-join on
    its unique (source, record_pk) index: PostgreSQL cannot turn `NOT IN (subquery)` into one
    (NULL semantics), and once a source's entries outgrow `work_mem` it reruns the subquery
    for every row — verification at a million entries never finished. The pending entries,
    drained by every `chain()`, stay a hashed `NOT IN`: no index to probe, and small."""
    from .models import LedgerEntry, PendingEntry

    source = label(model)
    chained = LedgerEntry.objects.filter(source=source, record_pk=OuterRef("pk"))
    pending = PendingEntry.objects.filter(source=source).values("record_pk")
    return model._default_manager.filter(~Exists(chained)).exclude(pk__in=pending)


def catch_up() -> int:
    """Chain rows written with no hook (data migrations, loads), source by source."""
    for model in sources().values():
        enqueue(model, unchained(model).order_by("pk").values_list("pk", flat=True))
    return chain()


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
    """Chain what is pending; recompute the chain in seq order, streamed in chunks; find rows
    neither in it nor pending (a writer committing meanwhile is pending, not missing); then
    prove every governed live row equals its latest history row (`evidence.live`)."""
    from . import live
    from .models import LedgerEntry

    chain()
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
        enqueue(sender, [instance.pk])


def on_rows_inserted(sender, pks, stored=None, **kwargs):
    """Rows a bulk path wrote (`core.signals.rows_inserted`), chained as saved rows are."""
    if label(sender) in sources():
        enqueue(sender, pks, stored)


def on_post_migrate(sender, **kwargs):
    from .models import PendingEntry

    if PendingEntry._meta.db_table in connection.introspection.table_names():
        catch_up()


def install() -> None:
    """Connect the hooks (evidence.apps.ready): signals only, nothing patched."""
    from django.db.models.signals import post_save

    from core.signals import rows_inserted

    for name, model in sources().items():
        post_save.connect(on_record_save, sender=model, dispatch_uid=f"evidence-ledger-{name}")
    rows_inserted.connect(on_rows_inserted, dispatch_uid="evidence-ledger-rows-inserted")


def check_hooks(app_configs=None, **kwargs) -> list:
    """System check: every chained model announces its bulk rows (else they would go
    unchained until `catch_up`): `GovernedHistory` on governed models, `AppendOnlyManager` on
    append-only ones."""
    from django.core import checks
    from simple_history.utils import get_history_manager_for_model

    from core.history import AppendOnlyManager, ChainedHistoryManager

    errors = []
    for name, model in sources().items():
        if is_historical(model):
            live = model.instance_type
            ok = isinstance(get_history_manager_for_model(live), ChainedHistoryManager)
            hint = f"Declare `history = GovernedHistory()` (core.history) on {label(live)}."
        else:
            ok = isinstance(model._default_manager, AppendOnlyManager)
            hint = f"Declare `objects = AppendOnlyManager()` (core.history) on {name}."
        if not ok:
            errors.append(
                checks.Error(f"{name}: bulk writes would not reach the ledger.", hint=hint,
                             obj=model, id="evidence.E001")
            )  # fmt: skip
    return errors

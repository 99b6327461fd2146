"""Ingestion of usage records: the API's bulk list and the CSV upload share one path.

`plan_rows` checks every row (per-row errors: a dry run shows them and writes nothing),
resolves identities in one query — by Steward id, or by (platform slug, external id) — and
classifies each row create / update / unchanged against what is stored (one more query).
A row naming an identity Steward does not know is kept as **unattributed** spend, with the
platform and external id it named. `apply_plan` writes a clean plan set-based: one
bulk_create, one bulk_update, and the identities' `last_used_at` (read by the lifecycle
decommission sweep) moved forward with history, as the system user.

Why not `bulk_create(update_conflicts=True)`: the two uniqueness rules are partial indexes
(attributed vs unattributed), and neither PostgreSQL nor SQLite infers a partial index as the
conflict target without its WHERE clause, which Django does not emit. Read-then-write in one
transaction is as set-based; a concurrent ingest of the same keys (IntegrityError) re-plans
once. Re-ingesting the same rows plans them `unchanged` and writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from core.roles import is_admin
from core.system import system_user
from identities.models import Identity
from identities.secrets import find_secret_values

from .models import UsageRecord

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
ACTIONS = (CREATE, UPDATE, UNCHANGED, ERROR)
COLUMNS = ("day", "source", "identity", "platform", "external_id", "calls", "tokens", "cost",
           "currency")  # fmt: skip
REQUIRED_COLUMNS = ("day", "source")
VALUE_FIELDS = ("calls", "tokens", "cost", "currency")
IDENTIFIER_FIELDS = ("identity", "platform", "external_id", "source")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
MAX_COST = Decimal("9999999999.9999")


class UsageFileError(ValidationError):
    """The file as a whole cannot be read."""


@dataclass
class PlannedRecord:
    ref: str
    action: str = CREATE
    day: dt.date | None = None
    source: str = ""
    identity_id: int | None = None
    identity_name: str = ""
    platform_ref: str = ""
    external_ref: str = ""
    calls: int = 0
    tokens: int = 0
    cost: Decimal = Decimal(0)
    currency: str = "USD"
    errors: list[str] = field(default_factory=list)
    record_id: int | None = None
    # Only for lookups: a Steward id that was given.
    given_identity: int | None = None

    @property
    def attributed(self) -> bool:
        return self.identity_id is not None

    def key(self) -> tuple:
        if self.identity_id is not None:
            return ("i", self.identity_id, self.day, self.source)
        return ("x", self.platform_ref, self.external_ref, self.day, self.source)

    def as_dict(self) -> dict:
        return {
            "ref": self.ref,
            "action": self.action,
            "day": self.day.isoformat() if self.day else None,
            "source": self.source,
            "identity": self.identity_id,
            "identity_name": self.identity_name,
            "platform": self.platform_ref,
            "external_id": self.external_ref,
            "calls": self.calls,
            "tokens": self.tokens,
            "cost": str(self.cost),
            "currency": self.currency,
            "errors": self.errors,
        }


@dataclass
class UsagePlan:
    rows: list[PlannedRecord]
    applied: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for row in self.rows:
            counts[row.action] += 1
        counts["unattributed"] = sum(1 for r in self.rows if r.action != ERROR and not r.attributed)
        return counts

    @property
    def has_errors(self) -> bool:
        return any(r.action == ERROR for r in self.rows)

    @property
    def errors(self) -> dict[str, list[str]]:
        return {r.ref: r.errors for r in self.rows if r.errors}

    @property
    def days(self) -> tuple[dt.date, dt.date] | None:
        days = [r.day for r in self.rows if r.day and r.action != ERROR]
        return (min(days), max(days)) if days else None


# --- permissions ------------------------------------------------------------------------
def can_ingest(user) -> bool:
    """Admins, and whoever is the accountable owner (A) of consumption at some scope."""
    from .selectors import is_consumption_owner

    return is_consumption_owner(user)


# --- reading ----------------------------------------------------------------------------
def read_csv(content: str) -> list[tuple[str, dict]]:
    """(reference, raw row) pairs; file-level problems raise UsageFileError."""
    reader = csv.DictReader(io.StringIO(content))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        raise UsageFileError("The file is empty: give a header line and one record a line.")
    unknown = sorted(set(header) - set(COLUMNS))
    if unknown:
        raise UsageFileError(
            f"Unknown column(s): {', '.join(unknown)}. Columns: {', '.join(COLUMNS)}."
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise UsageFileError(f"Missing column(s): {', '.join(missing)}.")
    reader.fieldnames = header
    rows = []
    for i, raw in enumerate(reader, start=2):
        if None in raw:
            raise UsageFileError(f"Line {i} has more cells than the header.")
        if not any((v or "").strip() for v in raw.values()):
            continue
        rows.append((f"line {i}", {k: (v or "").strip() for k, v in raw.items()}))
    _check_size(rows)
    return rows


def _check_size(rows) -> None:
    limit = settings.USAGE_INGEST_MAX_ROWS
    if len(rows) > limit:
        raise UsageFileError(f"At most {limit} records at once; split the file.")


def normalize(ref: str, raw: Mapping) -> PlannedRecord:
    row = PlannedRecord(ref=ref)
    errors = row.errors
    for name, message in find_secret_values(raw, identifier_fields=IDENTIFIER_FIELDS).items():
        errors.append(f"{name}: {message}")
    unknown = sorted(set(raw) - set(COLUMNS))
    if unknown:
        errors.append(f"Unknown field(s): {', '.join(unknown)}.")
    text = {k: "" if raw.get(k) is None else str(raw.get(k)).strip() for k in COLUMNS}
    try:
        row.day = dt.date.fromisoformat(text["day"])
    except ValueError:
        errors.append("day: give a date as YYYY-MM-DD.")
    else:
        if row.day > timezone.now().date() + dt.timedelta(days=1):
            errors.append("day: usage cannot be in the future.")
    row.source = text["source"]
    if not row.source:
        errors.append("source: required (where the numbers come from).")
    elif len(row.source) > 100:
        errors.append("source: at most 100 characters.")
    if text["identity"]:
        try:
            row.given_identity = int(text["identity"])
        except ValueError:
            errors.append("identity: give a Steward identity id (a number).")
    row.platform_ref, row.external_ref = text["platform"], text["external_id"]
    if len(row.platform_ref) > 100 or len(row.external_ref) > 500:
        errors.append("platform / external_id: at most 100 / 500 characters.")
    if row.given_identity is None and not (row.platform_ref and row.external_ref):
        errors.append("Name the identity: its Steward id, or its platform and external_id.")
    for name in ("calls", "tokens"):
        try:
            value = int(text[name] or 0)
        except ValueError:
            errors.append(f"{name}: give a whole number.")
            continue
        if value < 0:
            errors.append(f"{name}: cannot be negative.")
        setattr(row, name, value)
    try:
        cost = Decimal(text["cost"] or 0)
        if not cost.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        errors.append("cost: give a decimal number, e.g. 12.50.")
    else:
        if cost < 0:
            errors.append("cost: cannot be negative.")
        elif cost > MAX_COST or cost != cost.quantize(Decimal("0.0001")):
            errors.append("cost: at most 10 digits before and 4 after the decimal point.")
        else:
            row.cost = cost.quantize(Decimal("0.0001"))
    row.currency = (text["currency"] or "USD").upper()
    if not CURRENCY_RE.match(row.currency):
        errors.append("currency: a three-letter ISO 4217 code, e.g. USD.")
    if errors:
        row.action = ERROR
    return row


# --- planning ---------------------------------------------------------------------------
def plan_rows(raw_rows: Iterable[tuple[str, Mapping]]) -> UsagePlan:
    """Two queries whatever the number of rows: identities, then stored records."""
    rows = [normalize(ref, raw) for ref, raw in raw_rows]
    _check_size(rows)
    _resolve(rows)
    _match(rows)
    return UsagePlan(rows)


def _resolve(rows: list[PlannedRecord]) -> None:
    ids = {r.given_identity for r in rows if r.given_identity is not None}
    pairs = {(r.platform_ref, r.external_ref) for r in rows if r.given_identity is None}
    pairs.discard(("", ""))
    if not ids and not pairs:
        return
    condition = Q(pk__in=ids)
    if pairs:
        condition |= Q(
            platform__slug__in={p for p, _ in pairs}, external_id__in={e for _, e in pairs}
        )
    by_id, by_ref = {}, {}
    for pk, name, slug, external_id in Identity.objects.filter(condition).values_list(
        "pk", "name", "platform__slug", "external_id"
    ):
        by_id[pk] = (pk, name, slug, external_id)
        by_ref[(slug, external_id)] = by_id[pk]
    for row in rows:
        if row.action == ERROR:
            continue
        if row.given_identity is not None:
            found = by_id.get(row.given_identity)
            if found is None:
                row.errors.append(f"identity: no identity #{row.given_identity}.")
                row.action = ERROR
                continue
        else:
            found = by_ref.get((row.platform_ref, row.external_ref))
        if found is not None:  # otherwise: unattributed, kept with the references given
            row.identity_id, row.identity_name, row.platform_ref, row.external_ref = found


def _match(rows: list[PlannedRecord]) -> None:
    ok = [r for r in rows if r.action != ERROR]
    seen: dict[tuple, str] = {}
    for row in ok:
        if row.key() in seen:
            row.errors.append(f"Same identity, day and source as {seen[row.key()]}.")
            row.action = ERROR
        else:
            seen[row.key()] = row.ref
    ok = [r for r in ok if r.action != ERROR]
    if not ok:
        return
    days = {r.day for r in ok}
    sources = {r.source for r in ok}
    condition = Q(identity_id__in={r.identity_id for r in ok if r.attributed})
    externals = {r.external_ref for r in ok if not r.attributed}
    if externals:
        condition |= Q(identity__isnull=True, external_ref__in=externals)
    stored = {}
    for rec in UsageRecord.objects.filter(condition, day__in=days, source__in=sources).only(
        "id", "identity_id", "platform_ref", "external_ref", "day", "source", *VALUE_FIELDS
    ):
        if rec.identity_id is not None:
            key = ("i", rec.identity_id, rec.day, rec.source)
        else:
            key = ("x", rec.platform_ref, rec.external_ref, rec.day, rec.source)
        stored[key] = rec
    for row in ok:
        rec = stored.get(row.key())
        if rec is None:
            row.action = CREATE
            continue
        row.record_id = rec.pk
        same = all(getattr(rec, f) == getattr(row, f) for f in VALUE_FIELDS)
        row.action = UNCHANGED if same else UPDATE


# --- applying ---------------------------------------------------------------------------
def apply_plan(plan: UsagePlan, *, actor, now=None) -> UsagePlan:
    """Write a clean plan; all or nothing. Returns the (re-)plan that was applied."""
    if plan.has_errors:
        raise ValidationError(
            {"rows": [f"{ref}: {'; '.join(m)}" for ref, m in plan.errors.items()]}
        )
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                _write(plan, actor=actor, now=now or timezone.now())
        except IntegrityError:
            if attempt == 2:
                raise
            plan = UsagePlan(plan.rows)
            for row in plan.rows:
                row.action, row.record_id = CREATE, None
            _match(plan.rows)  # someone ingested the same keys meanwhile: re-plan once
        else:
            break
    plan.applied = True
    return plan


def _write(plan: UsagePlan, *, actor, now) -> None:
    creates = [
        UsageRecord(
            identity_id=r.identity_id,
            platform_ref=r.platform_ref,
            external_ref=r.external_ref,
            source=r.source,
            day=r.day,
            calls=r.calls,
            tokens=r.tokens,
            cost=r.cost,
            currency=r.currency,
            ingested_by=actor,
            created_at=now,
        )
        for r in plan.rows
        if r.action == CREATE
    ]
    updates = [
        UsageRecord(
            pk=r.record_id,
            calls=r.calls,
            tokens=r.tokens,
            cost=r.cost,
            currency=r.currency,
            ingested_by=actor,
            updated_at=now,
        )
        for r in plan.rows
        if r.action == UPDATE
    ]
    if creates:
        UsageRecord.objects.bulk_create(creates, batch_size=1000)
    if updates:
        UsageRecord.objects.bulk_update(
            updates, [*VALUE_FIELDS, "ingested_by", "updated_at"], batch_size=1000
        )
    _touch_last_used(plan, actor=actor)


def _touch_last_used(plan: UsagePlan, *, actor) -> None:
    """Move Identity.last_used_at forward to the latest day with any activity. Identity has
    history: bulk_update_with_history records it, as the system user, naming the source."""
    latest: dict[int, dt.date] = {}
    for r in plan.rows:
        if r.attributed and r.action in (CREATE, UPDATE) and (r.calls or r.tokens or r.cost):
            latest[r.identity_id] = max(latest.get(r.identity_id, r.day), r.day)
    if not latest:
        return
    # A record for today (or a later day, in a source's time zone ahead of ours) is use up
    # to now: last use never lies in the future.
    now = timezone.now()
    stamp = {
        pk: min(dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC), now)
        for pk, day in latest.items()
    }
    identities = list(
        Identity.objects.filter(pk__in=stamp).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=max(stamp.values()))
        )
    )  # whole rows: the history rows copy every field
    moved = []
    for identity in identities:
        if identity.last_used_at is None or identity.last_used_at < stamp[identity.pk]:
            identity.last_used_at = stamp[identity.pk]
            moved.append(identity)
    if moved:
        bulk_update_with_history(
            moved,
            Identity,
            ["last_used_at"],
            default_user=system_user(),
            default_change_reason=f"last use from usage records ingested by {actor}",
        )


def ingest(*, actor, rows: Iterable[tuple[str, Mapping]], dry_run: bool = False) -> UsagePlan:
    """The one entry point: plan, and unless `dry_run`, apply (refused if any row errs)."""
    if not can_ingest(actor):
        raise PermissionDenied("Only admins and consumption owners ingest usage.")
    plan = plan_rows(rows)
    _limit_to_owned(plan, actor)
    if dry_run or plan.has_errors:
        return plan
    return apply_plan(plan, actor=actor)


def _limit_to_owned(plan: UsagePlan, actor) -> None:
    """A consumption owner below the global scope records usage only for the identities they
    own (it moves their last use, which the decommission sweep reads); unattributed spend is
    for admins and the global consumption owner. Refused rows name nothing they cannot see."""
    from .selectors import consumption_owned_identities, is_global_consumption_owner

    if is_admin(actor) or is_global_consumption_owner(actor):
        return
    ids = {r.identity_id for r in plan.rows if r.identity_id is not None}
    owned = set(consumption_owned_identities(actor).filter(pk__in=ids).values_list("pk", flat=True))
    for row in plan.rows:
        if row.action == ERROR or row.identity_id in owned:
            continue
        row.errors.append(
            "identity: you record usage only for identities whose consumption you own."
            if row.identity_id is not None
            else "identity: unattributed spend is recorded by the global consumption owner."
        )
        row.identity_id, row.identity_name, row.action = None, "", ERROR

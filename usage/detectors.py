"""Detectors: a daily, set-based sweep over a window of usage days that raises signals.

- spike: the identity's value on a day against its own baseline — the median and MAD of its
  observed days in the `USAGE_SPIKE_BASELINE_DAYS` before — with a minimum history;
- inactive identity: usage by a suspended or decommissioned identity after it became so;
- after credentials ended: usage on a day when every credential had ended (see selectors);
- unattributed spend: records naming no identity Steward knows;
- no consumption owner: spend by an identity with no effective A of consumption oversight.

A constant number of queries per run whatever the number of identities: the series are
loaded in one query and the statistics computed in Python. Idempotent: a signal is unique per
(kind, subject, day), and a subject with an unresolved signal of a kind gets no second one for
a lifecycle kind. A signal never changes a grant, a permission, a credential or a status —
the sweep only writes signals and notifications.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.notifications import Draft, notify_many
from core.system import system_user
from governance.choices import DomainKey
from identities.choices import EventKind, IdentityStatus
from identities.models import Identity, LifecycleEvent
from lifecycle.owners import escalation_targets, owners_for

from .choices import UNRESOLVED, NotificationKind, Severity, SignalKind
from .models import Signal, UsageRecord
from .selectors import usage_after_credentials_ended

MAD_SCALE = 1.4826  # MAD → standard deviation for normal data
INACTIVE = (IdentityStatus.SUSPENDED, IdentityStatus.DECOMMISSIONED)
# Kinds raised once per subject until triaged (they describe a state, not an event).
STATEFUL = (
    SignalKind.INACTIVE_IDENTITY,
    SignalKind.AFTER_CREDENTIALS_ENDED,
    SignalKind.UNATTRIBUTED,
    SignalKind.NO_CONSUMPTION_OWNER,
)


# --- statistics ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SpikeConfig:
    baseline_days: int = 28
    min_history: int = 7
    z: float = 5.0
    min_ratio: float = 2.0
    floor: float = 1.0  # the smallest scale: a flat series needs a real jump

    @classmethod
    def from_settings(cls) -> SpikeConfig:
        return cls(
            baseline_days=settings.USAGE_SPIKE_BASELINE_DAYS,
            min_history=settings.USAGE_SPIKE_MIN_HISTORY,
            z=settings.USAGE_SPIKE_Z,
            min_ratio=settings.USAGE_SPIKE_MIN_RATIO,
        )


def robust_baseline(values: list[float]) -> tuple[float, float]:
    """(median, median absolute deviation)."""
    median = statistics.median(values)
    return median, statistics.median(abs(v - median) for v in values)


def spike_score(value: float, history: list[float], config: SpikeConfig) -> dict | None:
    """The spike's details when `value` is a spike against `history`, else None.

    Too little history (a new or sparse identity) is never a spike."""
    if len(history) < config.min_history:
        return None
    median, mad = robust_baseline(history)
    scale = max(MAD_SCALE * mad, 0.1 * abs(median), config.floor)
    z = (value - median) / scale
    ratio = value / median if median > 0 else None
    if z < config.z or (ratio is not None and ratio < config.min_ratio):
        return None
    return {
        "value": round(value, 4),
        "median": round(median, 4),
        "mad": round(mad, 4),
        "z": round(z, 2),
        "ratio": round(ratio, 2) if ratio is not None else None,
        "history_days": len(history),
    }


def find_spikes(
    series: dict[dt.date, float], days: list[dt.date], config: SpikeConfig
) -> dict[dt.date, dict]:
    """Spikes of one identity's daily series (observed days only) on `days`."""
    out = {}
    for day in days:
        if day not in series:
            continue
        start = day - dt.timedelta(days=config.baseline_days)
        history = [v for d, v in series.items() if start <= d < day]
        found = spike_score(series[day], history, config)
        if found:
            out[day] = found
    return out


# --- the sweep ---------------------------------------------------------------------------
@dataclass
class DetectResult:
    start: dt.date
    end: dt.date
    created: dict = field(default_factory=dict)
    notifications: int = 0

    @property
    def total(self) -> int:
        return sum(self.created.values())

    def __str__(self) -> str:
        kinds = ", ".join(f"{k}={v}" for k, v in sorted(self.created.items())) or "none"
        return (
            f"usage detect {self.start}..{self.end}: signals {kinds}, notified {self.notifications}"
        )


def _money(value) -> str:
    return f"{Decimal(value or 0).quantize(Decimal('0.01'))}"


def detect(*, start: dt.date, end: dt.date, now=None, config: SpikeConfig | None = None):
    """Raise the signals for usage days start..end (inclusive)."""
    now = now or timezone.now()
    sweep = _Sweep(start, end, config or SpikeConfig.from_settings())
    sweep.load()
    sweep.spikes()
    sweep.inactive_identities()
    sweep.after_credentials_ended()
    sweep.unattributed()
    owners = owners_for(list(sweep.identities), DomainKey.CONSUMPTION) if sweep.identities else {}
    sweep.no_consumption_owner(owners)
    for signal in sweep.drafts:
        who = owners.get(signal.identity_id) if signal.identity_id else None
        signal.assignee_id = who.accountable if who else None

    created = _store(sweep.drafts, start=start, end=end)
    result = DetectResult(start, end)
    for s in created:
        result.created[s.kind] = result.created.get(s.kind, 0) + 1
    result.notifications = _notify(created)
    return result


@dataclass
class _Sweep:
    """One run of the detectors: the window's series, loaded once, and the drafts raised."""

    start: dt.date
    end: dt.date
    config: SpikeConfig
    # every used identity's series, baseline included; the window's totals per (identity, day)
    series: dict[int, dict[dt.date, float]] = field(default_factory=lambda: defaultdict(dict))
    totals: dict[tuple[int, dt.date], dict] = field(default_factory=dict)
    identities: dict[int, Identity] = field(default_factory=dict)
    drafts: list[Signal] = field(default_factory=list)

    @property
    def metric(self) -> str:
        metric = settings.USAGE_SPIKE_METRIC
        return metric if metric in ("cost", "calls", "tokens") else "cost"

    @property
    def in_window(self):
        return UsageRecord.objects.filter(day__gte=self.start, day__lte=self.end)

    def add(self, kind, identity_id, day, severity, summary, details, cost, currency="USD", **kw):
        subject = kw.pop("subject", f"identity:{identity_id}")
        self.drafts.append(Signal(kind=kind, identity_id=identity_id, subject=subject, day=day,
                                  severity=severity, summary=summary[:300], details=details,
                                  cost=cost or 0, currency=currency or "USD", **kw))  # fmt: skip

    def load(self) -> None:
        """The series of every identity used in the window: one query, and one for them."""
        start, end, metric = self.start, self.end, self.metric
        used = self.in_window.filter(identity__isnull=False).values("identity_id")
        rows = (
            UsageRecord.objects.filter(
                identity_id__in=used,
                day__gte=start - dt.timedelta(days=self.config.baseline_days),
                day__lte=end,
            )
            .values("identity_id", "day")
            .annotate(
                calls=Sum("calls"), tokens=Sum("tokens"), cost=Sum("cost"), cur=Max("currency")
            )
            .order_by()
        )
        for r in rows:
            self.series[r["identity_id"]][r["day"]] = float(r[metric] or 0)
            if start <= r["day"] <= end:
                self.totals[(r["identity_id"], r["day"])] = r
        self.identities = {
            i.pk: i
            for i in Identity.objects.filter(pk__in=list(self.series)).only(
                "id", "name", "status", "team_id", "platform_id"
            )
        }

    def spikes(self) -> None:
        config, metric = self.config, self.metric
        window = [
            self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)
        ]
        for identity_id, per_day in self.series.items():
            for day, found in find_spikes(per_day, window, config).items():
                t = self.totals[(identity_id, day)]
                name = self.identities[identity_id].name
                high = found["z"] >= 2 * config.z and (found["ratio"] or 99) >= 5
                self.add(SignalKind.SPIKE, identity_id, day,
                         Severity.HIGH if high else Severity.MEDIUM,
                         f"{name}: {metric} {found['value']:g} on {day} vs median "
                         f"{found['median']:g} (z {found['z']:g})", {"metric": metric, **found},
                         t["cost"], t["cur"])  # fmt: skip

    def inactive_identities(self) -> None:
        """Usage by a suspended / decommissioned identity, after it became so."""
        inactive = {pk for pk, i in self.identities.items() if i.status in INACTIVE}
        since = dict(
            LifecycleEvent.objects.filter(
                identity_id__in=inactive, kind__in=[EventKind.SUSPENDED, EventKind.DECOMMISSIONED]
            )
            .values("identity_id")
            .annotate(at=Max("occurred_at"))
            .values_list("identity_id", "at")
            .order_by()
        ) if inactive else {}  # fmt: skip
        by_identity: dict[int, list[dict]] = defaultdict(list)
        for (identity_id, day), t in self.totals.items():
            if identity_id in inactive:
                at = since.get(identity_id)
                if at is None or day >= at.date():  # the day of the change counts: triage decides
                    by_identity[identity_id].append(t)
        for identity_id, days in by_identity.items():
            identity, at = self.identities[identity_id], since.get(identity_id)
            self.add(SignalKind.INACTIVE_IDENTITY, identity_id, max(t["day"] for t in days),
                     Severity.HIGH, f"{identity.name} is "
                     f"{identity.get_status_display().lower()} but was used on "
                     f"{len(days)} day(s)", {"status": identity.status,
                                             "since": at.date().isoformat() if at else None,
                                             "days": sorted(t["day"].isoformat() for t in days),
                                             "calls": sum(t["calls"] for t in days)},
                     sum(t["cost"] for t in days), days[0]["cur"])  # fmt: skip

    def after_credentials_ended(self) -> None:
        """Usage after every credential ended: one query."""
        after = (
            usage_after_credentials_ended()
            .filter(day__gte=self.start, day__lte=self.end)
            .values("identity_id", "day")
            .annotate(cost=Sum("cost"), calls=Sum("calls"), cur=Max("currency"))
            .order_by()
        )
        grouped: dict[int, list[dict]] = defaultdict(list)
        for r in after:
            grouped[r["identity_id"]].append(r)
        for identity_id, days in grouped.items():
            identity = self.identities.get(identity_id)
            name = identity.name if identity else f"#{identity_id}"
            self.add(SignalKind.AFTER_CREDENTIALS_ENDED, identity_id, max(r["day"] for r in days),
                     Severity.HIGH, f"{name} was used after every credential had ended "
                     f"({len(days)} day(s))", {"days": sorted(r["day"].isoformat() for r in days),
                                               "calls": sum(r["calls"] for r in days)},
                     sum(r["cost"] for r in days), days[0]["cur"])  # fmt: skip

    def unattributed(self) -> None:
        """Spend on records naming no identity Steward knows: one query."""
        unattributed = (
            self.in_window.filter(identity__isnull=True)
            .values("platform_ref", "external_ref")
            .annotate(cost=Sum("cost"), calls=Sum("calls"), last=Max("day"), cur=Max("currency"))
            .order_by()
        )
        for r in unattributed:
            ref = f"{r['platform_ref']}:{r['external_ref']}"
            self.add(SignalKind.UNATTRIBUTED, None, r["last"], Severity.MEDIUM,
                     f"Unattributed spend {_money(r['cost'])} {r['cur']} from {ref}",
                     {"calls": r["calls"], "start": self.start.isoformat(),
                      "end": self.end.isoformat()},
                     r["cost"], r["cur"], subject=f"external:{ref}"[:700],
                     platform_ref=r["platform_ref"], external_ref=r["external_ref"])  # fmt: skip

    def no_consumption_owner(self, owners: dict) -> None:
        """Spend by an identity with no effective A of consumption oversight."""
        spend: dict[int, list[dict]] = defaultdict(list)
        for (identity_id, _day), t in self.totals.items():
            if t["cost"]:
                spend[identity_id].append(t)
        for identity_id, days in spend.items():
            who = owners.get(identity_id)
            if who is None or who.accountable is None:
                self.add(SignalKind.NO_CONSUMPTION_OWNER, identity_id,
                         max(t["day"] for t in days), Severity.MEDIUM,
                         f"{self.identities[identity_id].name} spent "
                         f"{_money(sum(t['cost'] for t in days))} with no consumption owner (A)",
                         {"days": len(days)}, sum(t["cost"] for t in days),
                         days[0]["cur"])  # fmt: skip


def _store(drafts: list[Signal], *, start, end) -> list[Signal]:
    """Insert the drafts that are new; returns them (with ids). Two queries to filter."""
    if not drafts:
        return []
    for attempt in (1, 2):
        existing = set(
            Signal.objects.filter(
                day__gte=start, day__lte=end, kind__in={d.kind for d in drafts}
            ).values_list("kind", "subject", "day")
        )
        unresolved = set(
            Signal.objects.filter(
                kind__in=STATEFUL,
                status__in=UNRESOLVED,
                subject__in={d.subject for d in drafts if d.kind in STATEFUL},
            ).values_list("kind", "subject")
        )
        fresh = [
            d
            for d in drafts
            if (d.kind, d.subject, d.day) not in existing
            and not (d.kind in STATEFUL and (d.kind, d.subject) in unresolved)
        ]
        if not fresh:
            return []
        try:
            with transaction.atomic():
                return bulk_create_with_history(
                    fresh,
                    Signal,
                    batch_size=500,
                    default_user=system_user(),
                    default_change_reason="raised by the usage detectors",
                )
        except IntegrityError:  # a concurrent sweep raised some: filter again
            if attempt == 2:
                raise
            for d in fresh:
                d.pk = None
    return []


def _notify(signals: list[Signal]) -> int:
    """To the consumption A of the identity, else the global consumption A, else admins."""
    if not signals:
        return 0
    fallback = escalation_targets([DomainKey.CONSUMPTION])[DomainKey.CONSUMPTION]
    drafts = []
    for s in signals:
        if s.assignee_id:
            recipients, reason = {s.assignee_id}, "You are the consumption owner (A)."
        else:
            recipients = fallback
            reason = "No consumption owner for it: you are the global consumption A or an admin."
        drafts += [
            Draft(
                NotificationKind[SignalKind(s.kind).name],
                s,
                uid,
                s.day,
                f"Usage signal: {s.summary}",
                reason,
                link=f"/usage/signals/{s.pk}/",
            )
            for uid in recipients
        ]
    notify_many(drafts)
    return len(drafts)


def detect_sweep(*, now=None) -> DetectResult:
    """The daily sweep: the last USAGE_DETECT_WINDOW_DAYS days up to today (catch-up)."""
    now = now or timezone.now()
    end = timezone.localdate(now)
    start = end - dt.timedelta(days=max(settings.USAGE_DETECT_WINDOW_DAYS, 1) - 1)
    return detect(start=start, end=end, now=now)

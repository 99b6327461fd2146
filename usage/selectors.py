"""Reads for usage, always scoped to the user (one subquery, never per row).

Who sees usage, signals and chargeback: admins and auditors everything; the accountable
owner (A) of consumption oversight for the identities they own (by the RACI precedence
identity > team > platform > global) and, as global A, unattributed spend; engineers and
other owners the identities in their identity scope (their teams', read only)."""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404

from core.roles import can_read_all, is_admin
from governance.choices import DomainKey, Role, Scope
from governance.models import Assignment
from governance.selectors import accountable_owners
from identities.choices import CredentialStatus
from identities.models import Credential, Identity
from identities.selectors import identity_scope

from .choices import UNRESOLVED, SignalStatus
from .filtersets import SignalFilterSet, UsageRecordFilterSet
from .models import Signal, UsageRecord


def _consumption_a():
    return Assignment.objects.filter(domain__key=DomainKey.CONSUMPTION, role=Role.ACCOUNTABLE)


def is_consumption_owner(user) -> bool:
    """Admins, or the A of consumption at some scope."""
    if not user.is_authenticated:
        return False
    return is_admin(user) or _consumption_a().filter(assignee_user=user).exists()


def is_global_consumption_owner(user) -> bool:
    return (
        user.is_authenticated
        and _consumption_a().filter(scope_kind=Scope.GLOBAL, assignee_user=user).exists()
    )


def consumption_owned_identities(user) -> QuerySet[Identity]:
    """Identities whose effective consumption A is `user` (governance's precedence, as
    materialised): one subquery."""
    owned = accountable_owners(domain_key=DomainKey.CONSUMPTION).filter(user=user)
    return Identity.objects.filter(pk__in=owned.values("identity_id"))


def usage_identity_ids(user) -> QuerySet:
    """Ids (a subquery) of the identities whose usage the user may read."""
    return Identity.objects.filter(
        Q(pk__in=identity_scope(user).values("pk"))
        | Q(pk__in=consumption_owned_identities(user).values("pk"))
    ).values("pk")


def _scoped(qs: QuerySet, user) -> QuerySet:
    if not user.is_authenticated:
        return qs.none()
    if can_read_all(user):
        return qs
    condition = Q(identity_id__in=usage_identity_ids(user))
    if is_global_consumption_owner(user):
        condition |= Q(identity__isnull=True)
    return qs.filter(condition)


def record_scope(user) -> QuerySet[UsageRecord]:
    return _scoped(UsageRecord.objects.all(), user)


def signal_scope(user) -> QuerySet[Signal]:
    return _scoped(Signal.objects.all(), user)


def record_list(*, user, filters=None) -> QuerySet[UsageRecord]:
    qs = record_scope(user).select_related("identity__team", "identity__platform")
    return UsageRecordFilterSet(filters or {}, queryset=qs).qs


def signal_list(*, user, filters=None) -> QuerySet[Signal]:
    qs = signal_scope(user).select_related("identity__team", "identity__platform", "assignee")
    return SignalFilterSet(filters or {}, queryset=qs).qs


def signal_get(*, user, pk) -> Signal:
    try:
        return (
            signal_scope(user)
            .select_related("identity__team", "identity__platform", "assignee", "resolved_by")
            .get(pk=pk)
        )
    except (Signal.DoesNotExist, ValueError, TypeError):
        raise Http404("No such signal.") from None


def signal_notes(*, signal: Signal) -> QuerySet:
    return signal.notes.select_related("author")


def open_signal_counts(*, user) -> dict[str, int]:
    rows = (
        signal_scope(user)
        .filter(status__in=UNRESOLVED)
        .values("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["kind"]: r["n"] for r in rows}


def identity_usage(*, identity: Identity, days: int = 30, today: dt.date | None = None) -> dict:
    """The identity panel: daily totals for the last `days` days, and its signals."""
    today = today or dt.date.today()
    start = today - dt.timedelta(days=days - 1)
    daily = (
        UsageRecord.objects.filter(identity=identity, day__gte=start, day__lte=today)
        .values("day", "currency")
        .annotate(calls=Sum("calls"), tokens=Sum("tokens"), cost=Sum("cost"))
        .order_by("day")
    )
    rows = list(daily)
    signals = list(Signal.objects.filter(identity=identity).order_by("-day", "-id")[:10])
    return {
        "rows": rows,
        "start": start,
        "today": today,
        "total_cost": sum((r["cost"] for r in rows), Decimal(0)),
        "total_calls": sum(r["calls"] for r in rows),
        "signals": signals,
    }


# --- lifecycle correlation (also the evidence check's data) -------------------------------
def usage_after_credentials_ended() -> QuerySet[UsageRecord]:
    """Attributed records dated after every credential of their identity had ended (revoked,
    rotated or expired before that day) — with no credential live on that day. The day a
    credential ends still counts as live. One query."""
    day = OuterRef("day")
    live = Credential.objects.filter(
        identity=OuterRef("identity_id"),
        issued_at__date__lte=day,
    ).filter(
        Q(revoked_at__isnull=True) | Q(revoked_at__date__gte=day),
        Q(rotated_at__isnull=True) | Q(rotated_at__date__gte=day),
        Q(expires_at__isnull=True) | Q(expires_at__date__gte=day),
        ~Q(status__in=[CredentialStatus.REVOKED, CredentialStatus.EXPIRED],
           revoked_at__isnull=True, expires_at__isnull=True),
    )  # fmt: skip
    ended = Credential.objects.filter(identity=OuterRef("identity_id")).filter(
        Q(revoked_at__date__lt=day) | Q(rotated_at__date__lt=day) | Q(expires_at__date__lt=day)
    )
    return UsageRecord.objects.filter(identity__isnull=False).filter(Exists(ended), ~Exists(live))


def signal_status_counts(*, user) -> dict[str, int]:
    rows = signal_scope(user).values("status").annotate(n=Count("id")).order_by()
    counts = dict.fromkeys(SignalStatus.values, 0)
    counts.update({r["status"]: r["n"] for r in rows})
    return counts

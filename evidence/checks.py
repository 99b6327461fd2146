"""Live checks that evidence framework controls, and the posture they add up to.

The registry is pluggable: `register(key, title, requires=(...), link=...)` on a function
`(now) -> (total, failing_ids)`. A check whose `requires` names a model that is not installed
(e.g. the usage app) is "not evaluated", never "pass"."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from .catalog import Control, controls

PASS, FAIL, NOT_EVALUATED = "pass", "fail", "not_evaluated"


@dataclass(frozen=True)
class Check:
    key: str
    title: str
    run: Callable
    requires: tuple[str, ...] = ()
    link: str = ""  # where the evidence rows are (URL path, filters appended by the page)


@dataclass
class CheckResult:
    check: Check
    status: str
    total: int = 0
    failing: list = field(default_factory=list)
    note: str = ""

    @property
    def failing_count(self) -> int:
        return len(self.failing)


REGISTRY: dict[str, Check] = {}


def register(key: str, title: str, *, requires=(), link: str = ""):
    def wrap(fn):
        REGISTRY[key] = Check(key, title, fn, tuple(requires), link)
        return fn

    return wrap


def _available(label: str) -> bool:
    try:
        apps.get_model(label)
    except (LookupError, ValueError):
        return False
    return True


def run_check(key: str, *, now=None) -> CheckResult:
    check = REGISTRY.get(key)
    if check is None:
        dummy = Check(key, key, lambda now: (0, []))
        return CheckResult(dummy, NOT_EVALUATED, note="no such check is registered")
    missing = [label for label in check.requires if not _available(label)]
    if missing:
        return CheckResult(check, NOT_EVALUATED, note=f"no data: {', '.join(missing)} absent")
    total, failing = check.run(now or timezone.now())
    if total is None:
        return CheckResult(check, NOT_EVALUATED, note="no data to evaluate")
    return CheckResult(check, FAIL if failing else PASS, total, list(failing))


# --- the checks -------------------------------------------------------------------------------
def _governed_identities():
    from governance.choices import GOVERNED_STATUSES
    from identities.models import Identity

    return Identity.objects.filter(status__in=GOVERNED_STATUSES)


@register(
    "every_identity_has_accountable_owner",
    "Every identity has an accountable owner",
    link="/ownership/gaps/",
)
def _owners(now):
    from governance.selectors import identities_with_gaps

    return _governed_identities().count(), identities_with_gaps()


@register(
    "no_credential_past_expiry",
    "No active credential past its expiry",
    link="/evidence/exports/credentials.csv",
)
def _expired(now):
    from identities.models import Credential

    active = Credential.objects.filter(status="active")
    return active.count(), list(
        active.filter(expires_at__lte=now).order_by("pk").values_list("pk", flat=True)
    )


@register(
    "no_credential_past_max_age",
    "No active credential overdue for rotation (past its expiry or its policy's maximum age)",
    link="/lifecycle/rotation/?overdue=1",
)
def _max_age(now):
    from lifecycle.selectors import overdue_credentials, rotating_credentials

    overdue = overdue_credentials(now=now)
    return rotating_credentials().count(), list(overdue.order_by("pk").values_list("pk", flat=True))


@register(
    "every_grant_time_bound",
    "Every grant is time-bound within its policy's maximum",
    link="/evidence/?kind=",
)
def _time_bound(now):
    from approvals.models import Grant

    grants = Grant.objects.annotate(
        length=ExpressionWrapper(F("expires_at") - F("starts_at"), output_field=DurationField())
    )
    failing = []
    for kind, max_hours in _policy_max_hours().items():
        over = grants.filter(kind=kind, length__gt=dt.timedelta(hours=max_hours))
        failing += list(over.values_list("pk", flat=True))
    failing += list(grants.filter(expires_at__isnull=True).values_list("pk", flat=True))
    return grants.count(), sorted(failing)


def _policy_max_hours() -> dict[str, int]:
    from approvals.models import ApprovalPolicy

    return dict(ApprovalPolicy.objects.values_list("kind", "max_duration_hours"))


@register(
    "emergency_grants_reviewed",
    "Emergency grants are reviewed by their deadline",
    link="/evidence/?kind=emergency",
)
def _reviewed(now):
    from approvals.models import Grant

    due = Grant.objects.filter(review_due_at__isnull=False)
    overdue = due.filter(reviewed_at__isnull=True, review_due_at__lte=now)
    late = due.filter(reviewed_at__gt=F("review_due_at"))
    return due.count(), sorted(
        set(overdue.values_list("pk", flat=True)) | set(late.values_list("pk", flat=True))
    )


@register(
    "every_request_evaluated_by_policy",
    "Every request was evaluated by a named policy version",
    link="/evidence/",
)
def _evaluated(now):
    from approvals.models import Request

    return Request.objects.count(), list(
        Request.objects.filter(evaluation__isnull=True).values_list("pk", flat=True)
    )


@register("separation_of_duties", "No requester approved their own request", link="/evidence/")
def _sod(now):
    from approvals.models import Decision

    return Decision.objects.count(), list(
        Decision.objects.filter(decider_id=F("request__requester_id")).values_list("pk", flat=True)
    )


@register(
    "offboarded_identities_hold_no_credentials",
    "Decommissioned identities hold no active credential or grant",
    link="/evidence/exports/credentials.csv",
)
def _offboarded(now):
    from identities.models import Identity

    gone = Identity.objects.filter(status="decommissioned")
    holding = gone.filter(Q(credentials__status="active") | Q(grants__status="active"))
    return gone.count(), sorted(set(holding.values_list("pk", flat=True)))


@register(
    "identities_past_end_date", "No identity is active past its end date", link="/identities/"
)
def _past_end(now):
    qs = _governed_identities()
    return qs.count(), list(qs.filter(ends_on__lt=now.date()).values_list("pk", flat=True))


@register(
    "inventory_traceable",
    "Every identity is bound to an external id, team and purpose",
    link="/identities/",
)
def _inventory(now):
    from identities.models import Identity
    from identities.selectors import identity_counts

    bad = Identity.objects.filter(Q(external_id="") | Q(purpose=""))
    return identity_counts()["total"], list(bad.values_list("pk", flat=True))


@register(
    "access_reviews_on_time",
    "Access review items are decided by their campaign's due date",
    link="/evidence/exports/reviews.csv",
)
def _reviews_on_time(now):
    from lifecycle.reviews.selectors import overdue_review_item_ids

    total, late = overdue_review_item_ids(today=timezone.localdate(now))
    return (total or None), late


@register("audit_chain_intact", "The audit ledger verifies end to end", link="/evidence/audit/")
def _chain(now):
    from .verification import chain_status

    report = chain_status()  # the last verdict; none yet: not evaluated
    return report["entries"], [] if report["ok"] else [report["first_break"]]


@register(
    "no_usage_after_revocation",
    "No usage after a credential was revoked or expired",
    requires=("usage.UsageRecord",),
    link="/usage/",
)
def _usage_after_revocation(now):
    """Identities used on a day when every credential they had was already revoked, rotated
    or expired (usage's own correlation, the data its detector uses). No usage recorded yet:
    not evaluated."""
    from usage.models import UsageRecord
    from usage.selectors import usage_after_credentials_ended

    used = UsageRecord.objects.filter(identity__isnull=False).values("identity_id").distinct()
    total = used.count()
    if not total:
        return None, []
    failing = usage_after_credentials_ended().values_list("identity_id", flat=True).distinct()
    return total, sorted(set(failing))


@register(
    "runtime_tokens_bounded",
    "Runtime tokens live minutes and never outlive their grant",
    requires=("runtime.IssuedToken",),
    link="/evidence/exports/runtime-tokens.csv",
)
def _runtime_tokens_bounded(now):
    """Issued tokens whose lifetime exceeds the longest the current runtime policy allows,
    or that expire after their grant's end. No token issued yet: not evaluated."""
    from runtime.models import IssuedToken, RuntimePolicy

    tokens = IssuedToken.objects.all()
    total = tokens.count()
    policy = RuntimePolicy.objects.filter(key="default").first()
    if not total or policy is None:
        return None, []
    longest = max([policy.max_lifetime_seconds, *policy.lifetime_by_risk.values()])
    failing = tokens.filter(
        Q(expires_at__gt=F("issued_at") + dt.timedelta(seconds=longest))
        | Q(grant__isnull=False, expires_at__gt=F("grant__expires_at"))
    )
    return total, list(failing.order_by("pk").values_list("pk", flat=True))


@register(
    "credentials_ended_still_active_at_source",
    "No credential ended in Steward is still active at the source",
    requires=("connectors.RevocationJob",),
    link="/connectors/",
)
def _still_active_at_source(now):
    """Credentials Steward ended (revoked, expired, ended grant, suspended or decommissioned
    identity) on platforms with a connector, that the platform has not confirmed disabled or
    that its last read still shows active. No connector configured: not evaluated."""
    from connectors.selectors import still_active_at_source

    return still_active_at_source()


# --- posture -----------------------------------------------------------------------------------
@dataclass
class ControlPosture:
    control: Control
    results: list[CheckResult]

    @property
    def status(self) -> str:
        evaluated = [r for r in self.results if r.status != NOT_EVALUATED]
        if not evaluated:
            return NOT_EVALUATED
        return FAIL if any(r.status == FAIL for r in evaluated) else PASS

    def as_row(self) -> dict:
        return {
            "framework": self.control.framework,
            "control_id": self.control.ref_id,
            "urn": self.control.urn,
            "title": self.control.title,
            "status": self.status,
            "checks": [
                {
                    "check": r.check.key,
                    "status": r.status,
                    "total": r.total,
                    "failing": r.failing_count,
                    "note": r.note,
                }
                for r in self.results
            ],
            "evaluated": sum(1 for r in self.results if r.status != NOT_EVALUATED),
            "failing": sum(r.failing_count for r in self.results),
            "passing": sum(max(r.total - r.failing_count, 0) for r in self.results),
        }


def posture(*, filters: dict | None = None, now=None) -> list[ControlPosture]:
    """Every control (or the one in `filters['control']`) with its checks, each run once."""
    from .catalog import control_get

    now = now or timezone.now()
    wanted = controls()
    if filters and filters.get("control"):
        one = control_get(filters["control"])
        wanted = [one] if one else []
    results: dict[str, CheckResult] = {}
    out = []
    for control in wanted:
        for key in control.checks:
            if key not in results:
                results[key] = run_check(key, now=now)
        out.append(ControlPosture(control, [results[k] for k in control.checks]))
    return out

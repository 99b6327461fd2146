"""The sweeps Celery beat runs. Each is set-based (a few queries per batch), idempotent
(notifications are unique per kind/subject/recipient/due date; state changes skip what is
already done) and catches up (it selects a window — everything due by now — never an exact
date, so what fell due while beat or the worker was down is handled on the next run).

At the SQL floor: one candidate query per sweep part (one for every rotation policy);
reminders by `INSERT … ON CONFLICT DO NOTHING` (`core.notifications.notify_many`); state
changes through identities' and approvals' bulk services — one `UPDATE … RETURNING` per batch
(rows locked `SKIP LOCKED`, so two workers running the same sweep change each row once)
feeding one history insert, one timeline insert and the ledger. Each batch is its own
transaction, and a failing row is isolated (`faults.isolate`).

Every function takes `now`: time is injected, never read from a global in tests."""

import datetime as dt
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from approvals.choices import GrantStatus, RequestStatus
from approvals.grants import grants_end
from approvals.models import Grant, Request
from approvals.services import policy_for, requests_expire_pending, requests_route_to_deciders
from core.bulk import id_list
from core.notifications import (
    Draft,
    Subject,
    active_webhooks,
    notify_many,
    notify_select,
    pk_linker,
)
from core.rowsets import DATE, INTEGER, TEXT, json_rows
from core.system import system_user
from governance.choices import DomainKey
from governance.owner_queries import owner_users_sql
from governance.selectors import gap_escalations
from identities.choices import CredentialStatus, IdentityStatus
from identities.credentials import credentials_end
from identities.models import Credential, Identity
from identities.status import identities_set_status

from .choices import ExpiryAction
from .choices import NotificationKind as K
from .faults import failure_record, isolate
from .models import RotationPolicy
from .owners import accountable_for, escalation_targets, owners_for
from .results import SweepResult
from .reviews.sweep import reviews_sweep

LIVE = (IdentityStatus.ACTIVE, IdentityStatus.SUSPENDED, IdentityStatus.PENDING)


def _batches(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _batch_size() -> int:
    return settings.LIFECYCLE_SWEEP_BATCH_SIZE


# --- rotation -------------------------------------------------------------------------------
def credential_due(credential_issued: dt.datetime, expires: dt.datetime | None, max_age_days):
    """A credential is due at its expiry or at its maximum age, whichever comes first."""
    by_age = credential_issued + timedelta(days=max_age_days)
    return min(by_age, expires) if expires else by_age


def rotation_candidates(*, now: dt.datetime) -> list[tuple]:
    """(credential id, identity id, label, due, policy) for every active credential within the
    largest reminder lead of its due date, in pk order: one query for every policy."""
    policies = {(p.credential_kind, p.risk_tier): p for p in RotationPolicy.objects.all()}
    window = Q(pk__in=[])
    for (kind, tier), policy in policies.items():
        lead = timedelta(days=max(policy.leads, default=0))
        window |= Q(kind=kind, identity__risk_tier=tier) & (
            Q(expires_at__lte=now + lead)
            | Q(issued_at__lte=now + lead - timedelta(days=policy.max_age_days))
        )
    rows = (
        Credential.objects.filter(window, status=CredentialStatus.ACTIVE, identity__status__in=LIVE)
        .order_by("pk")
        .values_list("pk", "identity_id", "label", "issued_at", "expires_at", "kind",
                     "identity__risk_tier")
    )  # fmt: skip
    out = []
    for pk, identity_id, label, issued, expires, kind, tier in rows:
        policy = policies[kind, tier]
        out.append((pk, identity_id, label, credential_due(issued, expires, policy.max_age_days),
                    policy))  # fmt: skip
    return out


def rotation_sweep(*, now: dt.datetime) -> SweepResult:
    """Reminders before the due date (at each lead time), overdue reminders to the R (else
    the A) of the identity domain, and escalation to the A after the policy's grace."""
    result = SweepResult("rotation")
    candidates = rotation_candidates(now=now)
    credentials_link = pk_linker("identities:detail", "#credentials")
    for batch in _batches(candidates, _batch_size()):
        owners = owners_for({c[1] for c in batch}, DomainKey.IDENTITY)
        drafts = []
        for pk, identity_id, label, due, policy in batch:
            who = owners.get(identity_id)
            if who is None:
                continue
            subject = Credential(pk=pk)
            link = credentials_link(identity_id)
            when = f"{due:%Y-%m-%d}"
            escalate = due <= now - timedelta(days=policy.escalate_after_days)
            if escalate and who.accountable and who.accountable not in who.remind:
                drafts.append(Draft(
                        K.ROTATION_ESCALATED, subject, who.accountable, due.date(),
                        f"Escalated: '{label}' was due for rotation on {when}",
                        f"You are the A of the identity domain; it is over "
                        f"{policy.escalate_after_days} day(s) overdue.", link=link,
                    ))  # fmt: skip
            if due <= now:
                kind, title = K.ROTATION_OVERDUE, f"'{label}' is overdue for rotation (due {when})"
            else:
                lead = min(d for d in policy.leads if due <= now + timedelta(days=d))
                kind, title = f"{K.ROTATION_DUE}_{lead}d", f"Rotate '{label}' by {when}"
            reason = (
                "You are responsible (R) in the identity domain for this identity."
                if who.responsible
                else "You are the accountable owner (A) of the identity domain; no R is assigned."
            )
            drafts += [
                Draft(kind, subject, uid, due.date(), title, reason, link=link)
                for uid in who.remind
            ]
        with transaction.atomic():
            notify_many(drafts)
        result.handled += len(batch)
        result.notifications += len(drafts)
    return result


# --- expiry ---------------------------------------------------------------------------------
def expiry_sweep(*, now: dt.datetime) -> SweepResult:
    """Credentials and grants past their end are ended by Steward; pending requests past their
    expiry are expired. Owners are told."""
    result = SweepResult("expiry")
    actor = system_user()
    expired = _each_batch(
        result, _credentials_past_expiry(now),
        lambda ids: _expire_credentials(ids, actor=actor, now=now),
        subject_type="identities.credential", now=now,
    )  # fmt: skip
    grant_ids = Grant.objects.filter(status=GrantStatus.ACTIVE, expires_at__lte=now)
    ended = _each_batch(
        result, list(grant_ids.order_by("pk").values_list("pk", flat=True)),
        lambda ids: len(grants_end(grant_ids=ids, status=GrantStatus.EXPIRED, actor=actor,
                                   now=now)),
        subject_type="approvals.grant", now=now,
    )  # fmt: skip
    request_ids = Request.objects.filter(status=RequestStatus.PENDING, expires_at__lte=now)
    requests = _each_batch(
        result, list(request_ids.order_by("pk").values_list("pk", flat=True)),
        lambda ids: requests_expire_pending(now=now, batch=len(ids), ids=ids),
        subject_type="approvals.request", now=now,
    )  # fmt: skip
    result.handled = expired + ended + requests
    result.details = {"credentials": expired, "grants": ended, "requests": requests}
    return result


def _credentials_past_expiry(now) -> list[int]:
    """Active credentials past their expiry whose policy (kind, risk tier) has Steward end
    them, soonest first. Read in two indexed steps, the policy matched here: joined with the
    identities in one query, PostgreSQL takes most of the active credentials for past their
    expiry (such rows are mostly no longer active) and hash-joins a scan of every identity
    for a few thousand rows (~60 ms at 100,000 identities)."""
    ended_by_steward = set(
        RotationPolicy.objects.exclude(action_at_expiry=ExpiryAction.NOTIFY).values_list(
            "credential_kind", "risk_tier"
        )
    )
    due = list(
        Credential.objects.filter(
            status=CredentialStatus.ACTIVE, expires_at__lte=now,
            kind__in={kind for kind, _tier in ended_by_steward},
        ).order_by("expires_at", "pk").values_list("pk", "kind", "identity_id")
    )  # fmt: skip
    tiers = dict(
        Identity.objects.filter(pk__in=id_list({i for _pk, _kind, i in due})).values_list(
            "pk", "risk_tier"
        )
    )
    return [pk for pk, kind, i in due if (kind, tiers[i]) in ended_by_steward]


def _each_batch(result: SweepResult, rows: list, handle, *, subject_type, now, key=None) -> int:
    """Handle `rows` batch by batch, a failing row isolated (faults.isolate); count failures
    and the notifications queued on `result`. Returns how many were handled."""
    handled = 0
    for batch in _batches(rows, _batch_size()):
        done, failed, notified = isolate(
            batch, handle, sweep=result.name, subject_type=subject_type, now=now,
            **({"key": key} if key else {}),
        )  # fmt: skip
        handled += done
        result.failed += failed
        result.notifications += notified
    return handled


_EXPIRED_ROWS = (
    ("subject_id", INTEGER), ("identity_id", INTEGER), ("label", TEXT), ("due_on", DATE),
    ("link", TEXT),
)  # fmt: skip
# To every active owner of the identity domain — the A and each R: whom `owners_for` reminds
# (the R, else the A) and the A — the identity's name joined in SQL.
_EXPIRED_REMINDER = """SELECT %s AS kind, %s AS subject_type, r.subject_id,
       o.id AS recipient_id, r.due_on, '''' || r.label || ''' of ' || i.name || ' expired' AS title,
       '' AS body, %s AS reason, r.link
  FROM ({rows}) r JOIN identities_identity i ON i.id = r.identity_id
  JOIN ({owners}) o ON o.identity_id = r.identity_id"""


def _expire_credentials(ids: list[int], *, actor, now) -> int:
    with transaction.atomic():
        ended = credentials_end(
            actor=actor, credential_ids=ids, reason="reached its expiry (sweep)",
            status=CredentialStatus.EXPIRED, now=now, skip_locked=True,
        )  # fmt: skip
        if not ended:
            return 0
        link = pk_linker("identities:detail", "#credentials")
        rows_sql, rows_params = json_rows(_EXPIRED_ROWS, [
            (c.pk, c.identity_id, c.label, c.expires_at.date().isoformat(), link(c.identity_id))
            for c in ended
        ])  # fmt: skip
        owners_sql, owners_params = owner_users_sql(
            identity_ids={c.identity_id for c in ended}, domain_key=DomainKey.IDENTITY
        )
        notify_select(
            _EXPIRED_REMINDER.format(rows=rows_sql, owners=owners_sql),
            [K.CREDENTIAL_EXPIRED, Credential._meta.label_lower,
             "You own this identity's credentials.", *rows_params, *owners_params],
            kinds={K.CREDENTIAL_EXPIRED},
        )  # fmt: skip
    return len(ended)


# --- decommission -----------------------------------------------------------------------------
def decommission_sweep(*, now: dt.datetime) -> SweepResult:
    """Identities past their end date or unused for long → reminders to the A; past the end
    date beyond the grace → suspended."""
    result = SweepResult("decommission")
    today = now.date()
    grace = timedelta(days=settings.LIFECYCLE_END_GRACE_DAYS)
    unused_after = timedelta(days=settings.LIFECYCLE_UNUSED_DAYS)
    ended = list(
        Identity.objects.filter(
            status__in=(IdentityStatus.ACTIVE, IdentityStatus.SUSPENDED), ends_on__lt=today
        ).values_list("pk", "name", "ends_on", "status")
    )
    unused = list(
        Identity.objects.filter(status=IdentityStatus.ACTIVE)
        .filter(
            Q(last_used_at__lt=now - unused_after)
            | Q(last_used_at__isnull=True, created_at__lt=now - unused_after)
        )
        .values_list("pk", "name", "last_used_at", "created_at")
    )
    due = {r[0] for r in ended} | {r[0] for r in unused}
    accountable = accountable_for(due, DomainKey.IDENTITY)
    identity_link = pk_linker("identities:detail")
    drafts = [
        Draft(K.DECOMMISSION_DUE, Subject(Identity, pk), accountable[pk], ends_on,
              f"{name} passed its end date ({ends_on:%Y-%m-%d}): decommission it",
              "You are the accountable owner (A) of the identity domain.",
              link=identity_link(pk))
        for pk, name, ends_on, _status in ended
        if pk in accountable
    ]  # fmt: skip
    for pk, name, last_used, created in unused:
        if pk not in accountable:
            continue
        since = (last_used or created).date()
        drafts.append(
            Draft(K.UNUSED, Subject(Identity, pk), accountable[pk], since + unused_after,
                  f"{name} has not been used since {since:%Y-%m-%d}: keep or decommission?",
                  f"You are the A of the identity domain; unused for {unused_after.days}+ days.",
                  link=identity_link(pk))
        )  # fmt: skip
    with transaction.atomic():
        queued = notify_many(drafts)
    to_suspend = [
        pk
        for pk, _n, ends_on, status in ended
        if status == IdentityStatus.ACTIVE and ends_on < today - grace
    ]
    suspended = _each_batch(
        result, to_suspend, lambda ids: _suspend(ids, accountable=accountable, now=now),
        subject_type="identities.identity", now=now,
    )  # fmt: skip
    result.handled = len(ended) + len(unused)
    result.notifications += queued  # with the suspensions' reminders (_each_batch)
    result.details = {"suspended": suspended}
    return result


def _suspend(ids: list[int], *, accountable: dict[int, int], now) -> int:
    identity_link = pk_linker("identities:detail")
    with transaction.atomic():
        suspended = identities_set_status(
            actor=system_user(), identity_ids=ids, status=IdentityStatus.SUSPENDED, now=now,
            reason="suspended by Steward: past its end date beyond the grace period",
            skip_locked=True,
        )  # fmt: skip
        notify_many([
            Draft(K.SUSPENDED, i, uid, i.ends_on, f"{i.name} was suspended (ended {i.ends_on})",
                  "You are the accountable owner (A) of the identity domain.",
                  link=identity_link(i.pk))
            for i in suspended
            if (uid := accountable.get(i.pk))
        ])  # fmt: skip
    return len(suspended)


# --- escalation -------------------------------------------------------------------------------
def escalation_sweep(*, now: dt.datetime) -> SweepResult:
    """Ownership gaps → the next active A up the precedence (identity > team > platform >
    global), else admins (weekly); pending requests → whoever may decide them now (a leaver's
    requests reach the next A up); overdue post-incident reviews → the A of the emergency
    policy's domain, or admins."""
    result = SweepResult("escalation")
    gaps = gap_escalations()
    gap_notes = _gap_reminders(gaps, week=now.date() - timedelta(days=now.weekday()))
    rerouted = requests_route_to_deciders(now=now)
    overdue, review_notes = _reviews_overdue(now=now)
    result.handled = len(gaps) + overdue
    result.notifications = gap_notes + review_notes
    result.details = {
        "gaps": len(gaps),
        "reviews_overdue": overdue,
        "request_deciders_offered": rerouted,
    }
    return result


_GAP_REASON = (
    "You are the next accountable owner up for this identity (or an admin, where there is "
    "none): assign an owner."
)
_GAP_ROWS = (("identity_id", INTEGER), ("domain_key", TEXT), ("recipient_id", INTEGER))
_GAP_REMINDER = """SELECT %s || r.domain_key AS kind, %s AS subject_type,
       r.identity_id AS subject_id, r.recipient_id AS recipient_id, %s AS due_on,
       'Ownership gap: ' || i.name || ' has no active A for ' || r.domain_key AS title,
       '' AS body, %s AS reason, %s AS link
  FROM ({rows}) r JOIN identities_identity i ON i.id = r.identity_id"""


def _gap_reminders(gaps: dict, *, week: dt.date) -> int:
    """Each gap's reminder to its next A up (else its domain's escalation targets), batch by
    batch: one `INSERT … SELECT` each, the title joined in SQL. Returns the reminders offered."""
    targets = escalation_targets({k for per in gaps.values() for k in per})
    rows = [
        (identity_id, key, uid)
        for identity_id, per in gaps.items()
        for key, up in per.items()
        for uid in ({up} if up else targets.get(key, ()))
    ]
    kinds = {f"{K.GAP_ESCALATED}:{key}" for key in targets}
    hooks = active_webhooks()
    for batch in _batches(rows, _batch_size()):
        rows_sql, rows_params = json_rows(_GAP_ROWS, batch)
        params = [f"{K.GAP_ESCALATED}:", Identity._meta.label_lower, week, _GAP_REASON,
                  "/ownership/gaps/", *rows_params]  # fmt: skip
        with transaction.atomic():
            notify_select(_GAP_REMINDER.format(rows=rows_sql), params, kinds=kinds, hooks=hooks)
    return len(rows)


def _reviews_overdue(*, now: dt.datetime) -> tuple[int, int]:
    """Overdue post-incident reviews → the A of the emergency policy's domain for the
    identity, or the domain's escalation targets. Returns (reviews, reminders offered)."""
    overdue = list(
        Grant.objects.filter(review_due_at__lte=now, reviewed_at__isnull=True)
        .order_by("review_due_at")
        .values_list("pk", "identity_id", "identity__name", "request_id", "review_due_at")
    )
    if not overdue:
        return 0, 0
    emergency_domain = policy_for("emergency").approver_domain.key
    accountable = accountable_for({g[1] for g in overdue}, emergency_domain)
    fallback = escalation_targets([emergency_domain])[emergency_domain]
    request_link = pk_linker("approvals:request")
    drafts = [
        Draft(K.REVIEW_OVERDUE, Subject(Grant, pk), uid, due.date(),
              f"Post-incident review overdue: emergency access to {name}",
              "You are the A of emergency access for this identity (or an admin).",
              link=request_link(request_id))
        for pk, identity_id, name, request_id, due in overdue
        for uid in ({accountable[identity_id]} if identity_id in accountable else fallback)
    ]  # fmt: skip
    for batch in _batches(drafts, _batch_size()):
        with transaction.atomic():
            notify_many(batch)
    return len(overdue), len(drafts)


SWEEPS = {
    "rotation": rotation_sweep,
    "expiry": expiry_sweep,
    "decommission": decommission_sweep,
    "escalation": escalation_sweep,
    "reviews": reviews_sweep,
}


def run_sweep(name: str, *, now: dt.datetime) -> SweepResult:
    """One sweep; if it fails as a whole, the failure is recorded (and admins alerted) and
    the result says so, so the sweeps after it still run."""
    try:
        return SWEEPS[name](now=now)
    except Exception as exc:  # recorded, alerted and reported, never swallowed
        failure_record(sweep=name, now=now)
        return SweepResult(name, error=f"{type(exc).__name__}: {exc}")


def run_sweeps(*, now: dt.datetime, only=None, report=None) -> list[SweepResult]:
    """Every sweep in order, each whatever the others did; `report(result)` as each ends."""
    results = []
    for name in SWEEPS:
        if only and name not in only:
            continue
        results.append(result := run_sweep(name, now=now))
        if report:
            report(result)
    return results

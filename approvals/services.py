"""Writes for approvals: submit (evaluated at request time), decide (exactly once, by the
right owner, never the requester), grants that always end, renewals and break-glass.

The onboarding flow is approvals': it registers the pending identity through identities'
service and opens its onboarding request in the same transaction."""

import datetime as dt
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from core.bulk import id_list, update_returning
from core.errors import Conflict
from core.history import stamp
from core.notifications import Draft, Subject, notify_many, pk_linker
from core.observability import log_write
from core.roles import is_admin, is_read_only
from core.system import system_user
from core.versioning import versioned_update
from governance.selectors import deciders_for
from identities.models import Identity
from identities.secrets import ensure_no_secret_values
from identities.selectors import can_request_for, identity_scope
from identities.services import identity_register

from . import outcomes
from .choices import (
    DecisionOutcome,
    GrantStatus,
    NotificationKind,
    Outcome,
    RequestKind,
    RequestStatus,
)
from .models import ApprovalPolicy, Decision, Grant, Request
from .policy import decider_roles, deciders_phrase, evaluate
from .scopes import clean_scopes
from .selectors import deciders_of

TEXT_FIELDS = (
    "justification",
    "excepted_policy",
    "scope",
    "compensating_controls",
    "access_requested",
    "incident_reference",
)


class PolicyRefused(ValidationError):
    """The policy refused the request; `reasons` says why. Nothing was saved."""

    def __init__(self, reasons: list[str]):
        super().__init__(reasons)
        self.reasons = reasons


# --- onboarding ---------------------------------------------------------------------------
def onboarding_submit(*, actor, data: dict, source: str = "wizard", now=None) -> Request:
    """Register the identity `pending` and open its onboarding request, or neither."""
    now = now or timezone.now()
    data = dict(data)
    justification = data.pop("justification", "") or data.get("purpose", "")
    with transaction.atomic():
        identity = identity_register(actor=actor, source=source, now=now, **data)
        policy = policy_for(RequestKind.ONBOARDING)
        end = now + timedelta(hours=policy.default_duration_hours)
        if identity.ends_on:
            ends = dt.datetime.combine(identity.ends_on, dt.time.max, tzinfo=dt.UTC)
            end = min(end, ends, now + timedelta(hours=policy.max_duration_hours))
        return request_submit(
            actor=actor,
            kind=RequestKind.ONBOARDING,
            identity=identity,
            justification=justification,
            requested_start=now,
            requested_end=end,
            now=now,
        )


# --- policies -----------------------------------------------------------------------------
POLICY_FIELDS = ("name", "description", "approver_domain", *ApprovalPolicy.RULE_FIELDS)


def policy_update(*, actor, policy: ApprovalPolicy, reason: str, **changes) -> ApprovalPolicy:
    """Change a policy (admins): a new version, kept in history with the reason, so every
    evaluation still names the exact version it applied."""
    if not is_admin(actor):
        raise PermissionDenied("Only admins change approval policies.")
    return versioned_update(
        model=ApprovalPolicy,
        pk=policy.pk,
        actor=actor,
        reason=reason,
        changes=changes,
        allowed=POLICY_FIELDS,
    )


# --- submit -------------------------------------------------------------------------------
def policy_for(kind: str) -> ApprovalPolicy:
    try:
        return ApprovalPolicy.objects.select_related("approver_domain").get(kind=kind)
    except ApprovalPolicy.DoesNotExist:
        raise ValidationError(f"No approval policy is configured for {kind} requests.") from None


def request_submit(
    *,
    actor,
    kind: str,
    identity: Identity,
    requested_start: dt.datetime | None = None,
    requested_end: dt.datetime | None = None,
    duration_hours: float | None = None,
    renews: Grant | None = None,
    scopes: list[str] | str | None = None,
    now: dt.datetime | None = None,
    **fields,
) -> Request:
    """Evaluate against the policy at request time and store request + evaluation; a refusal
    raises `PolicyRefused` with the reasons and leaves nothing behind. `scopes` are the
    runtime scopes the grant is to cover (approvals.scopes)."""
    now = now or timezone.now()
    unknown = set(fields) - set(TEXT_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown request fields: {', '.join(sorted(unknown))}.")
    fields = {k: (v or "").strip() for k, v in fields.items()}
    ensure_no_secret_values(fields)
    scopes = clean_scopes(scopes)
    if is_read_only(actor):
        raise PermissionDenied("Auditors read and export; they do not request access.")
    if not identity_scope(actor).filter(pk=identity.pk).exists():
        raise PermissionDenied("You can ask only for identities you can see.")
    if not can_request_for(actor, identity):
        raise PermissionDenied(
            "Only engineers of the identity's team and admins may request access for it."
        )
    policy = policy_for(kind)
    if renews is not None:
        if renews.identity_id != identity.pk or renews.kind != kind:
            raise ValidationError("A renewal refers to a grant of the same identity and kind.")
        if renews.status != GrantStatus.ACTIVE:
            raise ValidationError("Only an active grant can be renewed.")
        requested_start = requested_start or renews.expires_at
        for name in TEXT_FIELDS:  # what the renewal does not restate, it keeps
            fields[name] = fields.get(name) or getattr(renews.request, name)
        scopes = scopes or list(renews.request.scopes)
    start = requested_start or now
    if requested_end is None:
        hours = duration_hours if duration_hours is not None else policy.default_duration_hours
        requested_end = start + timedelta(hours=float(hours))
    with transaction.atomic():
        # One submission per identity at a time: the evaluation below reads the identity's
        # grants (no chained break-glass), so two concurrent submissions must not both pass.
        identity = Identity.objects.select_for_update().get(pk=identity.pk)
        return _submit_locked(
            actor=actor,
            kind=kind,
            identity=identity,
            policy=policy,
            start=start,
            requested_end=requested_end,
            renews=renews,
            fields={**fields, "scopes": scopes},
            now=now,
        )


def _submit_locked(*, actor, kind, identity, policy, start, requested_end, renews, fields, now):
    evaluation = evaluate(
        policy=policy,
        identity=identity,
        requester=actor,
        requested_start=start,
        requested_end=requested_end,
        fields=fields,
        now=now,
        renewal=renews is not None,
    )
    if evaluation.refused:
        raise PolicyRefused(evaluation.reasons)
    request = Request(
        kind=kind,
        identity=identity,
        requester=actor,
        requested_start=start,
        requested_end=requested_end,
        approvals_required=evaluation.approvals_required,
        renews=renews,
        expires_at=now + timedelta(hours=policy.pending_expiry_hours),
        **fields,
    )
    outcome = Outcome(evaluation.outcome).label.lower()
    stamp(request, actor=actor, reason=f"submitted by {actor}; {outcome}")
    request.save()
    outcomes.record_submission(request, policy, evaluation, fields, actor, now)
    log_write("request.submit", actor=actor, obj=request, kind=kind, identity_id=identity.pk)
    return request


# --- decide -------------------------------------------------------------------------------
REJECT_NEEDS_REASON = "Say why you reject: the requester reads this reason."


def request_decide(
    *,
    request_id: int,
    actor,
    outcome: str,
    comment: str = "",
    granted_start: dt.datetime | None = None,
    granted_end: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Decision:
    """Approve or reject, exactly once under concurrent clicks (the request row is locked)."""
    now = now or timezone.now()
    if outcome not in DecisionOutcome.values:
        raise ValidationError({"outcome": "Approve or reject."})
    ensure_no_secret_values({"comment": comment})
    with transaction.atomic():
        request = (
            Request.objects.select_for_update(of=("self",))
            .select_related("identity", "requester", "evaluation__policy__approver_domain")
            .get(pk=request_id)
        )
        if request.status != RequestStatus.PENDING:
            raise Conflict(f"This request is already {request.get_status_display().lower()}.")
        if request.expires_at <= now:
            raise Conflict("This request has expired without a decision.")
        entitled_as = _entitlement(request, actor)
        if outcome == DecisionOutcome.REJECT and not comment.strip():
            raise ValidationError({"comment": REJECT_NEEDS_REASON})
        if outcome == DecisionOutcome.APPROVE:
            _check_window(request, granted_start, granted_end)
        try:
            with transaction.atomic():
                decision = Decision(
                    request=request,
                    decider=actor,
                    outcome=outcome,
                    comment=comment.strip(),
                    entitled_as=entitled_as,
                    granted_start=granted_start,
                    granted_end=granted_end,
                    decided_at=now,
                )
                stamp(decision, actor=actor, reason=f"{outcome} by {actor}")
                decision.save()
        except IntegrityError:
            raise Conflict("You have already decided this request.") from None
        if outcome == DecisionOutcome.REJECT:
            outcomes.finish(request, RequestStatus.REJECTED, actor, comment, now)
        elif request.decisions.filter(outcome=DecisionOutcome.APPROVE).count() >= (
            request.approvals_required
        ):
            outcomes.finish(request, RequestStatus.APPROVED, actor, comment, now)
    log_write("request.decide", actor=actor, obj=request, outcome=outcome, decision_id=decision.pk)
    return decision


def _entitlement(request: Request, actor) -> str:
    """Separation of duties and who may decide, resolved now (the RACI may have changed)."""
    if actor.pk == request.requester_id:
        raise PermissionDenied("You cannot decide your own request.")
    if is_read_only(actor):
        raise PermissionDenied("Auditors read and export; they do not decide requests.")
    policy = request.evaluation.policy
    domain = policy.approver_domain
    a_ids = deciders_for(identity=request.identity, domain_key=domain.key)
    if actor.pk in a_ids:
        return f"A of {domain.name}"
    roles = decider_roles(policy)
    if len(roles) > 1 and actor.pk in deciders_for(
        identity=request.identity, domain_key=domain.key, roles=roles
    ):
        return f"R of {domain.name}"
    raise PermissionDenied(
        f"Only the effective {deciders_phrase(policy)} of {domain.name} "
        "for this identity may decide."
    )


def _check_window(request: Request, start, end) -> None:
    """An approver may shorten the time asked or start it later, never extend it."""
    if start is not None and start < request.requested_start:
        raise ValidationError({"granted_start": "The start cannot be earlier than asked."})
    if end is not None and end > request.requested_end:
        raise ValidationError({"granted_end": "The end cannot be later than asked."})
    if end is not None and end <= (start or request.requested_start):
        raise ValidationError({"granted_end": "The end must be after the start."})
    # with a quorum the grant is the narrowest window of all approvals: it must stay open
    prior = list(request.decisions.filter(outcome=DecisionOutcome.APPROVE))
    starts = [start or request.requested_start, *(d.granted_start for d in prior)]
    ends = [end or request.requested_end, *(d.granted_end for d in prior)]
    if min(e for e in ends if e) <= max(s for s in starts if s):
        raise ValidationError(
            {"granted_end": "This window does not overlap the one an earlier approver granted."}
        )


def request_cancel(*, actor, request: Request, now=None) -> Request:
    now = now or timezone.now()
    with transaction.atomic():
        locked = Request.objects.select_for_update().get(pk=request.pk)
        if locked.requester_id != actor.pk and not is_admin(actor):
            raise PermissionDenied("Only the requester or an admin may cancel.")
        if locked.status != RequestStatus.PENDING:
            raise Conflict(f"This request is already {locked.get_status_display().lower()}.")
        outcomes.set_status(locked, RequestStatus.CANCELLED, f"cancelled by {actor}", now, actor)
    return locked


def requests_expire_pending(*, now=None, batch: int = 500, ids=None) -> int:
    """Set-based: pending requests past their expiry (of `ids`, when given; the `batch`
    soonest) become expired in one `UPDATE … RETURNING` (rows another transaction holds are
    skipped), with their history rows; requesters are told."""
    now = now or timezone.now()
    due = Request.objects.filter(status=RequestStatus.PENDING, expires_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=id_list(ids))
    soonest = due.order_by("expires_at", "pk").values("pk")[:batch]
    with transaction.atomic():
        expired = update_returning(
            Request.objects.filter(pk__in=soonest, status=RequestStatus.PENDING),
            skip_locked=True, status=RequestStatus.EXPIRED, decided_at=now,
        )  # fmt: skip
        Request.history.bulk_history_create(
            expired, update=True, default_user=system_user(),
            default_change_reason="expired without a decision",
        )  # fmt: skip
        names = dict(
            Identity.objects.filter(pk__in={r.identity_id for r in expired}).values_list(
                "pk", "name"
            )
        )
        links = Request.urls(r.pk for r in expired)
        notify_many([
            Draft(
                NotificationKind.REQUEST_EXPIRED, r, r.requester_id, r.expires_at.date(),
                f"Your {r.get_kind_display().lower()} request for {names[r.identity_id]} expired",
                "You made this request; nobody decided it in time.", link=links[r.pk],
            )
            for r in expired
        ])  # fmt: skip
    return len(expired)


def requests_route_to_deciders(*, now=None) -> int:
    """Tell whoever may decide each pending request now: a replacement owner, or the next A
    up when the owner left. Notifications are unique per (kind, request, recipient, due
    date), so whoever was already told is not told again. Returns the drafts offered."""
    now = now or timezone.now()
    pending = Request.objects.filter(status=RequestStatus.PENDING, expires_at__gt=now)
    deciders = deciders_of(pending)
    labels = dict(RequestKind.choices)  # what get_kind_display shows, without an instance
    rows = pending.values_list("pk", "kind", "identity__name", "expires_at", "requester_id")
    request_link = pk_linker("approvals:request")
    drafts = [
        Draft(NotificationKind.APPROVAL_REQUESTED, Subject(Request, pk), uid, expires_at.date(),
              f"{labels.get(kind, kind)} request for {name}",
              "You may decide it now: its owner changed or left.",
              link=request_link(pk))
        for pk, kind, name, expires_at, requester_id in rows
        if pk in deciders
        for uid in deciders[pk] - {requester_id}
    ]  # fmt: skip
    with transaction.atomic():
        notify_many(drafts)
    return len(drafts)


def requests_cancel_for_identity(*, actor, identity: Identity, reason: str, now=None) -> int:
    """Close every pending request of an identity (it is being decommissioned)."""
    now = now or timezone.now()
    with transaction.atomic():
        pending = list(
            Request.objects.select_for_update().filter(
                identity=identity, status=RequestStatus.PENDING
            )
        )
        for r in pending:
            r.status, r.decided_at = RequestStatus.CANCELLED, now
        bulk_update_with_history(
            pending, Request, ["status", "decided_at"], default_user=actor,
            default_change_reason=f"closed: {reason}",
        )  # fmt: skip
    return len(pending)

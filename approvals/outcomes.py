"""What a submitted or decided request leads to: its evaluation record, its status, the grant
it gives, the identity's timeline and the notifications. Called by `approvals.services`
inside the transaction that holds the request's lock."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from core.history import stamp
from core.notifications import notify
from identities.choices import EventKind, IdentityStatus
from identities.status import identity_set_status
from identities.timeline import lifecycle_event_record

from .choices import (
    DECIDED_KIND,
    DecisionOutcome,
    NotificationKind,
    Outcome,
    RequestKind,
    RequestStatus,
)
from .models import Grant, PolicyEvaluation, Request


def record_submission(request: Request, policy, evaluation, fields: dict, actor, now) -> None:
    """The evaluation as stored evidence, the timeline event, break-glass activation and the
    deciders' notification of a request just saved."""
    PolicyEvaluation.objects.create(
        request=request,
        policy=policy,
        policy_version=policy.version,
        policy_snapshot=evaluation.snapshot,
        inputs=evaluation.inputs,
        outcome=evaluation.outcome,
        reasons=evaluation.reasons,
        evaluated_at=now,
    )
    lifecycle_event_record(
        identity=request.identity,
        kind=EventKind.REQUEST_SUBMITTED,
        actor=actor,
        related=request,
        summary=f"{request.get_kind_display()} requested by {actor}",
        occurred_at=now,
        details={"status": "submitted", "policy_version": policy.version},
    )
    link = request.get_absolute_url()
    if evaluation.outcome == Outcome.ACTIVE_AT_ONCE:
        grant = grant_create(request, request.requested_start, request.requested_end, actor, now)
        grant.review_due_at = now + timedelta(hours=policy.post_incident_review_hours or 24)
        grant.save(update_fields=["review_due_at"])
        set_status(request, RequestStatus.APPROVED, "break-glass: active at once", now, actor)
        notify(
            kind=NotificationKind.EMERGENCY_ACTIVATED,
            subject=request,
            due_on=now.date(),
            recipients=users(evaluation.deciders),
            title=f"Emergency access active: {request.identity}",
            reason=f"You are an approver of {policy.approver_domain.name}; review it by "
            f"{grant.review_due_at:%Y-%m-%d %H:%M}.",
            body=fields.get("access_requested", ""),
            link=link,
        )
    else:
        notify(
            kind=NotificationKind.APPROVAL_REQUESTED,
            subject=request,
            due_on=request.expires_at.date(),
            recipients=users(evaluation.deciders),
            title=f"{request.get_kind_display()} request for {request.identity}",
            reason=f"You are an approver of {policy.approver_domain.name} for this identity.",
            body=fields.get("justification", ""),
            link=link,
        )


def finish(request: Request, status: str, actor, comment: str, now) -> None:
    set_status(request, status, f"{status} by {actor}", now, actor)
    identity = request.identity
    if status == RequestStatus.APPROVED:
        decisions = list(request.decisions.filter(outcome=DecisionOutcome.APPROVE))
        # access starts no earlier than the decision that completed the quorum (`now`)
        start = max(
            [request.requested_start, now, *(d.granted_start for d in decisions if d.granted_start)]
        )
        end = min([request.requested_end, *(d.granted_end for d in decisions if d.granted_end)])
        if end <= start:
            raise ValidationError(
                {"granted_end": "The window asked for has passed: reject it and ask again."}
            )
        grant_create(request, start, end, actor, now)
        if request.kind == RequestKind.ONBOARDING and identity.status == IdentityStatus.PENDING:
            identity_set_status(
                actor=actor,
                identity=identity,
                status=IdentityStatus.ACTIVE,
                reason=f"onboarding request #{request.pk} approved",
                related=request,
            )
    elif request.kind == RequestKind.ONBOARDING and identity.status == IdentityStatus.PENDING:
        identity_set_status(
            actor=actor,
            identity=identity,
            status=IdentityStatus.REJECTED,
            reason=f"onboarding request #{request.pk} rejected: {comment or 'no comment'}",
            related=request,
        )
    lifecycle_event_record(
        identity=identity,
        kind=EventKind.REQUEST_DECIDED,
        actor=actor,
        related=request,
        summary=f"{request.get_kind_display()} #{request.pk} {status} by {actor}",
        occurred_at=now,
        details={"status": status, "comment": comment},
    )
    notify(
        kind=DECIDED_KIND[status],
        subject=request,
        due_on=now.date(),
        recipients=[request.requester],
        title=f"Your {request.get_kind_display().lower()} request for {identity} was {status}",
        reason="You made this request.",
        body=comment,
        link=request.get_absolute_url(),
    )


def set_status(request: Request, status: str, reason: str, now, actor) -> None:
    request.status = status
    request.decided_at = now
    stamp(request, actor=actor, reason=reason)
    request.save(update_fields=["status", "decided_at", "updated_at"])


def grant_create(request: Request, start, end, actor, now) -> Grant:
    grant = Grant(
        request=request,
        identity=request.identity,
        kind=request.kind,
        starts_at=start,
        expires_at=end,
    )
    stamp(grant, actor=actor, reason=f"granted under request #{request.pk}")
    grant.save()
    lifecycle_event_record(
        identity=request.identity,
        kind=EventKind.GRANT_ACTIVATED,
        actor=actor,
        related=grant,
        summary=f"{grant.get_kind_display()} grant from {start:%Y-%m-%d %H:%M} "
        f"until {end:%Y-%m-%d %H:%M}",
        occurred_at=now,
    )
    return grant


def users(ids):
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True))

"""Writes for revocation jobs: claim, call the platform, record — never the platform call
inside a transaction that holds row locks.

1. claim: a conditional UPDATE (pending and due, or running but stale after a crashed
   worker) in a short transaction that also writes the history row of the claimed state;
2. call the connector with no transaction open;
3. record the platform's answer (or the failure, with exponential backoff) in a second
   short transaction, which checks the claim is still ours.

After `CONNECTORS_ESCALATE_AFTER` failed attempts the identity's effective A (identity
domain; the admins where there is a gap) is told once; after `CONNECTORS_MAX_ATTEMPTS` the
job is `failed` and stays on the dashboard until an admin retries it."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from core.errors import Conflict
from core.history import stamp
from core.notifications import Draft, notify_many
from core.roles import ADMINS, is_admin
from core.system import system_user
from governance.choices import DomainKey
from governance.selectors import accountable_for
from identities.choices import EventKind
from identities.secrets import ensure_no_secret_values
from identities.timeline import lifecycle_event_record

from .base import RevocationResult, RevocationTarget, connector_for
from .choices import JobStatus, NotificationKind, RevocationAction
from .models import RevocationJob, SourceCredential

log = logging.getLogger(__name__)
ESCALATION_KIND = NotificationKind.REVOCATION_FAILING


def backoff(attempts: int) -> dt.timedelta:
    """base · 2^(attempts-1), capped."""
    seconds = settings.CONNECTORS_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.CONNECTORS_RETRY_MAX_SECONDS))


def _claimable(now: dt.datetime) -> Q:
    stale = now - dt.timedelta(seconds=settings.CONNECTORS_CLAIM_TIMEOUT_SECONDS)
    return Q(status=JobStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=JobStatus.RUNNING, claimed_at__lt=stale
    )


def due_job_ids(*, now: dt.datetime, limit: int = 500) -> list[int]:
    return list(
        RevocationJob.objects.filter(_claimable(now), connector__enabled=True)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def revocation_claim(*, job_id: int, now: dt.datetime) -> RevocationJob | None:
    with transaction.atomic():
        claimed = (
            RevocationJob.objects.filter(_claimable(now), pk=job_id, connector__enabled=True)
            .update(status=JobStatus.RUNNING, claimed_at=now, attempts=F("attempts") + 1)
        )  # fmt: skip
        if not claimed:
            return None
        # The UPDATE writes no history: record the claimed state as a history row at once,
        # so the live row always equals its latest (chained) history record.
        job = RevocationJob.objects.select_related(
            "connector__platform", "credential", "identity"
        ).get(pk=job_id)
        stamp(job, actor=system_user(), reason=f"claimed for attempt {job.attempts}")
        job.save(update_fields=["updated_at"])
    return job


def revocation_run(*, job_id: int, now: dt.datetime | None = None) -> RevocationJob | None:
    """One attempt; None when the job is not due (done, awaiting, claimed by another)."""
    now = now or timezone.now()
    job = revocation_claim(job_id=job_id, now=now)
    if job is None:
        return None
    target = RevocationTarget(
        job_id=job.pk,
        principal=job.identity.external_id,
        key_id=job.credential.key_id,
        issued_at=job.credential.issued_at,
        label=job.credential.label,
        kind=job.credential.kind,
        source_key_id=SourceCredential.objects.filter(credential=job.credential)
        .values_list("key_id", flat=True)
        .first()
        or "",
    )
    try:
        result = connector_for(job.connector).revoke(target, job.action)
    except Exception as exc:  # every failure is recorded and retried, none is lost
        log.warning("revocation #%s failed: %s", job.pk, exc)
        result, error = None, f"{type(exc).__name__}: {exc}"
    try:
        if result is None:
            return _record_failure(job, error, now=now)
        return _record_answer(job, result, now=now)
    except Conflict:  # our claim went stale and another worker took the job over
        log.warning("revocation #%s was taken over; its answer is recorded there", job.pk)
        return None


def _locked_claim(job: RevocationJob) -> RevocationJob:
    locked = RevocationJob.objects.select_for_update().get(pk=job.pk)
    if locked.status != JobStatus.RUNNING or locked.claimed_at != job.claimed_at:
        raise Conflict("Another worker took over this revocation.")
    return locked


def _record_answer(job: RevocationJob, result: RevocationResult, *, now) -> RevocationJob:
    actor = system_user()
    with transaction.atomic():
        locked = _locked_claim(job)
        locked.platform_request_id = result.request_id[:200]
        locked.last_error = ""
        locked.claimed_at = None
        if result.awaiting:
            locked.status = JobStatus.AWAITING_ACK
            locked.source_state = result.state
            stamp(locked, actor=actor, reason=f"requested from {job.connector.platform}")
            locked.save()
            return locked
        at = result.read_at or now
        _confirm(locked, actor=actor, state=result.state, at=at, changed=result.changed)
        # What we read back is the latest read at the source (an observation, no history).
        SourceCredential.objects.filter(credential=locked.credential).update(
            status=result.state, read_at=at
        )
    return locked


def _confirm(locked: RevocationJob, *, actor, state: str, at, changed: bool, reference=""):
    locked.status = JobStatus.DONE
    locked.source_state = state[:40]
    locked.confirmed_at = at
    locked.platform_reference = reference[:200]
    verb = "deleted" if locked.action == RevocationAction.DELETE else "disabled"
    stamp(locked, actor=actor, reason=f"{verb} at the source ({state})")
    locked.save()
    credential, platform = locked.credential, locked.connector.platform
    lifecycle_event_record(
        identity=locked.identity,
        kind=EventKind.CREDENTIAL_REVOKED,
        actor=actor,
        credential=credential,
        related=locked,
        occurred_at=at,
        summary=f"'{credential.label}' {verb} at {platform}: confirmed by the platform"
        + ("" if changed or reference else " (it already was)"),
        details={
            "at_source": True,
            "state": state,
            "request_id": locked.platform_request_id,
            "reference": reference,
        },
    )


def _record_failure(job: RevocationJob, error: str, *, now) -> RevocationJob:
    actor = system_user()
    with transaction.atomic():
        locked = _locked_claim(job)
        _fail(locked, actor=actor, error=error, now=now)
    return locked


def _fail(locked: RevocationJob, *, actor, error: str, now) -> None:
    locked.last_error = error[:2000]
    locked.claimed_at = None
    if locked.attempts >= settings.CONNECTORS_MAX_ATTEMPTS:
        locked.status = JobStatus.FAILED
    else:
        locked.status = JobStatus.PENDING
        locked.next_attempt_at = now + backoff(locked.attempts)
    escalate = locked.attempts >= settings.CONNECTORS_ESCALATE_AFTER and locked.escalated_at is None
    if escalate:
        locked.escalated_at = now
    stamp(locked, actor=actor, reason=f"attempt {locked.attempts} failed: {error}"[:100])
    locked.save()
    if escalate:
        _escalate(locked, now=now)


def _escalate(job: RevocationJob, *, now) -> None:
    """Tell the identity's effective A once (the admins where there is an ownership gap)."""
    owner = accountable_for(identity=job.identity, domain_key=DomainKey.IDENTITY)
    if owner is not None:
        recipients, why = [owner.pk], "You are the accountable owner (A) of this identity."
    else:
        recipients = list(
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(groups__name=ADMINS) | Q(is_superuser=True))
            .values_list("pk", flat=True)
            .distinct()
        )
        why = "This identity has no accountable owner (A): admins are told instead."
    platform = job.connector.platform
    notify_many(
        [
            Draft(
                ESCALATION_KIND,
                job,
                uid,
                now.date(),
                f"Revoking '{job.credential.label}' of {job.identity} on {platform} keeps failing",
                why,
                body=f"{job.attempts} attempts failed; last error: {job.last_error}",
                link=reverse("identities:detail", args=[job.identity_id]) + "#source-panel",
            )
            for uid in recipients
        ]
    )


# --- the webhook contract: the platform's acknowledgement --------------------------------
def revocation_ack(
    *,
    actor,
    job: RevocationJob,
    outcome: str,
    request_id: str,
    reference: str = "",
    detail: str = "",
    now: dt.datetime | None = None,
) -> RevocationJob:
    """The platform's answer to a `credential.revocation_requested` event. Only admins or the
    platform's own account acknowledge; an acknowledgement that does not name the pending
    request (stale, or replayed after the job moved on) is refused with 409."""
    now = now or timezone.now()
    if not (is_admin(actor) or actor.pk == job.connector.ack_user_id):
        raise PermissionDenied("Only admins or this platform's account acknowledge.")
    if outcome not in ("done", "failed"):
        raise ValidationError({"outcome": "Give 'done' or 'failed'."})
    ensure_no_secret_values({"reference": reference, "detail": detail})
    with transaction.atomic():
        locked = (
            RevocationJob.objects.select_for_update(of=("self",))
            .select_related("connector__platform", "credential", "identity")
            .get(pk=job.pk)
        )
        if locked.status != JobStatus.AWAITING_ACK:
            raise Conflict(
                f"This revocation is {locked.get_status_display().lower()}: "
                "nothing is waiting for an acknowledgement."
            )
        if not request_id or str(request_id) != locked.platform_request_id:
            raise Conflict("The acknowledgement names another request (stale or replayed).")
        if outcome == "done":
            _confirm(locked, actor=actor, state="acknowledged", at=now, changed=True,
                     reference=reference.strip() or f"ack by {actor}")  # fmt: skip
        else:
            locked.platform_reference = reference.strip()[:200]
            _fail(locked, actor=actor, error=f"platform: {detail.strip() or 'failed'}", now=now)
    return locked


def revocation_retry(*, actor, job: RevocationJob, now=None) -> RevocationJob:
    """An admin sends a failed job round again."""
    if not is_admin(actor):
        raise PermissionDenied("Only admins retry revocations.")
    with transaction.atomic():
        locked = RevocationJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != JobStatus.FAILED:
            raise Conflict("Only a failed revocation is retried.")
        locked.status, locked.next_attempt_at = JobStatus.PENDING, now or timezone.now()
        stamp(locked, actor=actor, reason=f"retry requested by {actor}")
        locked.save()
    return locked

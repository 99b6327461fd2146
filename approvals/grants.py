"""Writes for grants: every grant ends — by time (the lifecycle sweep calls `grants_end`),
by revocation, or because its identity is decommissioned — and break-glass grants get their
post-incident review here."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.bulk import id_list, update_returning
from core.errors import Conflict
from core.history import stamp
from core.notifications import Draft, notify_many
from core.roles import is_admin
from core.system import system_user
from governance.choices import DomainKey, Role
from governance.owner_queries import owner_users
from governance.selectors import deciders_for
from identities.choices import EventKind
from identities.credentials import credentials_end
from identities.models import Credential, Identity
from identities.secrets import ensure_no_secret_values
from identities.selectors import can_change_identity
from identities.timeline import event_row, lifecycle_event_record, lifecycle_event_rows_insert

from .choices import GRANT_ENDED_KIND, GrantStatus, RequestKind
from .models import Grant, GrantCredential, Request
from .policy import decider_roles
from .services import policy_for

GRANT_END_EVENT = {
    GrantStatus.EXPIRED: EventKind.GRANT_EXPIRED,
    GrantStatus.REVOKED: EventKind.GRANT_REVOKED,
    GrantStatus.DECOMMISSIONED: EventKind.GRANT_REVOKED,
}


# --- grants -------------------------------------------------------------------------------
def grant_end(*, grant: Grant, status: str, actor=None, reason: str = "", now=None) -> Grant:
    """End one grant (expired, revoked, or its identity decommissioned)."""
    ended = grants_end(grant_ids=[grant.pk], status=status, actor=actor, reason=reason, now=now)
    if not ended:
        raise Conflict("This grant has already ended.")
    return ended[0]


def grants_end(*, grant_ids, status: str, actor=None, reason: str = "", now=None) -> list[Grant]:
    """Set-based end of many grants in a few queries: status, end time, history, an event each,
    and the owners told. Grants already ended are skipped (idempotent)."""
    if status not in (GrantStatus.EXPIRED, GrantStatus.REVOKED, GrantStatus.DECOMMISSIONED):
        raise ValidationError("A grant ends as expired, revoked or decommissioned.")
    now = now or timezone.now()
    actor = actor or system_user()
    why = reason or {"expired": "reached its end time"}.get(status, status)
    with transaction.atomic():
        grants = update_returning(
            Grant.objects.filter(pk__in=id_list(grant_ids), status=GrantStatus.ACTIVE),
            skip_locked=True, status=status, ended_at=now, ended_by=actor, end_reason=why,
            updated_at=now,
        )  # fmt: skip
        Grant.history.bulk_history_create(
            grants, update=True, default_user=actor,
            default_change_reason=f"grant {status}: {why}"[:100],
        )  # fmt: skip
        identities = Identity.objects.in_bulk({g.identity_id for g in grants})
        requesters = dict(
            Request.objects.filter(pk__in=id_list(g.request_id for g in grants)).values_list(
                "pk", "requester_id"
            )
        )
        for g in grants:
            g.identity = identities[g.identity_id]
        lifecycle_event_rows_insert(
            [
                event_row(
                    identity_id=g.identity_id,
                    kind=GRANT_END_EVENT[status],
                    actor_id=actor.pk,
                    occurred_at=now,
                    related=g,
                    summary=f"{g.get_kind_display()} grant #{g.pk} {status}: {why}",
                    details={},
                )
                for g in grants
            ]
        )
        ended_credentials = _credentials_end_under(
            grants, status=status, why=why, actor=actor, now=now
        )
        notify_many(_ended_drafts(grants, status, why, ended_credentials, requesters, now))
    return grants


def _ended_drafts(grants, status, why, ended_credentials, requesters, now) -> list[Draft]:
    """Tell the requester and the identity's A that each grant ended (and what ended with it)."""
    accountable = {
        identity_id: user_id
        for identity_id, role, user_id in owner_users(
            identity_ids={g.identity_id for g in grants}, domain_key=DomainKey.IDENTITY
        )
        if role == Role.ACCOUNTABLE
    }  # the active effective A (none for a gap)
    drafts, links = [], Request.urls(g.request_id for g in grants)
    for g in grants:
        title = f"{g.get_kind_display()} access for {g.identity} has ended ({status})"
        ended = ended_credentials.get(g.pk, [])
        body = why + (
            f"\nCredentials issued under it, now revoked: {', '.join(ended)}." if ended else ""
        )
        link = links[g.request_id]
        who = {requesters[g.request_id]: "You requested this access."}
        if g.identity_id in accountable:
            who.setdefault(
                accountable[g.identity_id],
                "You are the accountable owner (A) of the identity domain for it.",
            )
        drafts += [
            Draft(GRANT_ENDED_KIND[status], g, uid, now.date(), title, reason, body=body, link=link)
            for uid, reason in who.items()
        ]
    return drafts


def _credentials_end_under(grants, *, status, why, actor, now) -> dict[int, list[str]]:
    """The credentials issued under ended grants end with them, in one set-based call:
    {grant id: labels ended}."""
    by_pk = {g.pk: g for g in grants}
    each = {
        credential_id: (
            f"its {by_pk[grant_id].get_kind_display().lower()} grant #{grant_id} {status}: {why}",
            by_pk[grant_id],
        )
        for grant_id, credential_id in GrantCredential.objects.filter(
            grant_id__in=id_list(by_pk)
        ).values_list("grant_id", "credential_id")
    }
    ended = credentials_end(actor=actor, credential_ids=list(each), reason=why, now=now, each=each)
    out: dict[int, list[str]] = {}
    for c in ended:
        out.setdefault(each[c.pk][1].pk, []).append(f"'{c.label}'")
    return out


def grant_revoke(*, actor, grant: Grant, reason: str, now=None) -> Grant:
    """Its owner (an approver the policy names), its requester or an admin revoke it."""
    ensure_no_secret_values({"reason": reason})
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for revoking."})
    policy = policy_for(grant.kind)
    owners = deciders_for(
        identity=grant.identity, domain_key=policy.approver_domain.key, roles=decider_roles(policy)
    )
    if not (is_admin(actor) or actor.pk in owners or actor.pk == grant.request.requester_id):
        raise PermissionDenied("Only the grant's owner, its requester or an admin may revoke it.")
    return grant_end(grant=grant, status=GrantStatus.REVOKED, actor=actor, reason=reason, now=now)


def grant_review(*, actor, grant: Grant, notes: str, now=None) -> Grant:
    """The post-incident review of break-glass access, by its accountable owner."""
    now = now or timezone.now()
    if not notes.strip():
        raise ValidationError({"notes": "Write what happened and what follows."})
    ensure_no_secret_values({"notes": notes})
    policy = policy_for(grant.kind)
    if actor.pk == grant.request.requester_id:
        raise PermissionDenied("The requester cannot review their own emergency access.")
    if actor.pk not in deciders_for(identity=grant.identity, domain_key=policy.approver_domain.key):
        raise PermissionDenied(f"Only the A of {policy.approver_domain.name} reviews it.")
    with transaction.atomic():
        locked = Grant.objects.select_for_update().get(pk=grant.pk)
        if locked.review_due_at is None:
            raise ValidationError("This grant needs no post-incident review.")
        if locked.reviewed_at is not None:
            raise Conflict("This grant has already been reviewed.")
        locked.reviewed_at, locked.reviewed_by, locked.review_notes = now, actor, notes.strip()
        stamp(locked, actor=actor, reason=f"post-incident review by {actor}")
        locked.save(update_fields=["reviewed_at", "reviewed_by", "review_notes", "updated_at"])
        lifecycle_event_record(
            identity=locked.identity,
            kind=EventKind.REVIEWED,
            actor=actor,
            related=locked,
            summary=f"Post-incident review of emergency grant #{locked.pk}",
            occurred_at=now,
        )
    return locked


def grant_link_credential(*, actor, grant: Grant, credential: Credential) -> GrantCredential:
    """Record that `credential` was issued under `grant` (which secret, under which approval).
    By those who may change the identity (its team's engineers, its owners) or an admin."""
    if not (is_admin(actor) or can_change_identity(actor, grant.identity)):
        raise PermissionDenied("Only the identity's team, its owners or an admin link credentials.")
    if credential.identity_id != grant.identity_id:
        raise ValidationError("The credential belongs to another identity.")
    if grant.status != GrantStatus.ACTIVE:
        raise ValidationError("Credentials are issued only under an active grant.")
    try:
        with transaction.atomic():
            return GrantCredential.objects.create(grant=grant, credential=credential)
    except IntegrityError:
        raise Conflict("This credential is already linked to a grant.") from None


def credential_link_to_onboarding_grant(*, credential: Credential) -> GrantCredential | None:
    """A credential issued while its identity's onboarding grant is active was issued under
    it: link them, so the evidence row names it. Nothing when there is no such grant, or when
    another grant (an exception, emergency access) is active too: which one it was issued
    under is then for the person to say (`grant_link_credential`), as links are append-only."""
    live = list(
        Grant.objects.filter(
            identity_id=credential.identity_id,
            status=GrantStatus.ACTIVE,
            starts_at__lte=credential.issued_at,
            expires_at__gt=credential.issued_at,
        ).only("pk", "kind")[:2]
    )
    if len(live) != 1 or live[0].kind != RequestKind.ONBOARDING:
        return None
    grant = live[0]
    link, _ = GrantCredential.objects.get_or_create(
        credential=credential, defaults={"grant": grant}
    )
    return link

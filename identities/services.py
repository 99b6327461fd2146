"""Writes for the registry. Every change goes through here: history with a change reason,
a timeline event, permission and separation checks, and the no-secret-values rule."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.history import stamp
from core.notifications import notifications_resolve
from core.observability import log_write
from core.roles import is_admin

from .choices import STATUS_TRANSITIONS, CredentialStatus, EventKind, IdentityStatus
from .models import Credential, Identity, LifecycleEvent, Platform, Team
from .secrets import ensure_no_secret_values
from .selectors import (
    can_change_identity,
    can_change_risk_profile,
    can_onboard_into,
    is_accountable_for,
)
from .signals import credential_recorded, identity_scope_changed

IDENTITY_TEXT_FIELDS = ("name", "external_id", "purpose")
IDENTITY_IDENTIFIER_FIELDS = ("external_id",)
CREDENTIAL_TEXT_FIELDS = ("label", "key_id", "storage_location", "fingerprint", "last_chars")
CREDENTIAL_IDENTIFIER_FIELDS = ("key_id", "storage_location", "fingerprint", "last_chars")
UPDATABLE_IDENTITY_FIELDS = (
    "name",
    "purpose",
    "environment",
    "risk_tier",
    "entitlements",
    "ends_on",
    "team",
    "platform",
    "kind",
)


# --- timeline ---------------------------------------------------------------------------
def lifecycle_event_record(
    *,
    identity: Identity,
    kind: str,
    actor,
    summary: str,
    credential: Credential | None = None,
    related=None,
    details: dict | None = None,
    occurred_at: dt.datetime | None = None,
) -> LifecycleEvent:
    """Append one event to an identity's timeline. `related` is any model instance of a
    higher app (request, grant, review): stored by label and pk, so no import is needed."""
    return LifecycleEvent.objects.create(
        identity=identity,
        kind=kind,
        actor=actor,
        summary=summary[:300],
        credential=credential,
        related_type=related._meta.label_lower if related is not None else "",
        related_id=related.pk if related is not None else None,
        details=details or {},
        occurred_at=occurred_at or timezone.now(),
    )


# --- identities -------------------------------------------------------------------------
def identity_register(*, actor, source: str = "wizard", **details) -> Identity:
    """Register an identity (the arguments of `identity_build`); self-service onboarding
    creates it `pending`."""
    identity = identity_build(actor=actor, source=source, **details)
    try:
        with transaction.atomic():
            identity.save()
            lifecycle_event_record(**_onboarded_event(identity, actor, source))
            identity_scope_changed.send(sender=Identity, identity=identity)
    except IntegrityError:
        raise ValidationError(
            {
                "external_id": f"{identity.external_id!r} is already registered on "
                f"{identity.platform}."
            }
        ) from None
    log_write("identity.register", actor=actor, obj=identity, source=source)
    return identity


def identities_register_many(*, actor, identities: list[Identity], source: str) -> list[Identity]:
    """Register many identities at once (imports), each built by `identity_build` (which
    runs every check of `identity_register`): the same history rows and timeline events,
    written set-based — one bulk insert with history, one bulk insert of events and one
    re-materialisation of object permissions, whatever the number of identities."""
    if not identities:
        return []
    with transaction.atomic():
        try:
            with transaction.atomic():
                created = bulk_create_with_history(identities, Identity, batch_size=1000)
        except IntegrityError:
            raise ValidationError(
                {"external_id": "An external id is already registered on its platform."}
            ) from None
        LifecycleEvent.objects.bulk_create(
            [LifecycleEvent(**_onboarded_event(i, actor, source)) for i in created],
            batch_size=1000,
        )
        identity_scope_changed.send(
            sender=Identity, identity=None, identity_ids=[i.pk for i in created]
        )
    return created


def _onboarded_event(identity: Identity, actor, source: str) -> dict:
    return {
        "identity": identity,
        "kind": EventKind.ONBOARDED,
        "actor": actor,
        "summary": f"Registered via {source} as {identity.get_status_display().lower()}",
        "details": {"source": source},
        "occurred_at": timezone.now(),
    }


def identity_build(
    *,
    actor,
    team: Team,
    platform: Platform,
    name: str,
    kind: str,
    external_id: str,
    environment: str,
    purpose: str,
    risk_tier: str,
    entitlements: list[str] | None = None,
    ends_on: dt.date | None = None,
    status: str = IdentityStatus.PENDING,
    source: str = "wizard",
    now: dt.datetime | None = None,
    checked_teams: dict[int, bool] | None = None,
) -> Identity:
    """Check and build an identity to register (unsaved, stamped for its history row).
    `checked_teams` caches `can_onboard_into` per team across many calls; with it, the team,
    platform and actor (rows the caller loaded in this transaction) are not re-queried one
    identity at a time for existence — the foreign keys still enforce it at insert."""
    if checked_teams is None:
        allowed = can_onboard_into(actor, team)
    else:
        if team.pk not in checked_teams:
            checked_teams[team.pk] = can_onboard_into(actor, team)
        allowed = checked_teams[team.pk]
    if not allowed:
        raise PermissionDenied("You can onboard identities only into teams you belong to.")
    entitlements = _clean_entitlements(entitlements or [])
    fields = {
        "name": name.strip(),
        "external_id": external_id.strip(),
        "purpose": purpose.strip(),
        "entitlements": entitlements,
    }
    ensure_no_secret_values(fields, identifier_fields=IDENTITY_IDENTIFIER_FIELDS)
    today = timezone.localdate(now or timezone.now())
    if ends_on is not None and ends_on <= today:
        raise ValidationError({"ends_on": "The end date must be in the future."})
    identity = Identity(
        team=team,
        platform=platform,
        kind=kind,
        environment=environment,
        risk_tier=risk_tier,
        ends_on=ends_on,
        status=status,
        created_by=actor,
        **fields,
    )
    exclude = ["team", "platform", "created_by"] if checked_teams is not None else None
    identity.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    stamp(identity, actor=actor, reason=f"registered via {source} by {actor}")
    return identity


def identity_update(*, actor, identity: Identity, reason: str = "", **changes) -> Identity:
    """Change an identity's details (not its status: see `identity_set_status`)."""
    unknown = set(changes) - set(UPDATABLE_IDENTITY_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    if "entitlements" in changes:
        changes["entitlements"] = _clean_entitlements(changes["entitlements"])
    ensure_no_secret_values(
        {k: v for k, v in changes.items() if k in (*IDENTITY_TEXT_FIELDS, "entitlements")}
    )
    with transaction.atomic():
        locked = Identity.objects.select_for_update().get(pk=identity.pk)
        if not can_change_identity(actor, locked):
            raise PermissionDenied("You may not change this identity.")
        risky = {"risk_tier", "entitlements"} & {
            f for f, v in changes.items() if getattr(locked, f) != v
        }
        if risky and not can_change_risk_profile(actor, locked):
            raise PermissionDenied(
                "Only the identity's owners (A or R) or an admin change its "
                + " or ".join(sorted(risky)).replace("_", " ")
                + "."
            )
        if "team" in changes and not can_onboard_into(actor, changes["team"]):
            raise PermissionDenied("You can move identities only into teams you belong to.")
        moving = sorted(
            f for f in OWNERSHIP_FIELDS if f in changes and getattr(locked, f) != changes[f]
        )
        if moving and not is_admin(actor) and not is_accountable_for(actor, locked):
            raise PermissionDenied(
                f"Changing the {' and '.join(moving)} changes who owns this identity: only "
                "its accountable owner (A of the identity domain) or an admin may do it."
            )
        changed = {}
        for field, value in changes.items():
            old = getattr(locked, field)
            if old != value:
                changed[field] = {"from": _plain(old), "to": _plain(value)}
                setattr(locked, field, value)
        if not changed:
            return locked
        locked.full_clean(validate_unique=False, validate_constraints=False)
        stamp(locked, actor=actor, reason=reason or f"updated by {actor}")
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise ValidationError({"external_id": "Already registered on that platform."}) from None
        if "team" in changed or "platform" in changed:
            identity_scope_changed.send(sender=Identity, identity=locked)
            # Ownership was re-resolved in this transaction: the mover must also be the A in
            # the new scope, or an identity could be walked out of reach of its controls.
            if not is_admin(actor) and not is_accountable_for(actor, locked):
                raise PermissionDenied(
                    "You would not be the accountable owner after this move: the new scope's "
                    "A or an admin must make it."
                )
        lifecycle_event_record(
            identity=locked,
            kind=EventKind.UPDATED,
            actor=actor,
            summary="Changed " + ", ".join(sorted(changed)),
            details={"changes": changed},
        )
    log_write("identity.update", actor=actor, obj=locked, fields=sorted(changed))
    return locked


STATUS_EVENT = {
    IdentityStatus.SUSPENDED: EventKind.SUSPENDED,
    IdentityStatus.DECOMMISSIONED: EventKind.DECOMMISSIONED,
}


def identity_set_status(
    *, actor, identity: Identity, status: str, reason: str, related=None
) -> Identity:
    """The only way an identity's status changes: allowed transitions, with a reason."""
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for the status change."})
    with transaction.atomic():
        locked = Identity.objects.select_for_update().get(pk=identity.pk)
        if status not in STATUS_TRANSITIONS.get(locked.status, set()):
            raise ValidationError(
                f"An identity cannot go from {locked.get_status_display()} to "
                f"{IdentityStatus(status).label}."
            )
        previous = locked.status
        locked.status = status
        stamp(locked, actor=actor, reason=reason)
        locked.save(update_fields=["status", "updated_at"])
        lifecycle_event_record(
            identity=locked,
            kind=STATUS_EVENT.get(status, EventKind.STATUS_CHANGED),
            actor=actor,
            summary=f"{IdentityStatus(previous).label} → {IdentityStatus(status).label}: {reason}",
            details={"from": previous, "to": status, "reason": reason},
            related=related,
        )
    log_write("identity.set_status", actor=actor, obj=locked, status=status, previous=previous)
    return locked


# --- credentials ------------------------------------------------------------------------
def credential_record(
    *,
    actor,
    identity: Identity,
    kind: str,
    label: str,
    key_id: str = "",
    storage_location: str = "",
    fingerprint: str = "",
    last_chars: str = "",
    issued_at: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    check_permission: bool = True,
) -> Credential:
    """Record that a credential was issued — its metadata, never its value."""
    if check_permission and not can_change_identity(actor, identity):
        raise PermissionDenied("You may not record credentials for this identity.")
    if identity.status in (IdentityStatus.DECOMMISSIONED, IdentityStatus.REJECTED):
        raise ValidationError(f"{identity} is {identity.get_status_display().lower()}.")
    meta = {
        "label": label.strip(),
        "key_id": key_id.strip(),
        "storage_location": storage_location.strip(),
        "fingerprint": fingerprint.strip(),
        "last_chars": last_chars.strip(),
    }
    ensure_no_secret_values(meta, identifier_fields=CREDENTIAL_IDENTIFIER_FIELDS)
    issued_at = issued_at or timezone.now()
    if expires_at is not None and expires_at <= issued_at:
        raise ValidationError({"expires_at": "The expiry must be after the issue time."})
    credential = Credential(
        identity=identity,
        kind=kind,
        issued_at=issued_at,
        expires_at=expires_at,
        issued_by=actor,
        **meta,
    )
    credential.full_clean()
    with transaction.atomic():
        stamp(credential, actor=actor, reason=f"issued, recorded by {actor}")
        credential.save()
        lifecycle_event_record(
            identity=identity,
            kind=EventKind.CREDENTIAL_ISSUED,
            actor=actor,
            credential=credential,
            summary=f"{credential.get_kind_display()} '{credential.label}' issued"
            + (f", expires {expires_at:%Y-%m-%d}" if expires_at else ""),
            occurred_at=issued_at if issued_at <= timezone.now() else None,
        )
        credential_recorded.send(sender=Credential, credential=credential)
    return credential


def credential_rotate(
    *,
    actor,
    credential: Credential,
    fingerprint: str = "",
    last_chars: str = "",
    key_id: str = "",
    storage_location: str | None = None,
    expires_at: dt.datetime | None = None,
    issued_at: dt.datetime | None = None,
) -> Credential:
    """Supersede `credential` with a new one (same kind and label); the old one is rotated."""
    with transaction.atomic():
        old = (
            Credential.objects.select_for_update().select_related("identity").get(pk=credential.pk)
        )
        if not can_change_identity(actor, old.identity):
            raise PermissionDenied("You may not rotate credentials of this identity.")
        if old.status != CredentialStatus.ACTIVE:
            raise ValidationError(f"Only an active credential can be rotated (it is {old.status}).")
        now = timezone.now()
        meta = {
            "label": old.label,
            "key_id": key_id.strip(),
            "storage_location": (
                storage_location if storage_location is not None else old.storage_location
            ).strip(),
            "fingerprint": fingerprint.strip(),
            "last_chars": last_chars.strip(),
        }
        ensure_no_secret_values(meta, identifier_fields=CREDENTIAL_IDENTIFIER_FIELDS)
        issued_at = issued_at or now
        if expires_at is not None and expires_at <= issued_at:
            raise ValidationError({"expires_at": "The expiry must be after the issue time."})
        new = Credential(
            identity=old.identity,
            kind=old.kind,
            issued_at=issued_at,
            expires_at=expires_at,
            issued_by=actor,
            replaces=old,
            **meta,
        )
        new.full_clean()
        old.status = CredentialStatus.ROTATED
        old.rotated_at = now
        stamp(old, actor=actor, reason=f"rotated by {actor}")
        old.save(update_fields=["status", "rotated_at", "updated_at"])
        stamp(new, actor=actor, reason=f"issued by rotation, recorded by {actor}")
        new.save()
        lifecycle_event_record(
            identity=old.identity,
            kind=EventKind.CREDENTIAL_ROTATED,
            actor=actor,
            credential=new,
            summary=f"'{old.label}' rotated",
            details={"replaces": old.pk},
        )
        notifications_resolve(subject=old)  # its rotation reminders are done
    return new


def credential_revoke(*, actor, credential: Credential, reason: str, check_permission=True):
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for revoking."})
    with transaction.atomic():
        locked = (
            Credential.objects.select_for_update().select_related("identity").get(pk=credential.pk)
        )
        if check_permission and not can_change_identity(actor, locked.identity):
            raise PermissionDenied("You may not revoke credentials of this identity.")
        if locked.status != CredentialStatus.ACTIVE:
            raise ValidationError(
                f"The credential is already {locked.get_status_display().lower()}."
            )
        return credentials_end(actor=actor, credential_ids=[locked.pk], reason=reason)[0]


def credentials_end(
    *, actor, credential_ids: Iterable[int], reason: str, now=None, related=None
) -> list[Credential]:
    """End many credentials at once (their grant ended, their identity was decommissioned, or
    one was revoked): revoked with history, an event each, their reminders cleared; those not
    active are skipped. Steward ends the record; revoking at the source is a connector's."""
    now = now or timezone.now()
    with transaction.atomic():
        ended = list(
            Credential.objects.select_for_update(of=("self",))
            .filter(pk__in=list(credential_ids), status=CredentialStatus.ACTIVE)
            .select_related("identity")
            .order_by("pk")
        )
        for c in ended:
            c.status, c.revoked_at, c.revoked_by, c.updated_at = (
                CredentialStatus.REVOKED,
                now,
                actor,
                now,
            )
        bulk_update_with_history(
            ended, Credential, ["status", "revoked_at", "revoked_by", "updated_at"],
            default_user=actor, default_change_reason=f"revoked by {actor}: {reason}"[:100],
        )  # fmt: skip
        LifecycleEvent.objects.bulk_create([
            LifecycleEvent(
                identity=c.identity, kind=EventKind.CREDENTIAL_REVOKED, actor=actor,
                occurred_at=now, credential=c, summary=f"'{c.label}' revoked: {reason}"[:300],
                details={"reason": reason},
                related_type=related._meta.label_lower if related is not None else "",
                related_id=related.pk if related is not None else None,
            )
            for c in ended
        ])  # fmt: skip
        for c in ended:
            notifications_resolve(subject=c)
    return ended


# --- helpers ----------------------------------------------------------------------------
OWNERSHIP_FIELDS = ("team", "platform", "environment")


def _clean_entitlements(entitlements) -> list[str]:
    if isinstance(entitlements, str):
        entitlements = entitlements.replace(",", "\n").splitlines()
    if not isinstance(entitlements, list | tuple):
        raise ValidationError({"entitlements": "Give entitlements as a list of scopes."})
    cleaned = []
    for item in entitlements:
        if not isinstance(item, str):
            raise ValidationError({"entitlements": "Each entitlement is a text scope."})
        item = item.strip()
        if len(item) > 200:
            raise ValidationError({"entitlements": "An entitlement is at most 200 characters."})
        if item and item not in cleaned:
            cleaned.append(item)
    return cleaned


def _plain(value):
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value

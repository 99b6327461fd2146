"""Writes for identities' registration and details: history with a change reason, a timeline
event, permission and separation checks, and the no-secret-values rule. Status changes are
`status.py`'s, credentials `credentials.py`'s, teams and platforms `directory.py`'s."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.history import stamp
from core.observability import log_write
from core.roles import is_admin

from .bulk import identities_insert, onboarded_event, onboarded_events_insert
from .choices import EventKind, IdentityStatus
from .models import Identity, Platform, Team
from .secrets import ensure_no_secret_values
from .selectors import (
    can_change_identity,
    can_change_risk_profile,
    can_onboard_into,
    is_accountable_for,
)
from .signals import identity_scope_changed
from .timeline import lifecycle_event_record

IDENTITY_TEXT_FIELDS = ("name", "external_id", "purpose")
IDENTITY_IDENTIFIER_FIELDS = ("external_id",)
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


# --- identities -------------------------------------------------------------------------
def identity_register(*, actor, source: str = "wizard", **details) -> Identity:
    """Register an identity (the arguments of `identity_build`); self-service onboarding
    creates it `pending`."""
    identity = identity_build(actor=actor, source=source, **details)
    try:
        with transaction.atomic():
            identity.save()
            lifecycle_event_record(**onboarded_event(identity, actor, source, timezone.now()))
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
    written set-based (`bulk.py`: COPY and `INSERT ... SELECT` on PostgreSQL) and one
    re-materialisation of object permissions, whatever the number of identities."""
    if not identities:
        return []
    with transaction.atomic():
        try:
            with transaction.atomic():
                created = identities_insert(identities)
        except IntegrityError:
            raise ValidationError(
                {"external_id": "An external id is already registered on its platform."}
            ) from None
        onboarded_events_insert(created, actor=actor, source=source)
        identity_scope_changed.send(
            sender=Identity, identity=None, identity_ids=[i.pk for i in created]
        )
    return created


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


def _check_update_allowed(actor, locked: Identity, changes: dict) -> None:
    """Who may change what: the team changes details; the owners (A or R) the risk profile;
    only the A or an admin what moves ownership (team, platform, environment)."""
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
        _check_update_allowed(actor, locked, changes)
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

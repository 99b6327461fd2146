"""Applying a clean import plan: all or nothing, in one transaction, through
`identities.services` (new identities set-based by `identities_register_many`; updates and
credentials through the same services as the pages), then one `imported` timeline event
per row and the findings the plan recorded."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ..choices import EventKind, IdentityStatus, RiskTier
from ..credentials import credential_record, credential_rotate
from ..findings import findings_raise_many
from ..models import Credential, Identity, Platform, Team
from ..secrets import secret_reasons_memoised
from ..services import identities_register_many, identity_build, identity_update
from ..timeline import event_row, lifecycle_event_rows_insert
from .base import (
    CREATE,
    ERROR,
    PROGRESS_EVERY,
    UPDATE,
    ImportPlan,
    Progress,
    parse_date,
    parse_datetime,
)


def apply_import(
    *, actor, plan: ImportPlan, reference: str = "", progress: Progress | None = None
) -> dict[str, int]:
    """Write a clean plan, all or nothing: any failure rolls every row back."""
    if plan.has_errors:
        raise ValidationError(
            f"{plan.counts[ERROR]} row(s) have errors; fix the file and import it again. "
            "Nothing was written."
        )
    source = f"import:{plan.format}"
    todo = [r for r in plan.rows if r.action in (CREATE, UPDATE)]
    teams = {t.slug: t for t in Team.objects.filter(slug__in={r.team for r in todo})}
    platforms = {p.slug: p for p in Platform.objects.filter(slug__in={r.platform for r in todo})}
    written = {CREATE: 0, UPDATE: 0, "credentials": 0, "findings": 0}
    findings: list[tuple[Identity, str, str]] = []
    # Every value is checked for secrets again as the identities are built; those the plan
    # already checked (the same text) are answered from its memo.
    with transaction.atomic(), secret_reasons_memoised(plan.secret_memo):
        new = _register_new(actor, todo, teams, platforms, source)
        identities = Identity.objects.in_bulk([r.identity_id for r in todo if r.identity_id])
        imported = []
        for index, row in enumerate(todo, start=1):
            try:
                if row.action == CREATE:
                    identity = new[id(row)]
                else:
                    identity = identities[row.identity_id]
                    if row.changes:
                        identity = _update(actor, row, identity, teams, source)
                written["credentials"] += _apply_credentials(actor, row, identity)
                findings.extend((identity, kind, detail) for kind, detail in row.findings.items())
            except (ValidationError, PermissionDenied) as exc:
                raise _refused(row, exc) from exc
            imported.append(_imported_event(actor, row, identity.pk, source, reference))
            written[row.action] += 1
            if progress and index % PROGRESS_EVERY == 0:
                progress(index)
        lifecycle_event_rows_insert(imported)
        raised = findings_raise_many(actor=actor, findings=findings, source=source)
        written["findings"] = len(raised)
    return written


def _refused(row, exc) -> ValidationError:
    messages = getattr(exc, "messages", None) or [str(exc)]
    return ValidationError(
        f"{row.ref} ({row.external_id}): {' '.join(messages)} Nothing was written."
    )


def _register_new(actor, todo, teams, platforms, source) -> dict[int, Identity]:
    """New identities: every row checked one by one, then written set-based (history, events
    and object permissions in a few queries, not a few per row). {id(row): identity}."""
    checked_teams: dict[int, bool] = {}
    built = []
    for row in todo:
        if row.action != CREATE:
            continue
        try:
            built.append((row, _build(actor, row, teams, platforms, source, checked_teams)))
        except (ValidationError, PermissionDenied) as exc:
            raise _refused(row, exc) from exc
    try:
        identities_register_many(
            actor=actor, identities=[identity for _, identity in built], source=source
        )
    except ValidationError as exc:
        raise ValidationError(f"{' '.join(exc.messages)} Nothing was written.") from exc
    return {id(row): identity for row, identity in built}


def _imported_event(actor, row, identity_id, source, reference) -> tuple:
    suffix = f" ({reference})" if reference else ""
    return event_row(
        identity_id=identity_id,
        kind=EventKind.IMPORTED,
        actor_id=actor.pk,
        summary=f"{'Created' if row.action == CREATE else 'Updated'} by {source}{suffix}",
        details={"source": source, "row": row.ref, "reference": reference},
        occurred_at=timezone.now(),
    )


def _build(actor, row, teams, platforms, source, checked_teams) -> Identity:
    f = row.fields
    return identity_build(
        actor=actor,
        team=teams[row.team],
        platform=platforms[row.platform],
        name=f["name"],
        kind=f["kind"],
        external_id=f["external_id"],
        environment=f["environment"],
        purpose=f["purpose"],
        risk_tier=f.get("risk_tier") or RiskTier.MEDIUM,
        entitlements=f.get("entitlements") or [],
        ends_on=parse_date(f.get("ends_on")),
        status=IdentityStatus.ACTIVE,
        source=source,
        checked_teams=checked_teams,
    )


def _update(actor, row, identity, teams, source) -> Identity:
    changes = {}
    for name, change in row.changes.items():
        value = change["to"]
        if name == "team":
            value = teams[value]
        elif name == "ends_on":
            value = parse_date(value)
        changes[name] = value
    return identity_update(
        actor=actor, identity=identity, reason=f"updated by {source} ({actor})", **changes
    )


def _apply_credentials(actor, row, identity) -> int:
    written = 0
    for cred in row.credentials:
        issued_at = parse_datetime(cred["issued_at"] or "")
        expires_at = parse_datetime(cred["expires_at"] or "")
        if cred["action"] == CREATE:
            credential_record(
                actor=actor,
                identity=identity,
                kind=cred["kind"],
                label=cred["label"],
                key_id=cred["key_id"],
                storage_location=cred["storage_location"],
                fingerprint=cred["fingerprint"],
                last_chars=cred["last_chars"],
                issued_at=issued_at,
                expires_at=expires_at,
            )
        elif cred["action"] == "rotate":
            credential_rotate(
                actor=actor,
                credential=Credential(pk=cred["credential_id"]),
                key_id=cred["key_id"],
                fingerprint=cred["fingerprint"],
                last_chars=cred["last_chars"],
                expires_at=expires_at,
                issued_at=issued_at,
            )
        else:
            continue
        written += 1
    return written

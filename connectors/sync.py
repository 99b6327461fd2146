"""Discovery → the registry, through the importers' own planning rules.

A sync turns what the connector read into the rows of an AWS IAM credential report and
feeds them through `identities.importers` (the credential-report parser, `plan_import`,
`apply_import`): what is new, changed or gone, root and human-looking principals flagged and
skipped — so a sync and an upload of the same account's report produce the same registry.
What the report cannot carry (access key ids, last use) is kept in `SourceCredential`.

The platform is read with no transaction open; the apply is one transaction."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.roles import is_admin
from identities.importers.apply import apply_import
from identities.importers.aws import AwsCredentialReportParser
from identities.importers.base import ERROR, ImportPlan, plan_import
from identities.models import Credential, Identity, ImportFormat

from .base import DiscoveredPrincipal, Discovery, connector_for
from .choices import ConnectorKind
from .models import PlatformConnector, SourceCredential, SyncRun

SLOTS = ("access_key_1", "access_key_2")


def _iso(value: dt.datetime | None, empty: str = "N/A") -> str:
    return value.astimezone(dt.UTC).isoformat() if value else empty


def report_row(p: DiscoveredPrincipal) -> dict:
    """One principal as a line of the IAM credential report."""
    row = {
        "user": p.name,
        "arn": p.external_id,
        "user_creation_time": _iso(p.created_at),
        "password_enabled": "true" if p.password_enabled else "false",
        "password_last_used": _iso(p.password_last_used, "no_information"),
        "mfa_active": "true" if p.mfa_active else "false",
        "cert_1_active": "false",
        "cert_2_active": "false",
    }
    for index, slot in enumerate(SLOTS):
        key = p.keys[index] if index < len(p.keys) else None
        row[f"{slot}_active"] = "true" if key and key.status == "Active" else "false"
        row[f"{slot}_last_rotated"] = _iso(key.created_at if key else None)
        row[f"{slot}_last_used_date"] = _iso(key.last_used_at if key else None)
        row[f"{slot}_last_used_region"] = (key.last_used_region if key else "") or "N/A"
        row[f"{slot}_last_used_service"] = (key.last_used_service if key else "") or "N/A"
    return row


def connector_sync(
    *, connector: PlatformConnector, triggered_by=None, now: dt.datetime | None = None
) -> SyncRun:
    """Discover, plan and apply; the run (ok or not, with its counts) is recorded."""
    if triggered_by is not None and not is_admin(triggered_by):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Only admins sync a platform.")
    run = SyncRun.objects.create(
        connector=connector, started_at=now or timezone.now(), triggered_by=triggered_by
    )
    try:
        if connector.kind != ConnectorKind.AWS_IAM:
            raise ValidationError(f"{connector.get_kind_display()} has no discovery.")
        if not is_admin(connector.configured_by):
            raise ValidationError(
                f"{connector.configured_by} is no longer an admin: an admin must take over "
                "the connector before it imports anything."
            )
        discovery = connector_for(connector).discover()  # network: no transaction open
        run.counts = _apply(connector, discovery, run)
        run.ok = True
    except Exception as exc:  # recorded on the run and shown on the platform page
        run.ok, run.error = False, f"{type(exc).__name__}: {exc}"[:2000]
    run.finished_at = timezone.now()
    run.save(update_fields=["ok", "error", "counts", "finished_at"])
    return run


def _apply(connector: PlatformConnector, discovery: Discovery, run: SyncRun) -> dict:
    parser = AwsCredentialReportParser()
    options = {"environment": "production"}
    rows = [
        parser.normalize(f"user {p.name}", report_row(p), options) for p in discovery.principals
    ]
    actor = connector.configured_by
    plan = plan_import(
        actor=actor,
        rows=rows,
        format=ImportFormat.AWS,
        team=connector.team,
        platform=connector.platform,
    )
    # A row in error (say, a malformed ARN) must not block the whole account: it is
    # reported on the run and the clean rows are applied.
    clean = ImportPlan(format=plan.format, rows=[r for r in plan.rows if r.action != ERROR])
    with transaction.atomic():
        written = apply_import(actor=actor, plan=clean, reference=f"sync #{run.pk}")
        _observe(connector, discovery)
    return {
        **plan.counts,
        "written": written,
        "errors": plan.errors,
        "flagged": {r.name: r.warnings for r in plan.rows if r.action == "skipped"},
    }


def _observe(connector: PlatformConnector, discovery: Discovery) -> None:
    """Keep each key's state at the source, matched to Steward's credential record."""
    arns = [p.external_id for p in discovery.principals]
    identities = dict(
        Identity.objects.filter(platform=connector.platform, external_id__in=arns).values_list(
            "external_id", "pk"
        )
    )
    # Slot and creation time: two keys created in the same second still match one each.
    matches = {
        (c.identity_id, c.key_id, c.issued_at.replace(microsecond=0)): c.pk
        for c in Credential.objects.filter(
            identity_id__in=identities.values(), key_id__in=SLOTS
        ).only("id", "identity_id", "key_id", "issued_at")
    }
    seen = []
    for p in discovery.principals:
        identity_id = identities.get(p.external_id)
        for slot, key in zip(SLOTS, p.keys, strict=False):
            seen.append(key.key_id)
            SourceCredential.objects.update_or_create(
                connector=connector,
                key_id=key.key_id,
                defaults={
                    "principal": p.external_id,
                    "slot": slot,
                    "status": key.status,
                    "created_at_source": key.created_at,
                    "last_used_at": key.last_used_at,
                    "last_used_service": key.last_used_service,
                    "last_used_region": key.last_used_region,
                    "password_enabled": p.password_enabled,
                    "mfa_active": p.mfa_active,
                    "credential_id": matches.get((identity_id, slot, key.created_at)),
                    "read_at": discovery.read_at,
                },
            )
    SourceCredential.objects.filter(connector=connector).exclude(key_id__in=seen).delete()

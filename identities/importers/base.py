"""What every importer shares: normalized rows and the plan (preview); `apply.py` applies it.

A format's parser turns a file into `ImportRow`s in two steps: `read(content)` checks the
file's structure (a file-level problem raises `ImportFileError`: nothing is planned) and
returns (reference, raw mapping) pairs; `normalize(ref, raw, options)` turns one raw row into
identity fields plus optional credential metadata, with per-row errors and warnings. Every
raw row goes through `find_secret_values` first: a row carrying a secret value is an error
naming the field, and a plan with any error cannot be applied.

`plan_import` matches rows on (platform, external_id) with a fixed number of queries (the
platforms' identities and active credentials are loaded once) and classifies each row
create / update / unchanged / skipped / error. `apply_import` (`apply.py`) writes a clean
plan in one transaction through `identities.services`, so history, timeline and permission
checks are the same as for the wizard. Re-importing the same file plans every row `unchanged` and
writes nothing; credentials are matched on (identity, key_id).

Decision: imported identities are registered `active` (they already exist on their
platform; the import records reality, it does not ask for access) with source
`import:<format>`; ownership gaps and reviews then apply to them like to any identity.
Because that skips onboarding approval, only admins import new identities; engineers may
import updates to their teams' identities.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Protocol

from django.core.exceptions import ValidationError
from django.utils import timezone

from core.roles import is_admin

from ..choices import (
    CredentialKind,
    CredentialStatus,
    Environment,
    IdentityKind,
    IdentityStatus,
    RiskTier,
)
from ..findings import finding_kinds_recorded
from ..models import Credential, Identity, Platform, Team
from ..secrets import find_secret_values
from ..selectors import onboarding_teams

CREATE, UPDATE, UNCHANGED, SKIPPED, ERROR = "create", "update", "unchanged", "skipped", "error"
ACTIONS = (CREATE, UPDATE, UNCHANGED, SKIPPED, ERROR)
IDENTITY_FIELDS = (
    "name",
    "kind",
    "external_id",
    "environment",
    "purpose",
    "risk_tier",
    "entitlements",
    "ends_on",
)
PROGRESS_EVERY = 200

Progress = Callable[[int], None]


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (wrong format, missing columns, too large)."""


@dataclass
class CredentialRow:
    key_id: str
    kind: str
    label: str
    issued_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    storage_location: str = ""
    fingerprint: str = ""
    last_chars: str = ""


@dataclass
class ImportRow:
    """One normalized row: identity fields, what the source is authoritative for, credentials."""

    ref: str
    fields: dict = field(default_factory=dict)
    # Fields compared (and updated) when the identity already exists.
    managed: tuple[str, ...] = ()
    team_slug: str = ""
    platform_slug: str = ""
    credentials: list[CredentialRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skip: str = ""
    # The errors that name a secret value (also in `errors`): a job refuses such a file
    # before storing anything.
    secrets: list[str] = field(default_factory=list)
    # Findings to raise on the identity (kind → detail), e.g. console access (see findings.py).
    findings: dict[str, str] = field(default_factory=dict)

    def refuse_secrets(self, messages: Iterable[str]) -> None:
        messages = list(messages)
        self.secrets.extend(messages)
        self.errors.extend(messages)


class Parser(Protocol):
    format: str

    def read(self, content: str) -> list[tuple[str, Mapping]]: ...

    def normalize(self, ref: str, raw: Mapping, options: dict) -> ImportRow: ...


# --- helpers for parsers ----------------------------------------------------------------
def secret_errors(raw: Mapping, *, identifier_fields: Iterable[str] = ()) -> list[str]:
    found = find_secret_values(raw, identifier_fields=identifier_fields)
    return [f"{name}: {message}" for name, message in found.items()]


def parse_datetime(value: str) -> dt.datetime | None:
    """ISO 8601 (AWS and Kubernetes timestamps); raises ValueError on anything else."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an ISO 8601 time")
    value = value.strip()
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.UTC)
    return parsed


def parse_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    return dt.date.fromisoformat(str(value).strip())


# Computed once: `Choices.values` builds a new list on every call (a cost per row).
CHOICE_FIELDS = {
    name: tuple(choices.values)
    for name, choices in (
        ("kind", IdentityKind),
        ("environment", Environment),
        ("risk_tier", RiskTier),
    )
}


def validate_fields(fields: dict, errors: list[str]) -> None:
    """Per-row checks a form would make, so the preview shows them before anything runs."""
    for name, values in CHOICE_FIELDS.items():
        if name in fields and fields[name] not in values:
            given = str(fields[name])[:40]
            errors.append(f"{name}: {given!r} is not one of {', '.join(values)}.")
    for name, limit in (("name", 200), ("external_id", 500)):
        if isinstance(fields.get(name), str) and len(fields[name]) > limit:
            errors.append(f"{name}: at most {limit} characters.")
    entitlements = fields.get("entitlements")
    if entitlements is not None and (
        not isinstance(entitlements, list)
        or not all(isinstance(e, str) and len(e) <= 200 for e in entitlements)
    ):
        errors.append("entitlements: give a list of text scopes (at most 200 characters each).")


# --- the plan ---------------------------------------------------------------------------
@dataclass
class PlannedRow:
    ref: str
    action: str
    name: str = ""
    external_id: str = ""
    team: str = ""
    platform: str = ""
    fields: dict = field(default_factory=dict)  # JSON-safe values
    changes: dict = field(default_factory=dict)  # field → {"from": .., "to": ..}
    credentials: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    identity_id: int | None = None
    findings: dict[str, str] = field(default_factory=dict)  # kind → detail, to raise


@dataclass
class ImportPlan:
    format: str
    rows: list[PlannedRow]
    # The secret checks' answers while the file was read (`core.secrets`): applying the plan
    # in the same process re-checks every value, answering the values already seen from it.
    secret_memo: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for row in self.rows:
            counts[row.action] += 1
        counts["credentials"] = sum(
            1 for row in self.rows for c in row.credentials if c["action"] != UNCHANGED
        )
        counts["findings"] = sum(len(row.findings) for row in self.rows if row.action != ERROR)
        return counts

    @property
    def has_errors(self) -> bool:
        return any(row.action == ERROR for row in self.rows)

    @property
    def errors(self) -> dict[str, list[str]]:
        return {row.ref: row.errors for row in self.rows if row.errors}

    def rows_json(self) -> list[dict]:
        return [asdict(row) for row in self.rows]


def _json(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def plan_import(
    *,
    actor,
    rows: list[ImportRow],
    format: str,
    team: Team | None = None,
    platform: Platform | None = None,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """Classify every row; a handful of queries whatever the number of rows."""
    today = timezone.localdate(now or timezone.now())
    team_slugs = {r.team_slug for r in rows if r.team_slug}
    platform_slugs = {r.platform_slug for r in rows if r.platform_slug}
    teams = {t.slug: t for t in Team.objects.filter(slug__in=team_slugs)} if team_slugs else {}
    platforms = (
        {p.slug: p for p in Platform.objects.filter(slug__in=platform_slugs)}
        if platform_slugs
        else {}
    )
    if team is not None:
        teams.setdefault(team.slug, team)
    if platform is not None:
        platforms.setdefault(platform.slug, platform)
    allowed_team_ids = (
        None if is_admin(actor) else set(onboarding_teams(actor).values_list("id", flat=True))
    )
    platform_ids = [p.pk for p in platforms.values()]
    existing: dict[tuple[int, str], Identity] = {
        (i.platform_id, i.external_id): i
        for i in Identity.objects.filter(platform_id__in=platform_ids).select_related("team")
    }
    credentials: dict[tuple[int, str], Credential] = {
        (c.identity_id, c.key_id): c
        for c in Credential.objects.filter(
            identity__platform_id__in=platform_ids, status=CredentialStatus.ACTIVE
        )
        .exclude(key_id="")
        .only("id", "identity_id", "key_id", "kind", "issued_at")
    }
    recorded = finding_kinds_recorded(identity_ids=[i.pk for i in existing.values()])
    seen: dict[tuple[int, str], str] = {}
    planned = []
    for index, row in enumerate(rows, start=1):
        planned.append(
            _plan_row(
                row,
                team=teams.get(row.team_slug) if row.team_slug else team,
                platform=platforms.get(row.platform_slug) if row.platform_slug else platform,
                allowed_team_ids=allowed_team_ids,
                existing=existing,
                credentials=credentials,
                recorded=recorded,
                seen=seen,
                today=today,
            )
        )
        if progress and index % PROGRESS_EVERY == 0:
            progress(index)
    return ImportPlan(format=format, rows=planned)


def _plan_row(
    row, *, team, platform, allowed_team_ids, existing, credentials, recorded, seen, today
):
    fields = row.fields
    out = PlannedRow(
        ref=row.ref,
        action=ERROR,
        name=fields.get("name", ""),
        external_id=fields.get("external_id", ""),
        team=team.slug if team else row.team_slug,
        platform=platform.slug if platform else row.platform_slug,
        fields={k: _json(v) for k, v in fields.items()},
        errors=list(row.errors),
        warnings=list(row.warnings),
    )
    if row.skip and not row.errors:
        out.action = SKIPPED
        out.warnings.insert(0, row.skip)
        return out
    out.errors += _scope_errors(row, team, platform, out.external_id)
    if out.errors:
        return out
    key = (platform.pk, out.external_id)
    if key in seen:
        out.errors.append(f"external_id: {out.external_id!r} is also in {seen[key]} of this file.")
        return out
    seen[key] = row.ref
    current = existing.get(key)
    creds = [
        (c, credentials.get((current.pk, c.key_id)) if current else None) for c in row.credentials
    ]
    if current is None:
        _plan_create(out, fields, team, allowed_team_ids, today)
    else:
        _plan_update(out, row, current, team, allowed_team_ids)
    for cred, found in creds:
        out.credentials.append(_plan_credential(cred, found, out.errors))
    out.findings = {
        kind: detail
        for kind, detail in row.findings.items()
        if current is None or (current.pk, kind) not in recorded
    }
    _settle(out, current)
    return out


def _scope_errors(row, team, platform, external_id) -> list[str]:
    """What a row lacks before it can be planned: its platform, team and external id."""
    errors = []
    if platform is None:
        errors.append(
            f"platform: no platform {row.platform_slug!r}."
            if row.platform_slug
            else "platform: choose a platform for this file or give one per row."
        )
    if team is None:
        errors.append(
            f"team: no team {row.team_slug!r}."
            if row.team_slug
            else "team: choose a team for this file or give one per row."
        )
    if not external_id:
        errors.append("external_id: required.")
    return errors


def _settle(out, current) -> None:
    """The row's action once planned: an error, a create, an update or unchanged (no new
    credentials for a decommissioned or rejected identity)."""
    closed = (IdentityStatus.DECOMMISSIONED, IdentityStatus.REJECTED)
    if (
        current is not None
        and current.status in closed
        and any(c["action"] != UNCHANGED for c in out.credentials)
    ):
        out.errors.append(
            f"credentials: {current.name} is {current.get_status_display().lower()}; "
            "no new credentials can be recorded for it."
        )
    if out.errors:
        out.action = ERROR
    elif current is not None:
        changed = (
            out.changes or out.findings or any(c["action"] != UNCHANGED for c in out.credentials)
        )
        out.action = UPDATE if changed else UNCHANGED


def _plan_create(out, fields, team, allowed_team_ids, today):
    if allowed_team_ids is not None:
        # Imports register identities `active`: only admins may, so nobody self-grants access
        # around onboarding approval (engineers use the wizard or the API).
        out.errors.append(
            "new identity: only admins import new identities; onboard it through the wizard "
            "or POST /api/v1/identities/ so its owner approves it."
        )
    for required in ("name", "kind", "environment", "purpose"):
        if not fields.get(required):
            out.errors.append(f"{required}: required for a new identity.")
    ends_on = fields.get("ends_on")
    if ends_on is not None and ends_on <= today:
        out.errors.append("ends_on: the end date must be in the future.")
    out.action = CREATE


def _plan_update(out, row, current, team, allowed_team_ids):
    out.identity_id = current.pk
    if allowed_team_ids is not None and current.team_id not in allowed_team_ids:
        out.errors.append(
            f"{current.name} belongs to {current.team}: you can update only your teams' identities."
        )
        return
    for name in row.managed:
        if name == "team":
            if team.pk != current.team_id:
                if allowed_team_ids is not None and team.pk not in allowed_team_ids:
                    out.errors.append("team: you can move identities only into your teams.")
                out.changes["team"] = {"from": current.team.slug, "to": team.slug}
            continue
        if name not in row.fields:
            continue
        new, old = row.fields[name], getattr(current, name)
        if new != old:
            out.changes[name] = {"from": _json(old), "to": _json(new)}
    out.team = current.team.slug


def _plan_credential(cred: CredentialRow, found: Credential | None, errors: list[str]) -> dict:
    data = {k: _json(v) for k, v in asdict(cred).items()}
    data["credential_id"] = found.pk if found else None
    if cred.kind not in CredentialKind.values:
        errors.append(f"credentials.{cred.key_id}: unknown kind {cred.kind!r}.")
    if cred.expires_at and cred.issued_at and cred.expires_at <= cred.issued_at:
        errors.append(f"credentials.{cred.key_id}: the expiry must be after the issue time.")
    if found is None:
        data["action"] = CREATE
    elif cred.issued_at and cred.issued_at > found.issued_at:
        data["action"] = "rotate"  # a new key in the same slot since the last import
    else:
        data["action"] = UNCHANGED
    return data


# --- the apply --------------------------------------------------------------------------

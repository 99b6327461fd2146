"""The AWS IAM credential report (`aws iam generate-credential-report`, then
`aws iam get-credential-report --query Content --output text | base64 -d`).

One line per IAM user → a `service_account` identity on the AWS account platform chosen for
the import, external id = the user's ARN. Each active access key (and signing certificate)
becomes credential metadata in slot `access_key_N` / `cert_N`, issued at its last rotation:
a later rotation date on re-import records a rotation, the same date changes nothing.
Inactive keys and `N/A` dates are skipped. The root account line is skipped. A user with a
console password is flagged: a human may be using a non-human identity. A user that looks
like a person — an e-mail or first.last name, or console access with MFA enrolled — is
flagged and skipped, not imported as a non-human identity. connectors' AWS discovery feeds
the same rows through this parser, so a sync and an upload of the same account agree.
"""

import re
from collections.abc import Mapping

from ..choices import CredentialKind, FindingKind, IdentityKind, RiskTier
from .base import (
    CredentialRow,
    ImportFileError,
    ImportRow,
    parse_datetime,
    secret_errors,
    validate_fields,
)
from .files import csv_rows

REQUIRED_COLUMNS = ("user", "arn")
ROOT_USER = "<root_account>"
EMPTY = {"", "N/A", "no_information", "not_supported"}
SLOTS = (
    ("access_key_1", CredentialKind.ACCESS_KEY, "Access key 1"),
    ("access_key_2", CredentialKind.ACCESS_KEY, "Access key 2"),
    ("cert_1", CredentialKind.CERTIFICATE, "Signing certificate 1"),
    ("cert_2", CredentialKind.CERTIFICATE, "Signing certificate 2"),
)


def _time(raw: Mapping, column: str, errors: list[str]):
    value = (raw.get(column) or "").strip()
    if value in EMPTY:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        errors.append(f"{column}: {value[:40]!r} is not an ISO 8601 time.")
        return None


def _true(raw: Mapping, column: str) -> bool:
    return (raw.get(column) or "").strip().lower() == "true"


def _check_header(header: list[str]) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(
            f"Not an IAM credential report: missing column(s) {', '.join(missing)} "
            "(expected user, arn, user_creation_time, password_enabled, "
            "access_key_1_active, access_key_1_last_rotated, ...)."
        )


PERSON_NAME = re.compile(r"[A-Za-z]+\.[A-Za-z]+")


def human_looking(user: str, raw: Mapping) -> str:
    """Why the principal looks like a person, or ''."""
    if "@" in user:
        return "its name is an e-mail address"
    if PERSON_NAME.fullmatch(user):
        return "its name looks like first.last"
    if _true(raw, "password_enabled") and _true(raw, "mfa_active"):
        return "it signs in to the console with MFA enrolled"
    return ""


class AwsCredentialReportParser:
    format = "aws"

    def read(self, content: str) -> list[tuple[str, Mapping]]:
        _, rows = csv_rows(content, check_header=_check_header)
        return [(f"line {line}", raw) for line, raw in rows]

    def normalize(self, ref: str, raw: Mapping, options: dict) -> ImportRow:
        row = ImportRow(ref=ref)
        row.refuse_secrets(secret_errors(raw, identifier_fields=("user", "arn")))
        user = (raw.get("user") or "").strip()
        arn = (raw.get("arn") or "").strip()
        if user == ROOT_USER:
            row.skip = "The root account is not a non-human identity; skipped."
        elif person := human_looking(user, raw):
            row.skip = f"Looks like a person ({person}): flagged, not imported as an NHI."
        if not user:
            row.errors.append("user: required.")
        if arn and not arn.startswith("arn:"):
            row.errors.append(f"arn: {arn!r} is not an ARN.")
        created = _time(raw, "user_creation_time", row.errors)
        row.fields = {
            "name": user,
            "kind": IdentityKind.SERVICE_ACCOUNT.value,
            "external_id": arn,
            "environment": options.get("environment") or "production",
            "purpose": f"IAM user {user} discovered in the AWS credential report.",
            "risk_tier": options.get("risk_tier") or RiskTier.MEDIUM.value,
            "entitlements": [],
        }
        row.managed = ("name",)
        validate_fields(row.fields, row.errors)
        if _true(raw, "password_enabled"):
            row.warnings.append(
                "password_enabled: this IAM user can sign in to the console — a human may be "
                "using a non-human identity. The import flags it for its owner to resolve."
            )
            row.findings[FindingKind.CONSOLE_ACCESS] = (
                f"The AWS credential report shows a console password for IAM user {user}"
                + (" (no MFA)" if not _true(raw, "mfa_active") else "")
                + ": a human may be signing in as this non-human identity."
            )
        if _true(raw, "password_enabled") and not _true(raw, "mfa_active"):
            row.warnings.append("mfa_active: console access without MFA.")
        for slot, kind, label in SLOTS:
            rotated = _time(raw, f"{slot}_last_rotated", row.errors)
            if not _true(raw, f"{slot}_active"):
                continue
            row.credentials.append(
                CredentialRow(
                    key_id=slot,
                    kind=kind.value,
                    label=label,
                    issued_at=rotated or created,
                    storage_location=f"AWS IAM user {arn or user}",
                )
            )
        return row

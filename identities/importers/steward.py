"""Steward's own formats: CSV (one identity a line) and JSON (a list of identity objects).

Columns / keys: name, kind, external_id, platform (slug), team (slug), environment, purpose,
risk_tier, entitlements (semicolon-separated in CSV, a list in JSON), ends_on (YYYY-MM-DD).
JSON items may also carry `credentials`: a list of credential metadata objects (kind, label,
key_id, storage_location, fingerprint, last_chars, issued_at, expires_at) — never a value.
An empty cell means "not given": an existing identity keeps its value. Any other field is
refused, and a field that would carry a secret (`secret`, `token`, `password`, ...) says so.
"""

from collections.abc import Mapping

from ..credentials import CREDENTIAL_IDENTIFIER_FIELDS
from ..secrets import SECRET_KEYS
from ..services import IDENTITY_IDENTIFIER_FIELDS
from .base import (
    CredentialRow,
    ImportFileError,
    ImportRow,
    parse_date,
    parse_datetime,
    secret_errors,
    validate_fields,
)
from .files import check_row_count, csv_rows, load_json

COLUMNS = (
    "name",
    "kind",
    "external_id",
    "platform",
    "team",
    "environment",
    "purpose",
    "risk_tier",
    "entitlements",
    "ends_on",
)
REQUIRED_COLUMNS = ("name", "kind", "external_id")
CREDENTIAL_KEYS = (
    "kind",
    "label",
    "key_id",
    "storage_location",
    "fingerprint",
    "last_chars",
    "issued_at",
    "expires_at",
)


def _split(value) -> list[str]:
    if isinstance(value, str):
        items = value.split(";")
    else:  # a JSON list; anything else is one (invalid) item for validate_fields to name
        items = value if isinstance(value, list) else [value]
    cleaned: list[str] = []
    for item in items:
        item = item.strip() if isinstance(item, str) else item
        if item and item not in cleaned:
            cleaned.append(item)
    return cleaned


class StewardParser:
    """Shared by the CSV and JSON readers: one raw mapping → one normalized row."""

    format = ""

    def normalize(self, ref: str, raw: Mapping, options: dict) -> ImportRow:
        row = ImportRow(ref=ref)
        credentials = raw.get("credentials")
        plain = {k: v for k, v in raw.items() if k != "credentials"}
        row.refuse_secrets(secret_errors(plain, identifier_fields=IDENTITY_IDENTIFIER_FIELDS))
        flagged = {e.split(":", 1)[0] for e in row.errors}
        for key in raw:
            if key not in COLUMNS and key != "credentials" and key not in flagged:
                row.errors.append(
                    f"{key}: unknown field (Steward's format has {', '.join(COLUMNS)})."
                )
        values = {
            k: v.strip() if isinstance(v, str) else v
            for k, v in plain.items()
            if k in COLUMNS and v not in (None, "")
        }
        row.team_slug = values.pop("team", "") or ""
        row.platform_slug = values.pop("platform", "") or ""
        fields: dict = {k: v for k, v in values.items() if k not in ("entitlements", "ends_on")}
        for key, value in fields.items():
            if not isinstance(value, str):
                row.errors.append(f"{key}: give a text value.")
        if "entitlements" in values:
            fields["entitlements"] = _split(values["entitlements"])
        if "ends_on" in values:
            try:
                fields["ends_on"] = parse_date(values["ends_on"])
            except ValueError:
                row.errors.append(f"ends_on: {values['ends_on']!r} is not a date (YYYY-MM-DD).")
        for key, default in (
            ("environment", options.get("environment")),
            ("risk_tier", options.get("risk_tier")),
        ):
            if key not in fields and default:
                fields[key] = default
        validate_fields(fields, row.errors)
        row.fields = fields
        # What the file says is authoritative for: the fields it gives (and the team column).
        row.managed = tuple(k for k in values if k in fields) + (("team",) if row.team_slug else ())
        if credentials not in (None, ""):
            row.credentials = self._credentials(credentials, row)
        return row

    def _credentials(self, items, row: ImportRow) -> list[CredentialRow]:
        errors = row.errors
        if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
            errors.append("credentials: give a list of credential metadata objects.")
            return []
        out = []
        for n, item in enumerate(items):
            prefix = f"credentials[{n}]"
            found = secret_errors(item, identifier_fields=CREDENTIAL_IDENTIFIER_FIELDS)
            row.refuse_secrets(f"{prefix}.{e}" for e in found)
            flagged = {e.split(":", 1)[0] for e in found}
            unknown = [k for k in item if k not in CREDENTIAL_KEYS and k not in flagged]
            errors.extend(f"{prefix}.{k}: unknown field." for k in unknown)
            if not item.get("key_id") or not item.get("kind"):
                errors.append(
                    f"{prefix}: kind and key_id are required (key_id matches re-imports)."
                )
                continue
            try:
                issued_at = parse_datetime(item.get("issued_at") or "")
                expires_at = parse_datetime(item.get("expires_at") or "")
            except ValueError:
                errors.append(f"{prefix}: issued_at / expires_at must be ISO 8601 times.")
                continue
            out.append(
                CredentialRow(
                    key_id=str(item["key_id"]).strip(),
                    kind=str(item["kind"]).strip(),
                    label=str(item.get("label") or item["key_id"]).strip(),
                    issued_at=issued_at,
                    expires_at=expires_at,
                    storage_location=str(item.get("storage_location") or "").strip(),
                    fingerprint=str(item.get("fingerprint") or "").strip(),
                    last_chars=str(item.get("last_chars") or "").strip(),
                )
            )
        keys = [c.key_id for c in out]
        if len(keys) != len(set(keys)):
            errors.append("credentials: each key_id may appear once per identity.")
        return out


class StewardCsvParser(StewardParser):
    format = "steward-csv"

    def read(self, content: str) -> list[tuple[str, Mapping]]:
        _, rows = csv_rows(content, check_header=_check_header)
        return [(f"line {line}", raw) for line, raw in rows]


def _check_header(header: list[str]) -> None:
    if not header:
        raise ImportFileError("The file is empty: expected a header line of column names.")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    secret = [c for c in header if c.lower() in SECRET_KEYS]
    if secret:
        raise ImportFileError(
            f"Column(s) {', '.join(secret)} would carry secret values. Steward stores "
            "credential metadata only — never the secret. Remove the column(s)."
        )
    if missing:
        raise ImportFileError(
            f"Missing column(s): {', '.join(missing)}. Expected: {', '.join(COLUMNS)}."
        )
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise ImportFileError(
            f"Unknown column(s): {', '.join(unknown)}. Expected: {', '.join(COLUMNS)}."
        )


class StewardJsonParser(StewardParser):
    format = "steward-json"

    def read(self, content: str) -> list[tuple[str, Mapping]]:
        data = load_json(content)
        if isinstance(data, Mapping) and isinstance(data.get("identities"), list):
            data = data["identities"]
        if not isinstance(data, list):
            raise ImportFileError(
                'Expected a JSON list of identity objects (or {"identities": [...]}).'
            )
        check_row_count(len(data))
        rows = []
        for n, item in enumerate(data, start=1):
            if not isinstance(item, Mapping):
                raise ImportFileError(f"Item {n} is not an object.")
            rows.append((f"item {n}", item))
        return rows

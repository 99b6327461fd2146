"""The connector interface: two duties, *discover* and *revoke*.

`discover()` lists principals and credentials at the source with their state and last use;
`revoke(target, action)` disables (or deletes) one credential there and reads its state
back, so running it twice changes nothing the second time. A connector that cannot answer
synchronously (the webhook contract) returns `awaiting=True`: the platform acknowledges
later through the API. Any exception from a connector is a failed attempt (retried)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol


class ConnectorError(Exception):
    """The platform refused or could not be reached; the job retries."""


@dataclass
class DiscoveredKey:
    key_id: str
    status: str  # "Active" / "Inactive"
    created_at: dt.datetime | None
    last_used_at: dt.datetime | None = None
    last_used_service: str = ""
    last_used_region: str = ""


@dataclass
class DiscoveredPrincipal:
    name: str
    external_id: str
    created_at: dt.datetime | None
    password_enabled: bool = False
    password_last_used: dt.datetime | None = None
    mfa_active: bool = False
    keys: list[DiscoveredKey] = field(default_factory=list)


@dataclass
class Discovery:
    principals: list[DiscoveredPrincipal]
    read_at: dt.datetime


@dataclass(frozen=True)
class RevocationTarget:
    """What to revoke, from Steward's records (no secret, only identifiers)."""

    job_id: int
    principal: str  # external id (ARN)
    key_id: str
    issued_at: dt.datetime
    label: str
    source_key_id: str = ""  # the key discovery matched to this credential, if any
    kind: str = "access_key"  # identities.choices.CredentialKind


@dataclass
class RevocationResult:
    state: str  # the state read back: "Inactive", "deleted", "absent", "requested"
    request_id: str = ""
    changed: bool = False
    awaiting: bool = False
    read_at: dt.datetime | None = None


class Connector(Protocol):
    def discover(self) -> Discovery: ...

    def revoke(self, target: RevocationTarget, action: str) -> RevocationResult: ...


def connector_for(config) -> Connector:
    """The implementation for a PlatformConnector row."""
    from .aws import AwsIamConnector
    from .choices import ConnectorKind
    from .webhook import WebhookConnector

    if config.kind == ConnectorKind.AWS_IAM:
        return AwsIamConnector(config)
    return WebhookConnector(config)

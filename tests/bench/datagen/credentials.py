"""Credentials: ~5% of active ones due or overdue by age, ~1% expired while beat was down."""

from __future__ import annotations

import datetime as dt

from ..copying import copy_rows, next_id, reset_sequence
from .context import CRED_KINDS, Generation
from .directory import Directory
from .identities import Drawn

CREDENTIAL_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "identity_id",
    "kind",
    "label",
    "key_id",
    "storage_location",
    "fingerprint",
    "last_chars",
    "status",
    "issued_at",
    "expires_at",
    "rotated_at",
    "revoked_at",
    "issued_by_id",
    "revoked_by_id",
    "replaces_id",
]


def _status(r: float, identity_status: str) -> str:
    if r < 0.80:
        return "revoked" if identity_status in ("decommissioned", "rejected") else "active"
    return "rotated" if r < 0.92 else "revoked" if r < 0.97 else "expired"


def _lifetime(gen: Generation, status: str, max_age: int) -> tuple[dt.datetime, dt.datetime]:
    """(issued, expires) for a credential of `status` under a rotation policy of `max_age`."""
    rng = gen.rng
    if status != "active":
        issued = gen.ago(max_age, max_age + 400)
        return issued, issued + dt.timedelta(days=max_age)
    if rng.random() < 0.02:  # due soon or overdue by age
        issued = gen.ago(max_age - 25, max_age + 20)
    else:
        issued = gen.ago(0, max_age * 0.8)
    expires = None
    if rng.random() < 0.5:
        expires = issued + dt.timedelta(days=max_age + rng.uniform(5, 60))
    if rng.random() < 0.01:  # expired while beat was down
        expires = gen.ago(0.1, 5)
        issued = min(issued, expires - dt.timedelta(days=10))
    return issued, expires


def _credential(gen, d: Directory, cid: int, i: int, k: int, kind: str, status: str, max_age):
    issued, expires = _lifetime(gen, status, max_age)
    ended = issued + dt.timedelta(days=max_age * 0.9)
    by = gen.rng.choice(d.people)
    return {
        "id": cid,
        "created_at": issued,
        "updated_at": issued,
        "identity_id": i,
        "kind": kind,
        "label": f"{kind.replace('_', ' ')} #{k + 1}",
        "key_id": f"KEY{cid:09d}",
        "storage_location": f"vault://kv/{i}/{k}",
        "fingerprint": f"SHA256:{gen.rng.getrandbits(128):032x}",
        "last_chars": f"{cid % 10000:04d}",
        "status": status,
        "issued_at": issued,
        "expires_at": expires,
        "rotated_at": ended if status == "rotated" else None,
        "revoked_at": ended if status == "revoked" else None,
        "issued_by_id": by,
        "revoked_by_id": by if status == "revoked" else None,
        "replaces_id": None,
    }, ended


def generate_credentials(
    gen: Generation, d: Directory, drawn: dict[int, Drawn]
) -> dict[int, list[int]]:
    """Returns identity id -> its active credential ids."""
    from identities.models import Credential
    from lifecycle.models import RotationPolicy

    policies = {
        (p.credential_kind, p.risk_tier): p.max_age_days for p in RotationPolicy.objects.all()
    }
    active_of: dict[int, list[int]] = {}
    first_id = next_id(Credential)  # before the COPY starts: no other query runs during it

    def credential_rows():
        cid = first_id
        for i, identity in drawn.items():
            for k in range(gen.scale.credentials_per_identity):
                kind = CRED_KINDS[(i + k) % len(CRED_KINDS)]
                max_age = policies.get((kind, identity.tier), 365)
                status = _status(gen.rng.random(), identity.status)
                values, ended = _credential(gen, d, cid, i, k, kind, status, max_age)
                by, name = values["issued_by_id"], d.usernames[values["issued_by_id"]]
                issued = values["issued_at"]
                gen.history.add(Credential, values, issued, "+", by, f"issued, recorded by {name}")
                if status != "active":
                    gen.history.add(Credential, values, ended, "~", by, f"{status} by {name}")
                else:
                    active_of.setdefault(i, []).append(cid)
                cid += 1
                yield tuple(values[c] for c in CREDENTIAL_COLUMNS)

    gen.step("credentials", copy_rows(Credential, CREDENTIAL_COLUMNS, credential_rows()))
    reset_sequence(Credential)
    return active_of

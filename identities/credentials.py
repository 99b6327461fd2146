"""Credential metadata: recording what was issued (never its value), rotation, and the end
of credentials — one revoked by a person, or many ended at once (a grant or an identity
ended, an expiry sweep): one `UPDATE … RETURNING`, history, an event each, reminders cleared."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.bulk import id_list, update_returning
from core.history import stamp
from core.notifications import notifications_resolve

from .choices import CredentialStatus, EventKind, IdentityStatus
from .models import Credential, Identity
from .secrets import ensure_no_secret_values
from .selectors import can_change_identity
from .signals import credential_recorded
from .timeline import event_row, lifecycle_event_record, lifecycle_event_rows_insert

CREDENTIAL_TEXT_FIELDS = ("label", "key_id", "storage_location", "fingerprint", "last_chars")
CREDENTIAL_IDENTIFIER_FIELDS = ("key_id", "storage_location", "fingerprint", "last_chars")


def _new_credential(*, actor, meta: dict, issued_at, expires_at, **fields) -> Credential:
    """A credential to save: no secret value in its metadata, an expiry after its issue."""
    ensure_no_secret_values(meta, identifier_fields=CREDENTIAL_IDENTIFIER_FIELDS)
    if expires_at is not None and expires_at <= issued_at:
        raise ValidationError({"expires_at": "The expiry must be after the issue time."})
    credential = Credential(
        issued_at=issued_at, expires_at=expires_at, issued_by=actor, **fields, **meta
    )
    credential.full_clean()
    return credential


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
    issued_at = issued_at or timezone.now()
    credential = _new_credential(
        actor=actor,
        identity=identity,
        kind=kind,
        meta=meta,
        issued_at=issued_at,
        expires_at=expires_at,
    )
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
        new = _new_credential(
            actor=actor,
            identity=old.identity,
            kind=old.kind,
            meta=meta,
            issued_at=issued_at or now,
            expires_at=expires_at,
            replaces=old,
        )
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


def _ending(status: str, *, actor, now, reason: str) -> tuple[dict, str]:
    """(the columns set, the history reason) when credentials end as `status`."""
    if status == CredentialStatus.REVOKED:
        return {"revoked_at": now, "revoked_by": actor}, f"revoked by {actor}: {reason}"
    if status == CredentialStatus.EXPIRED:
        return {}, f"expired: {reason}"
    raise ValidationError("A credential ends as revoked or expired.")


def _end_event(c: Credential, status: str, reason: str) -> tuple[str, str]:
    if status == CredentialStatus.EXPIRED:
        when = f" on {c.expires_at:%Y-%m-%d %H:%M}" if c.expires_at else ""
        return EventKind.CREDENTIAL_EXPIRED, f"'{c.label}' expired{when}"
    return EventKind.CREDENTIAL_REVOKED, f"'{c.label}' revoked: {reason}"


def credentials_end(
    *,
    actor,
    credential_ids: Iterable[int],
    reason: str,
    status: str = CredentialStatus.REVOKED,
    now=None,
    related=None,
    skip_locked: bool = False,
    each: dict[int, tuple[str, object]] | None = None,
) -> list[Credential]:
    """End many credentials at once (revoked: their grant ended, their identity was
    decommissioned, or one was revoked; expired: past their expiry): history, an event each,
    their reminders cleared. Those not active are skipped (a rerun changes nothing), and with
    `skip_locked` so are rows another transaction holds. `each` gives some credentials their
    own (reason, related). Steward ends the record; revoking at the source is a connector's."""
    now = now or timezone.now()
    each = each or {}
    columns, _why = _ending(status, actor=actor, now=now, reason=reason)
    with transaction.atomic():
        ended = update_returning(
            Credential.objects.filter(
                pk__in=id_list(credential_ids), status=CredentialStatus.ACTIVE
            ),
            skip_locked=skip_locked, status=status, updated_at=now, **columns,
        )  # fmt: skip
        events, actor_id = [], getattr(actor, "pk", None)  # ids: no instance per row to check
        for c in ended:
            why, about = each.get(c.pk, (reason, related))
            c._change_reason = _ending(status, actor=actor, now=now, reason=why)[1][:100]
            kind, summary = _end_event(c, status, why)
            events.append(event_row(
                identity_id=c.identity_id, kind=kind, actor_id=actor_id, occurred_at=now,
                credential_id=c.pk, summary=summary, details={"reason": why}, related=about,
            ))  # fmt: skip
        Credential.history.bulk_history_create(ended, update=True, default_user=actor)
        lifecycle_event_rows_insert(events)
        notifications_resolve(model=Credential, ids=[c.pk for c in ended])
    return ended

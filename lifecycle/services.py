"""Writes for lifecycle: decommissioning an identity, end to end."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from approvals.choices import GrantStatus
from approvals.grants import grants_end
from approvals.services import requests_cancel_for_identity
from core.roles import is_admin, is_read_only
from governance.choices import DomainKey
from governance.selectors import accountable_for
from identities.choices import CredentialStatus, IdentityStatus
from identities.credentials import credentials_end
from identities.models import Identity
from identities.status import identity_set_status


def can_decommission(user, identity: Identity) -> bool:
    """Only the A of the identity domain, or an admin."""
    if is_admin(user):
        return True
    if is_read_only(user):
        return False
    owner = accountable_for(identity=identity, domain_key=DomainKey.IDENTITY)
    return owner is not None and owner.pk == user.pk


def identity_decommission(*, actor, identity: Identity, reason: str, now=None) -> Identity:
    """Revoke its credentials (metadata), end its grants, close its pending requests and set it
    decommissioned — an event for each, in one transaction."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason for decommissioning."})
    if not can_decommission(actor, identity):
        raise PermissionDenied("Only the A of the identity domain or an admin decommissions.")
    with transaction.atomic():
        locked = Identity.objects.select_for_update().get(pk=identity.pk)
        if locked.status == IdentityStatus.DECOMMISSIONED:
            raise ValidationError("This identity is already decommissioned.")
        if locked.status in (IdentityStatus.PENDING, IdentityStatus.REJECTED):
            raise ValidationError(
                "A pending or rejected identity was never active: reject or cancel its request."
            )
        credentials_end(
            actor=actor, reason=f"decommissioned: {reason}", now=now,
            credential_ids=locked.credentials.filter(status=CredentialStatus.ACTIVE).values_list(
                "pk", flat=True
            ),
        )  # fmt: skip
        grants_end(
            grant_ids=locked.grants.filter(status=GrantStatus.ACTIVE).values_list("pk", flat=True),
            status=GrantStatus.DECOMMISSIONED, actor=actor, reason=reason, now=now,
        )  # fmt: skip
        requests_cancel_for_identity(actor=actor, identity=locked, reason=reason, now=now)
        return identity_set_status(
            actor=actor, identity=locked, status=IdentityStatus.DECOMMISSIONED, reason=reason
        )

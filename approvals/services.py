"""Writes for approvals. The onboarding flow is approvals': it registers the pending identity
through identities' service."""

from identities.models import Identity
from identities.services import identity_register


def onboarding_submit(*, actor, data: dict, source: str = "wizard") -> Identity:
    """Self-service onboarding: the identity starts `pending` until it is approved."""
    return identity_register(actor=actor, source=source, **data)

"""Reusable query conditions for identities (filters, dashboard counts, sweeps)."""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .choices import CredentialStatus
from .models import Credential


def overdue_credentials_exist(now=None) -> Exists:
    """The identity has an active credential past its expiry."""
    now = now or timezone.now()
    return Exists(
        Credential.objects.filter(
            identity=OuterRef("pk"), status=CredentialStatus.ACTIVE, expires_at__lte=now
        )
    )


def ends_within(days: int, now=None) -> Q:
    today = timezone.localdate(now or timezone.now())
    return Q(ends_on__isnull=False, ends_on__lte=today + timedelta(days=days))

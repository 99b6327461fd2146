"""Writes for core's own models."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import API_TOKEN_MAX_DAYS, ApiToken


@transaction.atomic
def api_token_create(*, user, name: str, days: int) -> tuple[ApiToken, str]:
    """Mint a personal token; returns the row and the raw token, which is never stored."""
    if not name.strip():
        raise ValidationError({"name": "Give the token a name."})
    if not 1 <= days <= API_TOKEN_MAX_DAYS:
        raise ValidationError({"days": f"A token lives 1 to {API_TOKEN_MAX_DAYS} days."})
    raw = ApiToken.generate()
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        key_prefix=raw[len(ApiToken.PREFIX) : len(ApiToken.PREFIX) + 8],
        digest=ApiToken.hash(raw),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    return token, raw


def api_token_revoke(*, user, token_id: int) -> None:
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise ValidationError("No such active token.")

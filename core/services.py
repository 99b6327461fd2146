"""Writes for core's own models."""

import re
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .history import stamp
from .models import API_TOKEN_MAX_DAYS, ApiToken, Webhook
from .roles import is_admin
from .webhooks import webhook_rotate_key

KIND_PATTERN = re.compile(r"[a-z0-9_]+(?::[a-z0-9_-]+)?")


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


# --- webhooks (admins) --------------------------------------------------------------------
WEBHOOK_FIELDS = ("name", "url", "kinds", "active")


def webhook_save(*, actor, webhook: Webhook | None = None, data: dict) -> Webhook:
    """Create or change a hook. The URL passes the target check (public http(s) only) in
    the model's clean, as in Django admin; history keeps who and when."""
    _require_admin(actor)
    unknown = set(data) - set(WEBHOOK_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be set: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        hook = (
            Webhook.objects.select_for_update().get(pk=webhook.pk)
            if webhook is not None
            else Webhook(created_by=actor)
        )
        for name, value in data.items():
            setattr(hook, name, value)
        hook.kinds = _clean_kinds(hook.kinds)
        hook.full_clean()
        stamp(hook, actor=actor, reason=f"webhook {'changed' if hook.pk else 'created'} by {actor}")
        hook.save()
    return hook


def webhook_rotate(*, actor, webhook: Webhook) -> Webhook:
    _require_admin(actor)
    return webhook_rotate_key(webhook_id=webhook.pk, actor=actor)


def webhook_delete(*, actor, webhook: Webhook) -> None:
    """Deleting a hook drops its pending deliveries; history keeps the deletion."""
    _require_admin(actor)
    with transaction.atomic():
        hook = Webhook.objects.select_for_update().get(pk=webhook.pk)
        stamp(hook, actor=actor, reason=f"webhook deleted by {actor}")
        hook.delete()


def _clean_kinds(kinds) -> list[str]:
    if isinstance(kinds, str):
        kinds = kinds.replace(",", "\n").splitlines()
    cleaned = []
    for kind in kinds or []:
        kind = str(kind).strip()
        if kind and not KIND_PATTERN.fullmatch(kind):
            raise ValidationError(
                {"kinds": f"{kind!r} is not a notification kind (letters, digits, _ and :)."}
            )
        if kind and kind not in cleaned:
            cleaned.append(kind)
    return cleaned


def _require_admin(actor) -> None:
    if not is_admin(actor):
        raise PermissionDenied("Only admins manage webhooks.")

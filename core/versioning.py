"""Versioned policies: every change is a new version, kept in history with its reason, so an
evaluation names the exact version it applied (approvals' and runtime's policies)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from .history import stamp


def versioned_update(*, model, pk: int, actor, reason: str, changes: dict, allowed: tuple):
    """Apply `changes` (only `allowed` fields) to the row `pk` of `model` under a row lock,
    bump its `version` and record who and why. The caller checks the actor's permission.
    Changes equal to what the row holds make no version: the row comes back as it was."""
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for the change: it goes into history."})
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=pk)
        changed = {n: v for n, v in changes.items() if _value(locked, n) != _value_of(v)}
        if not changed:
            return locked
        for name, value in changed.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.full_clean()
        stamp(locked, actor=actor, reason=f"v{locked.version} by {actor}: {reason.strip()}")
        locked.save()
    return locked


def _value(instance, name: str):
    """What a field holds, a relation by its key (no query)."""
    field = instance._meta.get_field(name)
    return getattr(instance, field.attname)


def _value_of(value):
    return value.pk if hasattr(value, "pk") else value

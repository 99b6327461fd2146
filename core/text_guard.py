"""The model-layer text guard: every text field of every Steward model is checked on save.

A `pre_save` receiver (connected in `CoreConfig.ready`) checks each `CharField`, `TextField`
and `JSONField` of every model of a Steward app — whichever page, API, import, admin action
or command saved it, and whether or not `full_clean()` ran — and raises `ValidationError`
naming the field (the API answers it as a 400). Forms, serializers and services run the same
checks first to name the field in their own terms; this is the floor nobody can forget.

A field's rule comes from, in order: the model's `text_guard` attribute
(`{"field": Rule.…}`), the table `FIELD_RULES` below, then its type (CharField → LINE,
TextField → TEXT, JSONField → JSON). Fields with `choices` are not free text and are skipped.
A history record (simple-history) is checked on its change reason only: its other fields
are copies of a row that was checked.

Rules:
- LINE       one line of free text: no control characters; no secret shape; entropy rule.
- TEXT       free text, line breaks and tabs allowed; no secret shape; entropy rule.
- IDENTIFIER one line; no secret shape, no entropy rule (public ids look random); strict
             format for `fingerprint`, `key_id`, `last_chars` (`core.secrets.FORMAT_RULES`).
- JSON       every string inside as TEXT, and no key that names a secret (`token`, ...).
- RECORD     written by Steward from values already checked (summaries, snapshots): no
             secret shape, no NUL; no entropy rule.
- EXEMPT     not checked: digests and hashes, delivery errors, and the import file whose
             rows the importers check with each column's own rule.
Every CharField also gets its max length checked, so an over-long value is a clear error
rather than a database error.
"""

from enum import StrEnum
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from .secrets import (
    SECRET_KEYS,
    _flatten,
    control_character_reason,
    identifier_format_reason,
    secret_message,
    secret_reason,
)


class Rule(StrEnum):
    LINE = "line"
    TEXT = "text"
    IDENTIFIER = "identifier"
    JSON = "json"
    RECORD = "record"
    EXEMPT = "exempt"


ID, R, T, X = Rule.IDENTIFIER, Rule.RECORD, Rule.TEXT, Rule.EXEMPT
# Fields whose rule is not the default for their type. Everything else: LINE / TEXT / JSON.
FIELD_RULES: dict[str, dict[str, Rule]] = {
    "core.heartbeat": {"name": ID, "worker": R},
    "core.apitoken": {"key_prefix": X, "digest": X},
    "core.notification": {
        "kind": ID,
        "subject_type": ID,
        "title": R,
        "body": R,
        "reason": R,
        "link": ID,
        "last_error": X,
        "claim_token": X,
    },
    "core.webhook": {"url": ID, "kinds": R, "key_salt": X, "previous_key_salt": X},
    "core.webhookdelivery": {"last_error": X, "claim_token": X},
    "identities.team": {"slug": ID},
    "identities.platform": {"slug": ID},
    "identities.identity": {"external_id": ID},
    "identities.credential": {
        "key_id": ID,
        "storage_location": ID,
        "fingerprint": ID,
        "last_chars": ID,
    },
    "identities.lifecycleevent": {"summary": R, "related_type": ID, "details": R},
    # The upload and its parsed rows: the importers check each row with its columns' rules.
    "identities.importjob": {
        "options": R,
        "content": X,
        "counts": R,
        "errors": R,
        "rows": X,
        "message": R,
    },
    "governance.controldomain": {"key": ID},
    "approvals.approvalpolicy": {"approvals_by_risk": R},
    "approvals.request": {"incident_reference": ID},
    "approvals.policyevaluation": {"policy_snapshot": R, "inputs": R, "reasons": R},
    "approvals.decision": {"entitled_as": R},
    "approvals.grant": {"end_reason": T},
    "lifecycle.rotationpolicy": {"reminder_days": R},
    "lifecycle.reviewitem": {"assigned_reason": R},
    "usage.usagerecord": {"platform_ref": ID, "external_ref": ID, "source": ID, "currency": ID},
    "usage.signal": {
        "subject": R,
        "platform_ref": ID,
        "external_ref": ID,
        "summary": R,
        "details": R,
        "currency": ID,
    },
    "evidence.ledgerentry": {
        "source": ID,
        "payload_digest": X,
        "prev_hash": X,
        "entry_hash": X,
    },
}
HISTORY_REASON = "history_change_reason"


def field_rule(model, field) -> Rule | None:
    """The rule for one concrete field of `model`, or None when it is not free text."""
    if not isinstance(field, models.CharField | models.TextField | models.JSONField):
        return None
    if field.choices:
        return None
    tracked = getattr(model, "instance_type", model)  # a history model keeps its model's rules
    declared = {
        **FIELD_RULES.get(tracked._meta.label_lower, {}),
        **getattr(tracked, "text_guard", {}),
    }
    if field.name in declared:
        return Rule(declared[field.name])
    if field.name == HISTORY_REASON:
        return Rule.TEXT  # a reason may take several lines
    if isinstance(field, models.JSONField):
        return Rule.JSON
    return Rule.TEXT if isinstance(field, models.TextField) else Rule.LINE


def value_errors(rule: Rule, name: str, value) -> list[str]:
    """What is wrong with `value` for a field with this rule (empty: nothing)."""
    if rule is Rule.EXEMPT or value in (None, ""):
        return []
    if rule in (Rule.JSON, Rule.RECORD) and not isinstance(value, str):
        errors = []
        for path, item in _flatten(value):
            key = path.rsplit(".", 1)[-1].lower()
            if rule is Rule.JSON and key in SECRET_KEYS:
                errors.append(f"'{path}' would carry a secret value: Steward never stores one.")
            elif isinstance(item, str):
                errors += value_errors(Rule.TEXT if rule is Rule.JSON else rule, name, item)
        return errors[:1]
    if not isinstance(value, str):
        return []
    multiline = rule in (Rule.TEXT, Rule.JSON, Rule.RECORD)
    if control := control_character_reason(value, multiline=multiline):
        return [control]
    reason = secret_reason(value, free_text=rule in (Rule.LINE, Rule.TEXT, Rule.JSON))
    if reason:
        return [secret_message(reason)]
    if rule is Rule.IDENTIFIER and (fmt := identifier_format_reason(name, value)):
        return [fmt]
    return []


def instance_errors(instance, fields=None) -> dict[str, list[str]]:
    """Field → messages for every guarded text field of `instance` (or of `fields` only)."""
    model = type(instance)
    concrete = model._meta.concrete_fields
    if any(f.name == HISTORY_REASON for f in concrete):
        concrete = [f for f in concrete if f.name == HISTORY_REASON]
    errors: dict[str, list[str]] = {}
    for field in concrete:
        if fields is not None and field.name not in fields and field.attname not in fields:
            continue
        rule = field_rule(model, field)
        if rule is None:
            continue
        value = getattr(instance, field.attname)
        found = value_errors(rule, field.name, value)
        max_length = getattr(field, "max_length", None)
        if field.name == HISTORY_REASON and not found and value and len(value) > max_length:
            # A history label: the full text (an end reason, a comment) is kept on the row
            # or the timeline. Cut it to fit rather than fail the change it describes.
            setattr(instance, field.attname, value[: max_length - 1] + "…")
        elif not found and max_length and isinstance(value, str) and len(value) > max_length:
            found = [f"At most {max_length} characters (this has {len(value)})."]
        if found:
            errors[field.name] = found
    return errors


@cache
def is_guarded(model) -> bool:
    # Migration-state models (data migrations) have no real app config: not guarded.
    path = getattr(model._meta.app_config, "path", None)
    return (
        path is not None and path.startswith(str(settings.BASE_DIR)) and "site-packages" not in path
    )


def check_text_on_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """`pre_save` receiver: refuse the save when a text field breaks its rule."""
    if not is_guarded(sender):
        return
    errors = instance_errors(instance, fields=update_fields)
    if errors:
        raise ValidationError(errors)

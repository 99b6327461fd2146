"""Every notification kind, in one registry.

Each app declares its kinds as a `TextChoices` in its `choices.py` and registers it in its
`AppConfig.ready` (`register(NotificationKind)`). `notify_many` refuses a kind nobody
registered (a misspelt kind fails where it is sent, not silently in a subscriber's filter);
webhook subscriptions are validated against the registry; the inbox labels kinds from it.

A sent kind may carry a variant after its registered key: a reminder's lead
(`rotation_due_7d`) or a scope (`ownership_gap:identity`). A webhook subscribed to
`rotation_due` receives every lead.
"""

import re

from django.core.exceptions import ValidationError

_KINDS: dict[str, str] = {}
_VARIANT = re.compile(r"^(?P<key>.+?)(?:_\d+d|:[\w.-]+)$")


def register(choices) -> None:
    """Register every value of a `TextChoices` of notification kinds."""
    for key, label in choices.choices:
        _KINDS[key] = str(label)


def registered_key(kind: str) -> str | None:
    """The registered key `kind` is sent under (itself, or its key without the variant)."""
    if kind in _KINDS:
        return kind
    match = _VARIANT.match(kind)
    return match["key"] if match and match["key"] in _KINDS else None


def kind_label(kind: str) -> str:
    """The registered label, with the variant when there is one: "Rotation due (7d)"."""
    key = registered_key(kind)
    if key is None:
        return kind.replace("_", " ").capitalize()
    variant = kind[len(key) + 1 :]
    return f"{_KINDS[key]} ({variant})" if variant else _KINDS[key]


def kind_choices() -> list[tuple[str, str]]:
    return sorted(_KINDS.items())


def check_sent(kinds) -> None:
    unknown = sorted({k for k in kinds if registered_key(k) is None})
    if unknown:
        raise ValueError(f"Unregistered notification kind(s): {', '.join(unknown)}.")


def validate_subscription(kinds) -> None:
    """A webhook's `kinds`: a list of registered keys (empty: every kind)."""
    if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        raise ValidationError('A list of notification kinds, e.g. ["rotation_due"].')
    unknown = [k for k in kinds if k not in _KINDS]
    if unknown:
        raise ValidationError(
            "Unknown notification kind(s): %(unknown)s. Known kinds: %(known)s.",
            params={"unknown": ", ".join(unknown), "known": ", ".join(sorted(_KINDS))},
        )


def subscribed(hook_kinds, kind: str) -> bool:
    return not hook_kinds or kind in hook_kinds or registered_key(kind) in hook_kinds

"""The secret-value guard lives in `core.secrets` (every app's models use it on save);
these names stay importable from here for the registry's forms, serializers and importers."""

from core.secrets import (  # noqa: F401
    PATTERNS,
    SECRET_KEYS,
    ensure_no_secret_values,
    find_secret_values,
    secret_reason,
    secret_reasons_memoised,
    shannon_entropy,
)

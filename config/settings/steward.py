"""Steward's own settings: lifecycle, usage, evidence, connectors, runtime, wiring."""

from ..env import env_float, env_int, env_str
from .base import PRODUCTION, VAR_DIR

# --- Steward --------------------------------------------------------------------------
LIFECYCLE_SWEEP_BATCH_SIZE = env_int("LIFECYCLE_SWEEP_BATCH_SIZE", 1000)
LIFECYCLE_END_GRACE_DAYS = env_int("LIFECYCLE_END_GRACE_DAYS", 7)
LIFECYCLE_UNUSED_DAYS = env_int("LIFECYCLE_UNUSED_DAYS", 90)
# Usage detectors (usage/detectors.py): the daily sweep looks back USAGE_DETECT_WINDOW_DAYS
# (catch-up after downtime); a spike is a robust z-score (median / MAD of the identity's own
# observed days in the baseline) of at least USAGE_SPIKE_Z, at least USAGE_SPIKE_MIN_RATIO
# times the median, with at least USAGE_SPIKE_MIN_HISTORY observed days.
USAGE_DETECT_WINDOW_DAYS = env_int("USAGE_DETECT_WINDOW_DAYS", 3)
USAGE_SPIKE_BASELINE_DAYS = env_int("USAGE_SPIKE_BASELINE_DAYS", 28)
USAGE_SPIKE_MIN_HISTORY = env_int("USAGE_SPIKE_MIN_HISTORY", 7)
USAGE_SPIKE_Z = env_float("USAGE_SPIKE_Z", 5.0)
USAGE_SPIKE_MIN_RATIO = env_float("USAGE_SPIKE_MIN_RATIO", 2.0)
USAGE_SPIKE_METRIC = env_str("USAGE_SPIKE_METRIC", "cost")
USAGE_INGEST_MAX_ROWS = env_int("USAGE_INGEST_MAX_ROWS", 20000)
# Evidence bundles are signed (Ed25519) with the PEM private key in this file; never in the
# database. Production names a mounted secret file (required to build bundles); the embedded
# default generates one into STEWARD_VAR_DIR on first use.
EVIDENCE_SIGNING_KEY_FILE = env_str("EVIDENCE_SIGNING_KEY_FILE", "")
EVIDENCE_SIGNING_KEY_GENERATE = not PRODUCTION
# Revocation jobs (connectors/services.py): a failed attempt retries after
# base · 2^(attempts-1) seconds (capped); the identity's A is told once after ESCALATE_AFTER
# failures; after MAX_ATTEMPTS the job is `failed` (on the dashboard until an admin retries).
CONNECTORS_RETRY_BASE_SECONDS = env_float("CONNECTORS_RETRY_BASE_SECONDS", 60.0)
CONNECTORS_RETRY_MAX_SECONDS = env_float("CONNECTORS_RETRY_MAX_SECONDS", 3600.0)
CONNECTORS_ESCALATE_AFTER = env_int("CONNECTORS_ESCALATE_AFTER", 3)
CONNECTORS_MAX_ATTEMPTS = env_int("CONNECTORS_MAX_ATTEMPTS", 12)
CONNECTORS_CLAIM_TIMEOUT_SECONDS = env_float("CONNECTORS_CLAIM_TIMEOUT_SECONDS", 600.0)
CONNECTORS_AWS_TIMEOUT = env_float("CONNECTORS_AWS_TIMEOUT", 10.0)
# Navigation counts, by URL name → a function of the user (dotted path: core imports no app).
STEWARD_NAV_BADGES = {"approvals:inbox": "approvals.selectors.waiting_count"}
# Navigation links a higher app guards itself, by URL name → a predicate of the user.
STEWARD_NAV_VISIBLE = {"usage:signals": "usage.views.can_see_usage"}
# The role badge (a function of the user): ownership comes from governance's RACI matrix.
STEWARD_ROLE_LABEL = "governance.selectors.role_label"
# Absolute links in e-mails and webhooks. Unset, it follows bin/run-portal's HOST and PORT
# (a wildcard bind address is reached on the loopback).
_RUN_HOST = env_str("HOST", "127.0.0.1")
STEWARD_BASE_URL = env_str(
    "STEWARD_BASE_URL",
    "http://{}:{}".format(
        "127.0.0.1" if _RUN_HOST in {"", "0.0.0.0", "::", "[::]"} else _RUN_HOST,  # noqa: S104
        env_int("PORT", 8000),
    ),
).rstrip("/")
# Runtime access (runtime/): signing keys in a file, never the database; generated under
# var/ outside production. The token service's issuer is the portal's base URL.
RUNTIME_SIGNING_KEYS_FILE = env_str(
    "STEWARD_SIGNING_KEYS_FILE", "" if PRODUCTION else str(VAR_DIR / "signing-keys.json")
)
RUNTIME_ISSUER = env_str("STEWARD_TOKEN_ISSUER", STEWARD_BASE_URL)
RUNTIME_CLOCK_SKEW_SECONDS = env_int("RUNTIME_CLOCK_SKEW_SECONDS", 60)
RUNTIME_JWKS_REFRESH_SECONDS = env_int("RUNTIME_JWKS_REFRESH_SECONDS", 600)
# Dashboard panels: URL names of htmx partials that each app serves itself, so the
# dashboard composes apps without core importing them.
# A name no app serves yet is skipped.
STEWARD_DASHBOARD_PANELS = [
    "identities:dashboard-panel",
    "governance:dashboard-panel",
    "approvals:dashboard-panel",
    "runtime:dashboard-panel",
    "lifecycle:dashboard-panel",
    "connectors:dashboard-panel",
    "usage:dashboard-panel",
    "evidence:dashboard-panel",
    "core:dashboard-status",
]

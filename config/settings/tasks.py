"""Celery and the beat schedule: each task's interval is overridable by env."""

from datetime import timedelta

from ..env import env_bool, env_float, env_str
from .base import TIME_ZONE, VAR_DIR

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)  # kombu does not create them
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "steward")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

HEARTBEAT_INTERVAL = env_float("HEARTBEAT_INTERVAL", 30.0)
# Seconds after start during which /healthz answers "starting" (503) until the first heartbeat.
HEALTH_STARTUP_GRACE = env_float("HEALTH_STARTUP_GRACE", max(120.0, HEARTBEAT_INTERVAL * 3))
NOTIFICATION_DELIVERY_INTERVAL = env_float("NOTIFICATION_DELIVERY_INTERVAL", 60.0)
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "core.tasks.heartbeat",
        "schedule": timedelta(seconds=HEARTBEAT_INTERVAL),
        "options": {"expires": HEARTBEAT_INTERVAL * 0.9},
    },
    **{
        f"sweep-{name}": {
            "task": f"lifecycle.tasks.{name}_sweep",
            "schedule": timedelta(seconds=env_float(f"SWEEP_{name.upper()}_INTERVAL", default)),
            "options": {"expires": env_float(f"SWEEP_{name.upper()}_INTERVAL", default) * 0.9},
        }
        for name, default in (
            ("rotation", 3600.0),
            ("expiry", 300.0),
            ("decommission", 3600.0),
            ("escalation", 3600.0),
            ("reviews", 3600.0),
        )
    },
    "usage-detect": {
        "task": "usage.tasks.detect_sweep",
        "schedule": timedelta(seconds=env_float("USAGE_DETECT_INTERVAL", 86400.0)),
        "options": {"expires": env_float("USAGE_DETECT_INTERVAL", 86400.0) * 0.9},
    },
    "runtime-issuer-keys": {
        "task": "runtime.tasks.refresh_issuer_keys",
        "schedule": timedelta(seconds=env_float("RUNTIME_JWKS_REFRESH_INTERVAL", 300.0)),
        "options": {"expires": env_float("RUNTIME_JWKS_REFRESH_INTERVAL", 300.0) * 0.9},
    },
    "connectors-revocations": {
        "task": "connectors.tasks.revocations_sweep",
        "schedule": timedelta(seconds=env_float("CONNECTORS_REVOCATION_INTERVAL", 60.0)),
        "options": {"expires": env_float("CONNECTORS_REVOCATION_INTERVAL", 60.0) * 0.9},
    },
    "connectors-sync": {
        "task": "connectors.tasks.sync_due",
        "schedule": timedelta(seconds=env_float("CONNECTORS_SYNC_CHECK_INTERVAL", 300.0)),
        "options": {"expires": env_float("CONNECTORS_SYNC_CHECK_INTERVAL", 300.0) * 0.9},
    },
    "deliver-notifications": {
        "task": "core.tasks.deliver_notifications",
        "schedule": timedelta(seconds=NOTIFICATION_DELIVERY_INTERVAL),
        "options": {"expires": NOTIFICATION_DELIVERY_INTERVAL * 0.9},
    },
    # Chains the rows written since the last run into the evidence ledger (evidence.ledger).
    "evidence-ledger-chain": {
        "task": "evidence.tasks.ledger_chain",
        "schedule": timedelta(seconds=env_float("LEDGER_CHAIN_INTERVAL", 30.0)),
        "options": {"expires": env_float("LEDGER_CHAIN_INTERVAL", 30.0) * 0.9},
    },
    # Verifies the ledger end to end; pages show the last verdict (evidence.verification).
    "evidence-ledger-verify": {
        "task": "evidence.tasks.verify_chain",
        "schedule": timedelta(seconds=env_float("LEDGER_VERIFY_INTERVAL", 300.0)),
        "options": {"expires": env_float("LEDGER_VERIFY_INTERVAL", 300.0) * 0.9},
    },
}

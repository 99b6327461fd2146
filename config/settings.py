"""Steward settings: one module, driven by environment variables (see README, Configuration).

The embedded default needs no server: SQLite in var/ and Celery's filesystem transport.
Production (STEWARD_ENV=production) refuses to start without its required variables.
"""

import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url

from .env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("STEWARD_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

STEWARD_ENV = env_str("STEWARD_ENV", "development")
if STEWARD_ENV not in {"development", "production"}:
    sys.exit(f"STEWARD_ENV must be 'development' or 'production', got {STEWARD_ENV!r}.")
PRODUCTION = STEWARD_ENV == "production"

if PRODUCTION:
    for _required in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"):
        if not env_str(_required, ""):
            sys.exit(f"Steward production settings: set the {_required} environment variable.")

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me-for-any-shared-deployment")
DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "guardian",
    "simple_history",
    "django_htmx",
    "formtools",
    "core",
    "identities",
    "governance",
    "approvals",
    "lifecycle",
    "usage",
    "evidence",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Styled 404 page also while DEBUG is on (core/error_views.py).
    "core.error_views.ErrorPageMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'steward.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat write together: WAL + IMMEDIATE + a busy timeout avoid
    # "database is locked" on the embedded default.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    if PRODUCTION:
        sys.exit("Steward production settings: DATABASE_URL must point at PostgreSQL.")
elif not env_bool("DB_JIT", False):
    # PostgreSQL's JIT compiles any plan estimated above jit_above_cost: on scoped lists over
    # 100,000 identities that is ~0.5 s of compiling per page for a few ms of execution
    # (tests/bench). Short web queries never repay it; DB_JIT=true turns it back on.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user object
GUARDIAN_USER_OBJ_PERMS_MODEL = "guardian.UserObjectPermission"
GUARDIAN_GROUP_OBJ_PERMS_MODEL = "guardian.GroupObjectPermission"
STEWARD_SYSTEM_USERNAME = "steward-system"
# History is evidence: no "revert to this version" form in the admin (it would write around
# the services: no checks, no reasons, no permission sync).
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- I18N / time ----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root
WHITENOISE_USE_FINDERS = not PRODUCTION
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
# Importers and the usage upload carry files up to 10 MB through a preview → apply round trip.
DATA_UPLOAD_MAX_MEMORY_SIZE = 11 * 1024 * 1024
# A larger request is not read at all, and accepted files stay in memory: see core/uploads.py.
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
FILE_UPLOAD_HANDLERS = [
    "core.uploads.RequestSizeCapHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("SECURE_PROXY_SSL_HEADER", PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- E-mail ---------------------------------------------------------------------------
# Development prints one line per message (core/mail.py); the inbox holds the full text.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if PRODUCTION
    else "core.mail.OneLineConsoleBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "steward@localhost")

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StewardPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Steward API",
    "DESCRIPTION": "Governance of non-human identities: registry, ownership, approvals, evidence.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "IdentityKindEnum": "identities.choices.IdentityKind",
        "IdentityStatusEnum": "identities.choices.IdentityStatus",
        "PlatformKindEnum": "identities.choices.PlatformKind",
        "CredentialKindEnum": "identities.choices.CredentialKind",
        "CredentialStatusEnum": "identities.choices.CredentialStatus",
        "RequestKindEnum": "approvals.choices.RequestKind",
        "RequestStatusEnum": "approvals.choices.RequestStatus",
        "GrantStatusEnum": "approvals.choices.GrantStatus",
        "SignalKindEnum": "usage.choices.SignalKind",
        "SignalStatusEnum": "usage.choices.SignalStatus",
        "SignalSeverityEnum": "usage.choices.Severity",
    },
}

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
    "deliver-notifications": {
        "task": "core.tasks.deliver_notifications",
        "schedule": timedelta(seconds=NOTIFICATION_DELIVERY_INTERVAL),
        "options": {"expires": NOTIFICATION_DELIVERY_INTERVAL * 0.9},
    },
}

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
# Navigation counts, by URL name → a function of the user (dotted path: core imports no app).
STEWARD_NAV_BADGES = {"approvals:inbox": "approvals.selectors.waiting_count"}
# Self-service onboarding from the registry API: approvals registers the pending identity and
# opens its onboarding request (callable(*, actor, data, source) -> Identity).
STEWARD_ONBOARDING_SERVICE = "approvals.services.onboarding_register"
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
# Dashboard panels: URL names of htmx partials that each app serves itself, so the
# dashboard composes apps without core importing them.
# A name no app serves yet is skipped.
STEWARD_DASHBOARD_PANELS = [
    "identities:dashboard-panel",
    "governance:dashboard-panel",
    "approvals:dashboard-panel",
    "lifecycle:dashboard-panel",
    "usage:dashboard-panel",
    "evidence:dashboard-panel",
    "core:dashboard-status",
]

# --- Notifications, webhooks and the Content-Security-Policy -------------------------
# Webhook targets must resolve to public addresses (core/webhooks.py); only a deployment
# whose receivers live on its own network (and the tests' local receivers) turns this on.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", False)
# Seconds an SMTP connect/send may block a delivery run (Django's default is no timeout).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# django-csp: scripts, styles and everything else from this origin only — no inline
# <script>, no style="" or on* attributes, no eval (htmx is configured for that in
# base.html; page behaviour lives in static/js/steward.js).
INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so a real worker process and the live server see the test data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

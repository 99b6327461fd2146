"""Steward settings: one module, driven by environment variables (see README, Configuration).

The embedded default needs no server: SQLite in var/ and Celery's filesystem transport.
Production (STEWARD_ENV=production) refuses to start without its required variables.
"""

import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

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
    "django_tables2",  # one Table class per list (core/tables.py)
    "guardian",
    "simple_history",
    "django_htmx",
    "formtools",
    "axes",  # sign-in: login throttling and lockout (see "Sign-in and sessions" below)
    "mozilla_django_oidc",  # single sign-on (see "Single sign-on" below)
    "core",
    "identities",
    "governance",
    "approvals",
    "runtime",
    "lifecycle",
    "connectors",
    "usage",
    "evidence",
]

MIDDLEWARE = [
    "core.observability.RequestIdMiddleware",  # sign-in/ops: first, so every line has the id
    "core.metrics.RequestMetricsMiddleware",
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
    # sign-in/ops: idle and absolute session limits, then axes' lockout page (last, per axes).
    "core.sessions.SessionLimitsMiddleware",
    "axes.middleware.AxesMiddleware",
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
    # First, so a locked-out username/address is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
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
        "core.api.filters.StrictFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StewardPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.StrictJSONParser"],
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
        # approvals' decision keeps its name beside the revocation acknowledgement's outcome
        "OutcomeEnum": "approvals.choices.DecisionOutcome",
        "RevocationAckOutcomeEnum": "connectors.choices.AckOutcome",
        "RevocationStatusEnum": "connectors.choices.JobStatus",
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
# Self-service onboarding from the registry API: approvals registers the pending identity and
# opens its onboarding request (callable(*, actor, data, source) -> the Request, whose
# `.identity` is the identity).
STEWARD_ONBOARDING_SERVICE = "approvals.services.onboarding_submit"
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

# --- Sign-in and sessions (issue 16) ----------------------------------------------------
# django-axes: AXES_FAILURE_LIMIT wrong passwords for one username from one address lock that
# pair for AXES_COOLOFF_MINUTES; `manage.py axes_reset_username NAME` unlocks at once.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# A session ends after SESSION_IDLE_MINUTES without a request, and SESSION_ABSOLUTE_HOURS after
# sign-in whatever the activity (core.sessions.SessionLimitsMiddleware enforces both server-side).
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 30))
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=env_int("SESSION_ABSOLUTE_HOURS", 10))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_LIFETIME.total_seconds())

# --- Single sign-on: OpenID Connect (issue 16) -------------------------------------------
# mozilla-django-oidc: authorization code flow with PKCE (RFC 7636, S256). People are matched
# on OIDC_USERNAME_CLAIM; roles and team membership follow OIDC_GROUPS_CLAIM at every sign-in
# (identities/sso.py). LOCAL_ACCOUNTS_ENABLED=false leaves SSO as the only way in.
OIDC_ENABLED = env_bool("OIDC_ENABLED", False)
LOCAL_ACCOUNTS_ENABLED = env_bool("LOCAL_ACCOUNTS_ENABLED", True)
if not LOCAL_ACCOUNTS_ENABLED and not OIDC_ENABLED:
    sys.exit("LOCAL_ACCOUNTS_ENABLED=false needs OIDC_ENABLED=true: nobody could sign in.")
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_JWKS_ENDPOINT", "")
OIDC_OP_END_SESSION_ENDPOINT = env_str("OIDC_END_SESSION_ENDPOINT", "")  # optional
if OIDC_ENABLED:
    for _name, _value in (
        ("OIDC_CLIENT_ID", OIDC_RP_CLIENT_ID),
        ("OIDC_CLIENT_SECRET", OIDC_RP_CLIENT_SECRET),
        ("OIDC_AUTHORIZATION_ENDPOINT", OIDC_OP_AUTHORIZATION_ENDPOINT),
        ("OIDC_TOKEN_ENDPOINT", OIDC_OP_TOKEN_ENDPOINT),
        ("OIDC_USERINFO_ENDPOINT", OIDC_OP_USER_ENDPOINT),
        ("OIDC_JWKS_ENDPOINT", OIDC_OP_JWKS_ENDPOINT),
    ):
        if not _value:
            sys.exit(f"OIDC_ENABLED=true: set the {_name} environment variable.")
OIDC_RP_SIGN_ALGO = env_str("OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_SCOPES", "openid email profile groups")
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of RP-initiated logout
OIDC_OP_LOGOUT_URL_METHOD = "identities.sso.provider_logout_url"
OIDC_USERNAME_CLAIM = env_str("OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
# IdP group → Steward role group, e.g. "steward-admins=admins,steward-auditors=auditors".
OIDC_ROLE_GROUPS = dict(
    item.split("=", 1)
    for item in env_list(
        "OIDC_ROLE_GROUPS",
        ["steward-admins=admins", "steward-auditors=auditors", "steward-engineers=engineers"],
    )
)
OIDC_TEAM_PREFIX = env_str("OIDC_TEAM_PREFIX", "team:")  # "team:payments" → team payments
LOGIN_REDIRECT_URL_FAILURE = "login"
if OIDC_ENABLED and OIDC_OP_END_SESSION_ENDPOINT:
    # Sign-out is a form POST that redirects to the IdP's end-session endpoint: the pages'
    # CSP form-action must allow that origin (browsers apply it to the redirect too).
    _idp = urlsplit(OIDC_OP_END_SESSION_ENDPOINT)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(f"{_idp.scheme}://{_idp.netloc}")
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("identities.sso.StewardOIDCBackend")
if not LOCAL_ACCOUNTS_ENABLED:
    AUTHENTICATION_BACKENDS.remove("axes.backends.AxesStandaloneBackend")
    AUTHENTICATION_BACKENDS.remove("django.contrib.auth.backends.ModelBackend")

# --- Metrics and health credentials (issue 16) -------------------------------------------
# /metrics and the detailed /healthz answer a `Authorization: Bearer $METRICS_TOKEN` or a
# caller whose address is in METRICS_ALLOWED_IPS (exact addresses or CIDR networks).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", [])

# --- Logging (issue 16) ---------------------------------------------------------------
# JSON lines in production (LOG_FORMAT=json), plain text in development; every line carries
# the request id (core.observability).
LOG_FORMAT = env_str("LOG_FORMAT", "json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    sys.exit(f"LOG_FORMAT must be 'json' or 'plain', got {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "core.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so a real worker process and the live server see the test data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

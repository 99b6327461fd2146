"""Webhooks, the Content-Security-Policy, sign-in and sessions, single sign-on, metrics."""

import sys
from datetime import timedelta
from urllib.parse import urlsplit

from ..env import env_bool, env_int, env_list, env_str
from .base import AUTHENTICATION_BACKENDS, INSTALLED_APPS, MIDDLEWARE

# --- Notifications, webhooks and the Content-Security-Policy -------------------------
# Webhook targets must resolve to public addresses (core/webhooks.py); only a deployment
# whose receivers live on its own network (and the tests' local receivers) turns this on.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", False)
# Seconds an SMTP connect/send may block a delivery run (Django's default is no timeout).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# django-csp: scripts, styles and everything else from this origin only — no inline
# <script>, no style="" or on* attributes, no eval (htmx is configured for that in
# base.html; page behaviour lives in static/js/steward.js).
INSTALLED_APPS.append("csp")
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

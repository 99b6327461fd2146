from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path, reverse_lazy
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from mozilla_django_oidc import views as oidc_views

from core import views as core_views
from core.api.views import api_not_found
from identities import sso

# The API docs pages (drf-spectacular's templates) carry inline script and style: only
# they get 'unsafe-inline' on top of the site's Content-Security-Policy.
api_docs_csp = csp_update(
    {"script-src": ["'unsafe-inline'"], "style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}
)

# Each app serves its own pages and API; the order is the layer order of DESIGN.md.
APPS = (
    "core",
    "identities",
    "governance",
    "approvals",
    "runtime",
    "lifecycle",
    "connectors",
    "usage",
    "evidence",
)
api_v1 = [path("", include(f"{app}.api.urls")) for app in APPS]

urlpatterns = [
    path("", core_views.DashboardView.as_view(), name="dashboard"),
    path("healthz", core_views.healthz, name="healthz"),
    # --- sign-in and operations (issue 16) ---
    path("metrics", core_views.metrics, name="metrics"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done")),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # the password form and/or single sign-on; sign-out ends the IdP session of SSO users
    path("accounts/login/", sso.LoginView.as_view(), name="login"),
    path("accounts/logout/", sso.logout_view, name="logout"),
    path(
        "oidc/authenticate/",
        sso.sso_view(oidc_views.OIDCAuthenticationRequestView.as_view()),
        name="oidc_authentication_init",
    ),
    path(
        "oidc/callback/",
        sso.sso_view(oidc_views.OIDCAuthenticationCallbackView.as_view()),
        name="oidc_authentication_callback",
    ),
    # --- end sign-in and operations ---
    path("", include("core.urls")),
    path("identities/", include("identities.urls")),
    path("ownership/", include("governance.urls")),
    path("approvals/", include("approvals.urls")),
    path("", include("runtime.urls")),
    path("lifecycle/", include("lifecycle.urls")),
    path("connectors/", include("connectors.urls")),
    path("usage/", include("usage.urls")),
    path("evidence/", include("evidence.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        api_docs_csp(SpectacularSwaggerView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        api_docs_csp(SpectacularRedocView.as_view(url_name="api-schema")),
        name="api-redoc",
    ),
    re_path(r"^api/", api_not_found),  # last: any other /api/ path is a JSON 404
]

# --- Error pages (core/error_views.py): styled HTML for pages, JSON under /api/. ---------
handler403 = "core.error_views.permission_denied"
handler404 = "core.error_views.page_not_found"
handler500 = "core.error_views.server_error"

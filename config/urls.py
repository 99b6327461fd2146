from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core import views as core_views

# The API docs pages (drf-spectacular's templates) carry inline script and style: only
# they get 'unsafe-inline' on top of the site's Content-Security-Policy.
api_docs_csp = csp_update(
    {"script-src": ["'unsafe-inline'"], "style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}
)

# Each app serves its own pages and API; the order is the layer order of DESIGN.md.
APPS = ("identities", "governance", "approvals", "lifecycle", "usage", "evidence")
api_v1 = [path("", include(f"{app}.api.urls")) for app in APPS]

urlpatterns = [
    path("", core_views.DashboardView.as_view(), name="dashboard"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("core.urls")),
    path("identities/", include("identities.urls")),
    path("ownership/", include("governance.urls")),
    path("approvals/", include("approvals.urls")),
    path("lifecycle/", include("lifecycle.urls")),
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
]

# --- Error pages (core/error_views.py): styled HTML for pages, JSON under /api/. ---------
handler403 = "core.error_views.permission_denied"
handler404 = "core.error_views.page_not_found"
handler500 = "core.error_views.server_error"

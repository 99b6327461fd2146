from django.urls import path

from . import views

app_name = "evidence"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("audit/", views.AuditView.as_view(), name="audit"),
    path("audit/verify/", views.VerifyChainView.as_view(), name="verify"),
    path("chain/", views.ChainView.as_view(), name="chain"),
    path("posture/", views.PostureView.as_view(), name="posture"),
    path("exports/<slug:kind>.<slug:fmt>", views.ExportView.as_view(), name="export"),
    path("bundle.zip", views.BundleView.as_view(), name="bundle"),
    path("bundle-key.pub", views.bundle_key, name="bundle-key"),
    path("panels/summary/", views.DashboardPanelView.as_view(), name="dashboard-panel"),
]

from django.urls import path

from . import views

app_name = "connectors"

urlpatterns = [
    path("", views.PlatformListView.as_view(), name="platforms"),
    path("platforms/<int:pk>/", views.PlatformDetailView.as_view(), name="platform"),
    path("platforms/<int:pk>/sync/", views.SyncNowView.as_view(), name="sync"),
    path("revocations/<int:pk>/retry/", views.RetryView.as_view(), name="retry"),
    path("panels/identity/<int:pk>/", views.IdentityPanel.as_view(), name="identity-panel"),
    path("panels/dashboard/", views.DashboardPanel.as_view(), name="dashboard-panel"),
]

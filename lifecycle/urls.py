from django.urls import path

from . import views

app_name = "lifecycle"

urlpatterns = [
    path("rotation/", views.RotationView.as_view(), name="rotation"),
    path(
        "identities/<int:pk>/decommission/", views.DecommissionView.as_view(), name="decommission"
    ),
    path("panels/identity/<int:pk>/", views.IdentityRotationPanel.as_view(), name="identity-panel"),
    path("panels/dashboard/", views.DashboardPanel.as_view(), name="dashboard-panel"),
]

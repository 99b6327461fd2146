from django.urls import path

from . import views

app_name = "approvals"

urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("onboard/", views.OnboardingWizard.as_view(), name="onboard"),
    path("requests/<int:pk>/", views.RequestDetailView.as_view(), name="request"),
    path("requests/<int:pk>/decide/", views.DecideView.as_view(), name="decide"),
    path(
        "identities/<int:identity_pk>/request/<str:kind>/",
        views.NewRequestView.as_view(),
        name="new-request",
    ),
    path("grants/<int:pk>/<str:action>/", views.GrantActionView.as_view(), name="grant-action"),
    path("panels/identity/<int:pk>/", views.IdentityRequestsPanel.as_view(), name="identity-panel"),
    path("panels/dashboard/", views.DashboardPanel.as_view(), name="dashboard-panel"),
]

from django.urls import path

from . import views, views_policies

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
    path("policies/", views_policies.PolicyListView.as_view(), name="policies"),
    path("policies/<int:pk>/", views_policies.PolicyDetailView.as_view(), name="policy"),
    path("policies/<int:pk>/edit/", views_policies.PolicyEditView.as_view(), name="policy-edit"),
    path("panels/identity/<int:pk>/", views.IdentityRequestsPanel.as_view(), name="identity-panel"),
    path("panels/dashboard/", views.DashboardPanel.as_view(), name="dashboard-panel"),
]

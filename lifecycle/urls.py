from django.urls import path

from . import views
from .reviews import views as reviews

app_name = "lifecycle"

urlpatterns = [
    path("rotation/", views.RotationView.as_view(), name="rotation"),
    path(
        "identities/<int:pk>/decommission/", views.DecommissionView.as_view(), name="decommission"
    ),
    path("panels/identity/<int:pk>/", views.IdentityRotationPanel.as_view(), name="identity-panel"),
    path("panels/dashboard/", views.DashboardPanel.as_view(), name="dashboard-panel"),
    # access reviews
    path("reviews/", reviews.ReviewsView.as_view(), name="reviews"),
    path("reviews/new/", reviews.CampaignCreateView.as_view(), name="review-campaign-new"),
    path(
        "reviews/schedules/new/", reviews.ScheduleCreateView.as_view(), name="review-schedule-new"
    ),
    path("reviews/queue/", reviews.QueueView.as_view(), name="review-queue"),
    path("reviews/queue/keep/", reviews.BulkKeepView.as_view(), name="review-bulk-keep"),
    path("reviews/<int:pk>/", reviews.CampaignView.as_view(), name="review-campaign"),
    path("reviews/<int:pk>/report.csv", reviews.ReportView.as_view(), name="review-report"),
    path("reviews/items/<int:pk>/", reviews.ItemView.as_view(), name="review-item"),
    path(
        "reviews/items/<int:pk>/reassign/", reviews.ReassignView.as_view(), name="review-reassign"
    ),
]

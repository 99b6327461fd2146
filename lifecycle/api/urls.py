from django.urls import path

from . import views

urlpatterns = [
    path(
        "reviews/campaigns/",
        views.ReviewCampaignListCreateAPIView.as_view(),
        name="lifecycle-review-campaigns",
    ),
    path(
        "reviews/campaigns/<int:pk>/",
        views.ReviewCampaignDetailAPIView.as_view(),
        name="lifecycle-review-campaign",
    ),
    path("reviews/items/", views.ReviewItemListAPIView.as_view(), name="lifecycle-review-items"),
    path(
        "reviews/items/<int:pk>/",
        views.ReviewItemDetailAPIView.as_view(),
        name="lifecycle-review-item",
    ),
    path(
        "reviews/items/<int:pk>/decide/",
        views.ReviewItemDecideAPIView.as_view(),
        name="lifecycle-review-item-decide",
    ),
    path(
        "reviews/items/<int:pk>/reassign/",
        views.ReviewItemReassignAPIView.as_view(),
        name="lifecycle-review-item-reassign",
    ),
    path(
        "reviews/schedules/",
        views.ReviewScheduleListCreateAPIView.as_view(),
        name="lifecycle-review-schedules",
    ),
]

from django.urls import path

from . import views

urlpatterns = [
    path("usage/records/", views.UsageRecordListCreateAPIView.as_view(), name="usage-records"),
    path("usage/signals/", views.UsageSignalListAPIView.as_view(), name="usage-signals"),
    path("usage/signals/<int:pk>/", views.UsageSignalDetailAPIView.as_view(), name="usage-signal"),
]

from django.urls import path

from . import views

urlpatterns = [
    path("me/", views.MeAPIView.as_view(), name="api-me"),
    path("users/", views.UserListAPIView.as_view(), name="api-users"),
]

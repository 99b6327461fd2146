from django.urls import path  # noqa: F401 - filled as the app grows

app_name = "governance"

urlpatterns: list = []

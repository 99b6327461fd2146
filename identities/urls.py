from django.urls import include, path

app_name = "identities"

urlpatterns: list = [
    path("import/", include(("identities.importers.urls", "import"), namespace="import")),
]

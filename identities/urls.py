app_name = "identities"

urlpatterns: list = []

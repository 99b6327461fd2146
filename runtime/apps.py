from django.apps import AppConfig


class RuntimeConfig(AppConfig):
    name = "runtime"
    verbose_name = "Runtime access"
    default_auto_field = "django.db.models.BigAutoField"

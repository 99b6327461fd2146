from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "usage"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core import notification_kinds

        from .choices import NotificationKind

        notification_kinds.register(NotificationKind)

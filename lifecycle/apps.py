from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "lifecycle"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core import notification_kinds
        from core.metrics import register_gauges

        from .choices import NotificationKind, ReviewNotificationKind

        register_gauges("lifecycle", _gauges)
        notification_kinds.register(NotificationKind)
        notification_kinds.register(ReviewNotificationKind)


def _gauges() -> dict:
    """Scrape-time gauge (core.metrics): credentials overdue for rotation, the figure the
    dashboard, the rotation page and the posture page show (one selector)."""
    from django.utils import timezone

    from .selectors import overdue_credentials

    overdue = overdue_credentials(now=timezone.now()).count()
    return {"rotations_overdue": ("Active credentials past their rotation due date.", overdue)}

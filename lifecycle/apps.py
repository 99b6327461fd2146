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
    """Scrape-time gauge (core.metrics): credentials past their rotation due date (one query
    per rotation policy, the sweep's own candidate selection)."""
    from django.utils import timezone

    from .sweeps import rotation_candidates

    now = timezone.now()
    overdue = sum(
        1 for _pk, _identity, _label, due, _p in rotation_candidates(now=now) if due <= now
    )
    return {"rotations_overdue": ("Active credentials past their rotation due date.", overdue)}

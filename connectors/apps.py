from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "connectors"
    verbose_name = "Platform connectors"

    def ready(self):
        from core import notification_kinds

        from . import signals  # noqa: F401 - wires the planning trigger (plumbing only)
        from .choices import NotificationKind

        notification_kinds.register(NotificationKind)

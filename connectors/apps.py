from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "connectors"
    verbose_name = "Platform connectors"

    def ready(self):
        from . import signals  # noqa: F401 - wires the planning trigger (plumbing only)

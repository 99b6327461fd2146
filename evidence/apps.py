from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


class EvidenceConfig(AppConfig):
    name = "evidence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Plumbing only: chain every history and append-only row (see evidence/ledger.py).
        from . import ledger

        ledger.install()
        checks.register(ledger.check_hooks)
        post_migrate.connect(ledger.on_post_migrate, sender=self, dispatch_uid="evidence-catch-up")

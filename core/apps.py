from django.apps import AppConfig
from django.db.models.signals import pre_save


class CoreConfig(AppConfig):
    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .text_guard import check_text_on_save

        # Every model's text fields, on every save: see core/text_guard.py.
        pre_save.connect(check_text_on_save, dispatch_uid="core.text_guard")

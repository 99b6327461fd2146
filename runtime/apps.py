from django.apps import AppConfig


class RuntimeConfig(AppConfig):
    name = "runtime"
    verbose_name = "Runtime access"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core import notification_kinds

        from .choices import NotificationKind
        from .models import RuntimePolicy, TrustedIssuer
        from .policy import forget_cached

        notification_kinds.register(NotificationKind)
        for model in (RuntimePolicy, TrustedIssuer):
            for signal in (post_save, post_delete):
                signal.connect(
                    forget_cached, sender=model, dispatch_uid=f"runtime-cache-{model.__name__}"
                )

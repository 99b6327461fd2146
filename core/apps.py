from django.apps import AppConfig
from django.db.models.signals import pre_save


class CoreConfig(AppConfig):
    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.core import checks
        from django.core.signals import request_finished, request_started

        from . import lookups, observability  # noqa: F401 (registers `in_ids` and `any_of`; Celery request ids)
        from .metrics import register_gauges
        from .request_memo import on_request_finished, on_request_started
        from .sessions import mark_signed_in
        from .url_checks import check_configured_url_names

        user_logged_in.connect(mark_signed_in, dispatch_uid="core.sessions.mark_signed_in")
        request_started.connect(on_request_started, dispatch_uid="core.request_memo.start")
        request_finished.connect(on_request_finished, dispatch_uid="core.request_memo.end")
        checks.register(check_configured_url_names, checks.Tags.urls)
        register_gauges("core", _core_gauges)
        from .text_guard import check_text_on_save

        # Every model's text fields, on every save: see core/text_guard.py.
        pre_save.connect(check_text_on_save, dispatch_uid="core.text_guard")


def _core_gauges() -> dict:
    from django.utils import timezone

    from .models import Heartbeat, Notification, WebhookDelivery

    failed = Notification.objects.filter(email_status=Notification.EmailStatus.FAILED).count()
    failed += WebhookDelivery.objects.filter(status=WebhookDelivery.Status.FAILED).count()
    gauges = {
        "notifications_failed": ("Notifications whose e-mail or webhook delivery failed.", failed),
    }
    beat = Heartbeat.objects.filter(name="heartbeat").values_list("last_run_at", flat=True)
    last = beat.first()
    if last is not None:  # never ran: no sample, so `absent()` alerts
        age = (timezone.now() - last).total_seconds()
        gauges["heartbeat_age_seconds"] = ("Seconds since the beat → worker heartbeat ran.", age)
    return gauges

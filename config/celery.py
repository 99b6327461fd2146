import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("steward")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# --- sign-in and operations (issue 16): workers log like the web --------------------------
from celery.signals import setup_logging  # noqa: E402


@setup_logging.connect(weak=False)
def _use_django_logging(**kwargs):
    """Connected, so Celery leaves the root logger alone and Django's LOGGING applies: JSON
    lines in production, each with the request id of the request that enqueued the task."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)

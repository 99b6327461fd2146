"""The named system actor that tasks and sweeps act as, so history never records None."""

from django.conf import settings
from django.contrib.auth import get_user_model


def system_user():
    user, _ = get_user_model().objects.get_or_create(
        username=settings.STEWARD_SYSTEM_USERNAME,
        defaults={"is_active": False, "first_name": "Steward", "last_name": "(system)"},
    )
    return user

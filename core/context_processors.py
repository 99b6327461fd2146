from django.conf import settings
from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import import_string

from .navigation import nav_items
from .notifications import inbox_unread_count


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    # Lazy: computed only when a template shows them (full pages), so htmx partials, which
    # never render the navigation, do not pay for its badges and counts.
    role_label = import_string(settings.STEWARD_ROLE_LABEL)  # governance: owners from the RACI
    return {
        "nav_items": SimpleLazyObject(lambda: nav_items(request)),
        "user_role": SimpleLazyObject(lambda: role_label(request.user)),
        "inbox_unread": SimpleLazyObject(lambda: inbox_unread_count(request.user)),
    }

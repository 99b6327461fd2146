from .navigation import nav_items
from .notifications import inbox_unread_count
from .roles import role_label


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        "nav_items": nav_items(request),
        "user_role": role_label(request.user),
        "inbox_unread": inbox_unread_count(request.user),
    }

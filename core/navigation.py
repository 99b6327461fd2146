"""The main navigation, built from URL names so an app appears once it serves its page."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from .roles import can_read_all, has_role

MAIN_NAV = [
    ("Dashboard", "dashboard", None),
    ("Identities", "identities:list", None),
    ("Approvals", "approvals:inbox", None),
    ("Ownership", "governance:matrix", has_role),
    ("Platform connectors", "connectors:platforms", can_read_all),
    ("Usage", "usage:signals", None),
    ("Evidence", "evidence:index", can_read_all),
    # The in-app admin (read-only for auditors); Django admin is linked from there, for staff.
    ("Admin", "core:admin-home", can_read_all),
]


def nav_items(request) -> list[dict]:
    items = []
    for label, url_name, visible in MAIN_NAV:
        if visible is not None and not visible(request.user):
            continue
        rule = settings.STEWARD_NAV_VISIBLE.get(url_name)  # a higher app's own predicate
        if rule and not import_string(rule)(request.user):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        active = request.path == url if url == "/" else request.path.startswith(url)
        badge_fn = settings.STEWARD_NAV_BADGES.get(url_name)
        badge = import_string(badge_fn)(request.user) if badge_fn else 0
        items.append({"label": label, "url": url, "active": active, "badge": badge})
    return items

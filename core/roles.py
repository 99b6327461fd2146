"""Broad roles are Django groups; ownership comes from the RACI matrix (governance)."""

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied

ADMINS = "admins"
AUDITORS = "auditors"
ENGINEERS = "engineers"
ROLE_GROUPS = (ADMINS, AUDITORS, ENGINEERS)
ROLE_LABELS = {ADMINS: "Admin", AUDITORS: "Auditor", ENGINEERS: "Engineer"}


def active_admin_ids() -> frozenset[int]:
    """Every active admin (the admins group or a superuser): who is told when nobody else is."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    return frozenset(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name=ADMINS) | Q(is_superuser=True))
        .distinct()
        .values_list("pk", flat=True)
    )


def group_names(user) -> frozenset[str]:
    """The user's group names, cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_steward_groups", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._steward_groups = cached
    return cached


def is_admin(user) -> bool:
    return user.is_authenticated and (user.is_superuser or ADMINS in group_names(user))


def is_auditor(user) -> bool:
    return user.is_authenticated and AUDITORS in group_names(user)


def is_engineer(user) -> bool:
    return user.is_authenticated and ENGINEERS in group_names(user)


def is_read_only(user) -> bool:
    """Auditors read and export; no write service acts for them (admins excepted)."""
    return is_auditor(user) and not is_admin(user)


def can_read_all(user) -> bool:
    """Admins and auditors read everything."""
    return is_admin(user) or is_auditor(user)


def has_role(user) -> bool:
    """In one of the role groups (admins, auditors, engineers): reads the directory data."""
    return can_read_all(user) or is_engineer(user)


def role_label(user) -> str:
    if not user.is_authenticated:
        return ""
    if is_admin(user):
        return ROLE_LABELS[ADMINS]
    for group in (AUDITORS, ENGINEERS):
        if group in group_names(user):
            return ROLE_LABELS[group]
    return "Member"


def require(predicate, user) -> None:
    if not predicate(user):
        raise PermissionDenied


class RoleRequiredMixin(AccessMixin):
    """Class-based view guard: `role_check` is one of the predicates above."""

    role_check = staticmethod(lambda user: user.is_authenticated)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.role_check(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

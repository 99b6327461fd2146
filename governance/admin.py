from django.contrib import admin

from core.history_admin import HistoryAdmin, ReadOnlyAdmin

from .models import Assignment, ControlDomain


@admin.register(ControlDomain)
class ControlDomainAdmin(HistoryAdmin):
    """Admins may add and describe domains here; keys are stable once used."""

    list_display = ("name", "key", "function", "position")
    search_fields = ("name", "key")
    ordering = ("position", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("key",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        obj._change_reason = f"{'edited' if change else 'created'} in admin by {request.user}"
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    """Read-only: the matrix is edited through the Ownership pages (services enforce the
    one-A rule, reasons and permission sync)."""

    list_display = (
        "domain",
        "scope_kind",
        "platform",
        "team",
        "identity",
        "role",
        "assignee_user",
        "assignee_team",
    )
    list_filter = ("domain", "scope_kind", "role")
    list_select_related = (
        "domain",
        "platform",
        "team",
        "identity",
        "assignee_user",
        "assignee_team",
    )

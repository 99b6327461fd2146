"""Admin bases: history is evidence, viewable but never rewritten; evidence inputs that only
services (or ingestion) write are read-only here (`ReadOnlyMixin`, `ReadOnlyAdmin`)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's per-version form saves a whole ModelForm on POST, around the services
    (no checks, reasons or permission sync): it is read-only here."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("History is read-only: change records through Steward.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyMixin:
    """Viewable, never added, changed or deleted in the admin (model admins and inlines):
    the rows change only through Steward's services, which check, explain and record."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, HistoryAdmin):
    """A read-only admin for a history-tracked model (its history still browsable)."""


class ReadOnlyModelAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """A read-only admin for a model without history."""

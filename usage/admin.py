from django.contrib import admin

from core.history_admin import HistoryAdmin

from .models import Signal, SignalNote, UsageRecord


@admin.register(UsageRecord)
class UsageRecordAdmin(admin.ModelAdmin):
    list_display = ("day", "identity", "platform_ref", "external_ref", "source", "calls", "cost",
                    "currency")  # fmt: skip
    list_filter = ("source", "currency")
    search_fields = ("identity__name", "external_ref", "source")
    raw_id_fields = ("identity", "ingested_by")
    date_hierarchy = "day"


class SignalNoteInline(admin.TabularInline):
    model = SignalNote
    extra = 0
    readonly_fields = ("author", "body", "created_at")
    can_delete = False


@admin.register(Signal)
class SignalAdmin(HistoryAdmin):
    """Read-only here: triage goes through the service (owner checks, history reasons)."""

    list_display = ("day", "kind", "identity", "status", "severity", "cost", "assignee")
    list_filter = ("kind", "status", "severity")
    search_fields = ("summary", "identity__name", "external_ref")
    inlines = [SignalNoteInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

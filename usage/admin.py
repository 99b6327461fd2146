"""Usage records and signals are evidence inputs: read-only here. Records come from ingestion
(idempotent, attributed), signals from the detectors and triage through the service."""

from django.contrib import admin

from core.history_admin import ReadOnlyAdmin, ReadOnlyMixin, ReadOnlyModelAdmin

from .models import Signal, SignalNote, UsageRecord


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnlyModelAdmin):
    list_display = ("day", "identity", "platform_ref", "external_ref", "source", "calls", "cost",
                    "currency")  # fmt: skip
    list_filter = ("source", "currency")
    search_fields = ("identity__name", "external_ref", "source")
    raw_id_fields = ("identity", "ingested_by")
    date_hierarchy = "day"


class SignalNoteInline(ReadOnlyMixin, admin.TabularInline):
    model = SignalNote
    extra = 0
    readonly_fields = ("author", "body", "created_at")


@admin.register(Signal)
class SignalAdmin(ReadOnlyAdmin):
    """Triage goes through the service (owner checks, history reasons)."""

    list_display = ("day", "kind", "identity", "status", "severity", "cost", "assignee")
    list_filter = ("kind", "status", "severity")
    search_fields = ("summary", "identity__name", "external_ref")
    inlines = [SignalNoteInline]

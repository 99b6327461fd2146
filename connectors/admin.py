from django.contrib import admin, messages
from django.db import models, transaction
from simple_history.admin import SimpleHistoryAdmin

from .models import PlatformConnector, RevocationJob, SyncRun


@admin.register(PlatformConnector)
class PlatformConnectorAdmin(SimpleHistoryAdmin):
    list_display = ("platform", "kind", "enabled", "sync_interval_minutes", "delete_after_days")
    list_filter = ("kind", "enabled")
    raw_id_fields = ("configured_by", "ack_user")
    actions = ["sync_now"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        if not change:
            obj.configured_by = request.user
        super().save_model(request, obj, form, change)

    def get_exclude(self, request, obj=None):
        return ("configured_by",)

    @admin.action(description="Sync now (discover at the source)")
    def sync_now(self, request, queryset):
        from .tasks import sync_connector

        ids = list(queryset.filter(kind="aws_iam").values_list("pk", flat=True))
        for pk in ids:
            transaction.on_commit(lambda pk=pk: sync_connector.delay(pk, request.user.pk))
        messages.success(request, f"{len(ids)} sync(s) queued.")


@admin.register(RevocationJob)
class RevocationJobAdmin(SimpleHistoryAdmin):
    """Read-only: jobs change through their services (claim, record, ack, retry)."""

    list_display = ("pk", "connector", "identity", "credential", "action", "status", "attempts")
    list_filter = ("status", "action", "reason")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ("connector", "started_at", "finished_at", "ok")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

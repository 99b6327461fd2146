"""Admin: sweep failures are read here (a sweep records them; a later run resolves them)."""

from django.contrib import admin

from .models import SweepFailure


@admin.register(SweepFailure)
class SweepFailureAdmin(admin.ModelAdmin):
    list_display = ("sweep", "subject_type", "subject_id", "attempts", "last_failed_at",
                    "resolved_at")  # fmt: skip
    list_filter = ("sweep", ("resolved_at", admin.EmptyFieldListFilter))
    readonly_fields = [f.name for f in SweepFailure._meta.fields]

    def has_add_permission(self, request):
        return False

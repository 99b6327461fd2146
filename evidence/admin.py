from django.contrib import admin

from core.history_admin import ReadOnlyModelAdmin

from .models import LedgerEntry


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyModelAdmin):
    """Read-only: the ledger is written only by evidence.ledger."""

    list_display = ("seq", "source", "record_pk", "entry_hash", "created_at")
    list_filter = ("source",)

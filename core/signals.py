"""Plumbing signals every app may send (evidence listens; nothing here is a business rule)."""

from django.dispatch import Signal

# sender=model, pks=[...]: rows inserted by a set-based statement (COPY, INSERT ... SELECT)
# that bypassed save() and bulk_create, so the evidence ledger still chains them.
rows_inserted = Signal()

"""Plumbing signals every app may send (evidence listens; nothing here is a business rule)."""

from django.dispatch import Signal

# sender=model, pks=[...]: rows written by a bulk path that sends no post_save — the
# governed history managers' and append-only managers' bulk creates (`core.history`), and
# set-based statements (COPY, INSERT ... SELECT, `core.bulk.insert_rows`) — sent in the
# writer's transaction, so the evidence ledger still chains every row. Optional `stored=[...]`:
# the rows as stored ({attname: value} of every concrete field, as `values_list` returns
# them), when the statement returned them — the ledger then hashes them without a read-back.
rows_inserted = Signal()

"""The tamper-evident ledger: one hash-chained entry per history or append-only record."""

from django.db import models

from core.text_guard import Rule


class LedgerEntry(models.Model):
    """Entry `seq` commits to the recorded row (`payload_digest`) and to entry `seq - 1`
    (`prev_hash`); `entry_hash` = sha256 over both (see `evidence.ledger`). Append-only:
    only `evidence.ledger` writes it, from the pending entries (below) of committed changes."""

    seq = models.BigIntegerField(primary_key=True)
    source = models.CharField(max_length=100, help_text="app_label.model of the recorded row")
    record_pk = models.BigIntegerField()
    payload_digest = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "record_pk"], name="ledger_one_entry_per_row"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.source}:{self.record_pk}"


class PendingEntry(models.Model):
    """A history or append-only row written but not yet chained. The writer's transaction adds
    it with the row's digest and takes no lock; the chainer (`evidence.ledger.chain`) turns
    pending rows into ledger entries in one serial order and deletes them."""

    text_guard = {"source": Rule.IDENTIFIER, "payload_digest": Rule.EXEMPT}

    source = models.CharField(max_length=100, help_text="app_label.model of the recorded row")
    record_pk = models.BigIntegerField()
    payload_digest = models.CharField(max_length=64, help_text="As written, in its transaction.")

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "pending ledger entries"

    def __str__(self) -> str:
        return f"pending {self.source}:{self.record_pk}"


class ChainVerification(models.Model):
    """One verification of the ledger end to end (`evidence.ledger.verify`) and what it found,
    as pages show it (`evidence.verification`). Beat verifies every `LEDGER_VERIFY_INTERVAL`;
    "verify now" adds a row with `requested_at` only, which the worker answering it fills.
    Pages read the last verdict instead of verifying in the request (a minute at a million
    entries). A month is kept."""

    text_guard = {"report": Rule.EXEMPT}  # hashes, counts and problems naming rows, no values

    requested_at = models.DateTimeField(
        null=True, blank=True, help_text="When a person asked for it; empty for beat's."
    )
    checked_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="When it ran; empty while asked for."
    )
    ok = models.BooleanField(null=True)
    report = models.JSONField(
        default=dict, help_text="`Report.as_dict()`: what the pages and the API show."
    )

    class Meta:
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        if self.checked_at is None:
            return f"asked for at {self.requested_at:%Y-%m-%d %H:%M}"
        return f"{'intact' if self.ok else 'broken'} at {self.checked_at:%Y-%m-%d %H:%M}"

from celery import shared_task


@shared_task(name="evidence.tasks.ledger_chain", ignore_result=True)
def ledger_chain() -> None:
    """Beat runs it: chain the rows committed since the last run (evidence.ledger)."""
    from . import ledger

    ledger.chain()


@shared_task(name="evidence.tasks.verify_chain", ignore_result=True)
def verify_chain(request_pk: int | None = None) -> None:
    """Verify the ledger end to end and keep the verdict pages show
    (`evidence.verification`): beat's, or the answer to the "verify now" `request_pk`."""
    from .verification import answered, record_verification

    if request_pk is not None and answered(request_pk):
        return
    record_verification(request_pk=request_pk)

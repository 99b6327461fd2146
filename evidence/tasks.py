from celery import shared_task


@shared_task(name="evidence.tasks.ledger_chain", ignore_result=True)
def ledger_chain() -> None:
    """Beat runs it: chain the rows committed since the last run (evidence.ledger)."""
    from . import ledger

    ledger.chain()

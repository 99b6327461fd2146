from celery import shared_task


@shared_task(name="evidence.tasks.ledger_chain", ignore_result=True)
def ledger_chain() -> None:
    """Beat runs it: chain the rows committed since the last run (evidence.ledger)."""
    from . import ledger

    ledger.chain()


@shared_task(name="evidence.tasks.verify_chain", ignore_result=True)
def verify_chain() -> None:
    """Beat runs it: verify the ledger end to end and keep the verdict pages show
    (`evidence.checks.chain_status`)."""
    from .checks import record_verification

    record_verification()

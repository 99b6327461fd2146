from celery import shared_task


@shared_task(name="runtime.tasks.refresh_issuer_keys", ignore_result=True)
def refresh_issuer_keys(issuer_id: int | None = None) -> None:
    """One issuer (after an admin saved it), or every issuer whose key set is stale (beat)."""
    from .jwks_fetch import issuer_refresh_keys, issuers_due

    for pk in [issuer_id] if issuer_id else issuers_due():
        issuer_refresh_keys(issuer_id=pk)

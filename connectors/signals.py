"""Plumbing only: when the identity timeline records that access ended, enqueue the
revocation planner right after the commit. The planner (connectors.planning) owns the rule;
beat runs it every minute anyway, so an event written in bulk (no post_save) or a lost
message is caught up within a minute."""

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from identities.choices import EventKind
from identities.models import LifecycleEvent

log = logging.getLogger(__name__)

ENDS_ACCESS = {
    EventKind.CREDENTIAL_REVOKED,
    EventKind.CREDENTIAL_EXPIRED,
    EventKind.GRANT_EXPIRED,
    EventKind.GRANT_REVOKED,
    EventKind.SUSPENDED,
    EventKind.DECOMMISSIONED,
}


def _enqueue() -> None:
    from .tasks import revocations_sweep

    try:
        revocations_sweep.delay()
    except Exception:  # beat's next run plans what this misses
        log.warning("could not enqueue revocation planning; beat will catch up", exc_info=True)


@receiver(post_save, sender=LifecycleEvent, dispatch_uid="connectors-plan-on-access-end")
def plan_after_access_ends(sender, instance, created, **kwargs):
    if not created or instance.kind not in ENDS_ACCESS:
        return
    if instance.details.get("at_source"):  # our own confirmation: nothing new to plan
        return
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        callback is _enqueue for _sids, callback, _robust in connection.run_on_commit
    ):
        return  # one planning run per transaction
    transaction.on_commit(_enqueue)

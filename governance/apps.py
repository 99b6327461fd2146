from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Ownership (RACI)"

    def ready(self):
        from identities.signals import identity_scope_changed

        identity_scope_changed.connect(
            _resync_identity, dispatch_uid="governance.permissions_on_scope_change"
        )
        from core.metrics import register_gauges

        register_gauges("governance", _gauges)


def _gauges() -> dict:
    """Scrape-time gauge (core.metrics): governed identities with an ownership gap."""
    from .selectors import gap_identity_ids

    return {
        "ownership_gap_identities": (
            "Governed identities with at least one control domain lacking an active A.",
            len(gap_identity_ids()),
        )
    }


def _resync_identity(sender, identity=None, identity_ids=None, **kwargs):
    """Plumbing: identities were registered or moved team/platform; re-materialise their
    object permissions from the RACI matrix inside the same transaction (one set-based sync
    for a bulk registration)."""
    from .services import permissions_sync

    ids = list(identity_ids or []) + ([identity.pk] if identity is not None else [])
    if ids:
        permissions_sync(identity_ids=ids)

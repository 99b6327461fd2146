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


def _resync_identity(sender, identity, **kwargs):
    """Plumbing: an identity was registered or moved team/platform; re-materialise its
    object permissions from the RACI matrix inside the same transaction."""
    from .services import permissions_sync

    permissions_sync(identity_ids=[identity.pk])

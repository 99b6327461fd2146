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
        from django.db.models.signals import post_delete, post_save

        from identities.models import Identity

        from .models import Assignment

        post_save.connect(_assignment_saved, sender=Assignment, dispatch_uid="governance.eo_a")
        post_delete.connect(
            _assignment_deleted, sender=Assignment, dispatch_uid="governance.eo_a_del"
        )
        post_save.connect(_identity_saved, sender=Identity, dispatch_uid="governance.eo_identity")
        post_delete.connect(
            _identity_deleted, sender=Identity, dispatch_uid="governance.eo_identity_del"
        )
        from core.metrics import register_gauges

        register_gauges("governance", _gauges)


def _gauges() -> dict:
    """Scrape-time gauge (core.metrics): governed identities with an ownership gap."""
    from .selectors import identities_with_gaps

    return {
        "ownership_gap_identities": (
            "Governed identities with at least one control domain lacking an active A.",
            len(identities_with_gaps()),
        )
    }


def _resync_identity(sender, identity=None, identity_ids=None, **kwargs):
    """Plumbing: identities were registered or moved team/platform; re-materialise their
    object permissions from the RACI matrix inside the same transaction (one set-based sync
    for a bulk registration)."""
    from .materialise import refresh
    from .services import permissions_sync

    if identity is not None:
        permissions_sync(identity_ids=[identity.pk])
    if identity_ids:  # a bulk registration: new identities, which hold nothing yet
        permissions_sync(identity_ids=list(identity_ids), fresh=True)
        # It sends no post_save: materialise its owners here.
        refresh(identity_ids=list(identity_ids), fresh=True)


# Plumbing: the effective owners (`EffectiveOwner`) follow every write of the matrix and of
# an identity's scope in the same transaction, whoever makes it (service, admin, fixture).
# An A replaced by `services.assignment_set(replace=True)` is marked: its rows stay until its
# successor, saved next in the same transaction, takes them over (`materialise.reassign`).
def _assignment_saved(sender, instance, created, raw=False, **kwargs):
    from .materialise import reassign, refresh_for_assignment

    if raw:
        return
    replaced = getattr(instance, "_replaces", None)
    if created and replaced is not None:
        reassign(replaced, instance)
    else:
        refresh_for_assignment(instance, created=created)


def _assignment_deleted(sender, instance, **kwargs):
    from .materialise import refresh_for_assignment

    if not getattr(instance, "_successor_follows", False):
        refresh_for_assignment(instance, created=False)


def _identity_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    from identities.models import scope_of

    from .materialise import refresh

    if raw or (not created and getattr(instance, "loaded_scope", None) == scope_of(instance)):
        return
    refresh(identity_ids=[instance.pk], fresh=created)
    instance.loaded_scope = scope_of(instance)


def _identity_deleted(sender, instance, **kwargs):
    # Its identity-scope assignments went first, and their refresh re-wrote its rows from the
    # wider scopes: drop them now it is gone.
    from .models import EffectiveOwner

    EffectiveOwner.objects.filter(identity_id=instance.pk).delete()

"""The bulk status and credential services follow the single-row rules: allowed transitions
only, a history row and a timeline event each, and a rerun changes nothing."""

import pytest
from django.core.exceptions import ValidationError

from identities.choices import CredentialStatus, EventKind, IdentityStatus
from identities.credentials import credentials_end
from identities.models import Identity, LifecycleEvent
from identities.status import identities_set_status
from tests.factories import CredentialFactory, IdentityFactory

pytestmark = pytest.mark.django_db


def test_bulk_suspend_changes_only_allowed_rows_once_with_history_and_event(admin_user):
    active = IdentityFactory.create_batch(3, status=IdentityStatus.ACTIVE)
    pending = IdentityFactory(status=IdentityStatus.PENDING)  # pending → suspended: forbidden
    ids = [i.pk for i in [*active, pending]]

    changed = identities_set_status(
        actor=admin_user, identity_ids=ids, status=IdentityStatus.SUSPENDED, reason="audit"
    )
    assert sorted(i.pk for i in changed) == sorted(i.pk for i in active)
    assert {i.previous for i in changed} == {IdentityStatus.ACTIVE}
    statuses = dict(Identity.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert statuses[pending.pk] == IdentityStatus.PENDING
    for identity in active:
        assert statuses[identity.pk] == IdentityStatus.SUSPENDED
        latest = identity.history.first()
        assert (latest.status, latest.history_change_reason, latest.history_user) == (
            IdentityStatus.SUSPENDED, "audit", admin_user
        )
        event = LifecycleEvent.objects.get(identity=identity, kind=EventKind.SUSPENDED)
        assert event.details == {"from": "active", "to": "suspended", "reason": "audit"}
    again = identities_set_status(
        actor=admin_user, identity_ids=ids, status=IdentityStatus.SUSPENDED, reason="audit"
    )
    assert again == [] and LifecycleEvent.objects.filter(kind=EventKind.SUSPENDED).count() == 3


def test_bulk_status_change_needs_a_reason(admin_user):
    with pytest.raises(ValidationError):
        identities_set_status(
            actor=admin_user, identity_ids=[], status=IdentityStatus.SUSPENDED, reason=" "
        )


def test_credentials_end_expires_or_revokes_active_ones_once(admin_user):
    live = CredentialFactory.create_batch(2)
    gone = CredentialFactory(status=CredentialStatus.ROTATED)
    ids = [c.pk for c in [*live, gone]]
    ended = credentials_end(
        actor=admin_user, credential_ids=ids, reason="reached its expiry",
        status=CredentialStatus.EXPIRED,
    )  # fmt: skip
    assert sorted(c.pk for c in ended) == sorted(c.pk for c in live)
    assert all(c.status == CredentialStatus.EXPIRED and c.revoked_at is None for c in ended)
    assert LifecycleEvent.objects.filter(kind=EventKind.CREDENTIAL_EXPIRED).count() == 2
    assert credentials_end(actor=admin_user, credential_ids=ids, reason="again") == []

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from identities.choices import CredentialStatus, EventKind, IdentityStatus
from identities.credentials import credential_record, credential_revoke, credential_rotate
from identities.models import Credential, Identity, LifecycleEvent
from identities.services import identity_register, identity_update
from identities.status import identity_set_status
from tests.factories import LEDGER_WRITER, IdentityFactory, PlatformFactory, TeamFactory

pytestmark = pytest.mark.django_db


def register(actor, team, platform, **overrides):
    data = {
        "team": team,
        "platform": platform,
        **LEDGER_WRITER,
        "risk_tier": "high",
        "entitlements": ["ledger:write"],
    }
    data.update(overrides)
    return identity_register(actor=actor, **data)


def test_engineer_registers_pending_identity_in_own_team_with_event_and_history(engineer):
    team, platform = TeamFactory(members=[engineer]), PlatformFactory()
    identity = register(engineer, team, platform)
    assert identity.status == IdentityStatus.PENDING
    assert identity.created_by == engineer
    event = LifecycleEvent.objects.get(identity=identity)
    assert event.kind == EventKind.ONBOARDED and event.actor == engineer
    record = identity.history.get()
    assert record.history_user is None or record.history_user == engineer
    assert "registered via wizard" in record.history_change_reason


def test_engineer_cannot_onboard_into_a_team_they_do_not_belong_to(engineer):
    with pytest.raises(PermissionDenied):
        register(engineer, TeamFactory(), PlatformFactory())
    assert not Identity.objects.exists()


@pytest.mark.parametrize("persona", ["auditor", "outsider"], indirect=True)
def test_non_engineers_cannot_onboard(persona):
    with pytest.raises(PermissionDenied):
        register(persona, TeamFactory(members=[persona]), PlatformFactory())


def test_external_id_is_unique_per_platform_but_not_across(admin_user):
    team, platform = TeamFactory(), PlatformFactory()
    register(admin_user, team, platform)
    with pytest.raises(ValidationError) as exc:
        register(admin_user, team, platform, name="other")
    assert "external_id" in exc.value.message_dict
    register(admin_user, team, PlatformFactory())  # same id on another platform is fine
    assert Identity.objects.count() == 2
    assert LifecycleEvent.objects.count() == 2  # the refused one left nothing behind


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("purpose", "uses key AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("purpose", "token ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
        ("name", "xoxb-1234567890-abcdefghij"),
        ("external_id", "sk_live_abcdefghijklmnop1234"),
    ],
)
def test_secret_values_are_refused_and_nothing_saved(admin_user, field, value):
    with pytest.raises(ValidationError) as exc:
        register(admin_user, TeamFactory(), PlatformFactory(), **{field: value})
    assert field in exc.value.message_dict
    assert not Identity.objects.exists()


def test_end_date_must_be_in_the_future(admin_user):
    with pytest.raises(ValidationError):
        register(admin_user, TeamFactory(), PlatformFactory(), ends_on=timezone.localdate())


def test_status_changes_follow_allowed_transitions(admin_user):
    identity = IdentityFactory(status=IdentityStatus.PENDING)
    with pytest.raises(ValidationError):
        identity_set_status(actor=admin_user, identity=identity, status="suspended", reason="x")
    identity_set_status(actor=admin_user, identity=identity, status="active", reason="approved")
    identity_set_status(actor=admin_user, identity=identity, status="decommissioned", reason="done")
    with pytest.raises(ValidationError):
        identity_set_status(actor=admin_user, identity=identity, status="active", reason="back")
    identity.refresh_from_db()
    assert identity.status == "decommissioned"
    kinds = list(identity.events.values_list("kind", flat=True))
    assert kinds == [EventKind.DECOMMISSIONED, EventKind.STATUS_CHANGED]


def test_status_change_needs_a_reason(admin_user):
    with pytest.raises(ValidationError):
        identity_set_status(
            actor=admin_user, identity=IdentityFactory(), status="suspended", reason=" "
        )


def test_update_records_changed_fields_and_refuses_status(engineer):
    team = TeamFactory(members=[engineer])
    identity = IdentityFactory(team=team)
    identity_update(actor=engineer, identity=identity, purpose="New purpose", name="renamed")
    event = identity.events.get(kind=EventKind.UPDATED)
    assert set(event.details["changes"]) == {"purpose", "name"}
    with pytest.raises(ValidationError):
        identity_update(actor=engineer, identity=identity, status="active")


@pytest.mark.parametrize("change", [{"risk_tier": "low"}, {"entitlements": ["*"]}])
def test_only_owners_or_admins_change_the_risk_profile(engineer, admin_user, change):
    identity = IdentityFactory(team=TeamFactory(members=[engineer]), risk_tier="high")
    with pytest.raises(PermissionDenied):
        identity_update(actor=engineer, identity=identity, **change)
    identity_update(actor=admin_user, identity=identity, **change)
    identity.refresh_from_db()
    assert all(getattr(identity, k) == v for k, v in change.items())


def test_update_by_someone_outside_the_team_is_refused(engineer):
    identity = IdentityFactory()
    with pytest.raises(PermissionDenied):
        identity_update(actor=engineer, identity=identity, purpose="hijack")


def test_moving_an_identity_to_a_team_you_are_not_in_is_refused(engineer):
    identity = IdentityFactory(team=TeamFactory(members=[engineer]))
    with pytest.raises(PermissionDenied):
        identity_update(actor=engineer, identity=identity, team=TeamFactory())


def test_credential_lifecycle_issue_rotate_revoke(admin_user):
    identity = IdentityFactory()
    expires = timezone.now() + timedelta(days=90)
    first = credential_record(
        actor=admin_user,
        identity=identity,
        kind="api_key",
        label="deploy key",
        storage_location="vault:secret/data/deploy",
        fingerprint="SHA256:abc",
        last_chars="9f2c",
        expires_at=expires,
    )
    second = credential_rotate(actor=admin_user, credential=first, fingerprint="SHA256:def")
    first.refresh_from_db()
    assert first.status == CredentialStatus.ROTATED and first.rotated_at is not None
    assert second.replaces == first and second.label == "deploy key"
    assert second.storage_location == "vault:secret/data/deploy"
    credential_revoke(actor=admin_user, credential=second, reason="leaked in a log")
    second.refresh_from_db()
    assert second.status == CredentialStatus.REVOKED and second.revoked_by == admin_user
    kinds = list(identity.events.order_by("id").values_list("kind", flat=True))
    assert kinds == ["credential_issued", "credential_rotated", "credential_revoked"]
    with pytest.raises(ValidationError):
        credential_revoke(actor=admin_user, credential=second, reason="again")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("storage_location", "-----BEGIN RSA PRIVATE KEY-----\nMIIE"),
        ("label", "sk-proj-abcdefghijklmnopqrstuvwxyz012345"),
        ("fingerprint", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
    ],
)
def test_credential_with_secret_value_is_refused(admin_user, field, value):
    data = {"kind": "api_key", "label": "k", field: value}
    with pytest.raises(ValidationError) as exc:
        credential_record(actor=admin_user, identity=IdentityFactory(), **data)
    assert field in exc.value.message_dict
    assert not Credential.objects.exists()


def test_auditor_cannot_record_credentials(auditor):
    with pytest.raises(PermissionDenied):
        credential_record(actor=auditor, identity=IdentityFactory(), kind="api_key", label="k")


def test_lifecycle_events_are_append_only(admin_user):
    identity = IdentityFactory()
    register(admin_user, identity.team, PlatformFactory())
    event = LifecycleEvent.objects.first()
    event.summary = "rewritten"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()

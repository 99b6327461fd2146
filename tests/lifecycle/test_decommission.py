from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from approvals.choices import GrantStatus, RequestStatus
from identities.choices import CredentialStatus, IdentityStatus
from lifecycle.services import identity_decommission
from tests.approvals_helpers import approved_exception, pending_exception
from tests.factories import CredentialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_identity(lifecycle_world):
    """An identity with a credential, an active grant and a pending request."""
    identity = lifecycle_world["identity"]
    now = timezone.now()
    CredentialFactory(identity=identity)
    grant = approved_exception(identity, now, days=10)
    request = pending_exception(identity, now, days=5)
    return identity, grant, request


def test_the_a_decommissions_end_to_end_with_an_event_each(busy_identity, owner):
    identity, grant, request = busy_identity
    identity_decommission(actor=owner, identity=identity, reason="service retired")
    identity.refresh_from_db()
    grant.refresh_from_db()
    request.refresh_from_db()
    assert identity.status == IdentityStatus.DECOMMISSIONED
    assert not identity.credentials.filter(status=CredentialStatus.ACTIVE).exists()
    assert grant.status == GrantStatus.DECOMMISSIONED and grant.end_reason == "service retired"
    assert request.status == RequestStatus.CANCELLED
    kinds = set(identity.events.values_list("kind", flat=True))
    assert {"credential_revoked", "grant_revoked", "decommissioned"} <= kinds


@pytest.mark.parametrize("persona", ["engineer", "auditor", "outsider"], indirect=True)
def test_only_the_a_or_an_admin_decommissions(busy_identity, persona):
    identity, _grant, _request = busy_identity
    with pytest.raises(PermissionDenied):
        identity_decommission(actor=persona, identity=identity, reason="x")
    identity.refresh_from_db()
    assert identity.status == IdentityStatus.ACTIVE


def test_admin_may_decommission_and_reason_is_required(busy_identity, admin_user):
    identity, _g, _r = busy_identity
    with pytest.raises(ValidationError):
        identity_decommission(actor=admin_user, identity=identity, reason="  ")
    identity_decommission(actor=admin_user, identity=identity, reason="done")
    with pytest.raises(ValidationError):
        identity_decommission(actor=admin_user, identity=identity, reason="again")


def test_decommission_page_permissions_and_flow(client, busy_identity, owner, engineer):
    identity, _g, _r = busy_identity
    url = f"/lifecycle/identities/{identity.pk}/decommission/"
    client.force_login(engineer)
    assert client.get(url).status_code == 403
    client.force_login(owner)
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "", "confirm": "on"})
    assert response.status_code == 400
    response = client.post(url, {"reason": "retired", "confirm": "on"})
    assert response.status_code == 302
    identity.refresh_from_db()
    assert identity.status == IdentityStatus.DECOMMISSIONED


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin_user", 200), ("auditor", 200), ("engineer", 200), ("outsider", 200)],
    indirect=["persona"],
)
def test_lifecycle_pages_answer_every_signed_in_role_in_scope(
    client, lifecycle_world, persona, expected
):
    client.force_login(persona)
    assert client.get("/lifecycle/rotation/").status_code == expected
    assert client.get("/lifecycle/panels/dashboard/").status_code == expected


def test_identity_panel_is_scoped(client, lifecycle_world, outsider, engineer):
    url = f"/lifecycle/panels/identity/{lifecycle_world['identity'].pk}/"
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(engineer)
    assert client.get(url).status_code == 200


def test_rotation_page_shows_due_credentials_in_scope_with_bounded_queries(
    client, lifecycle_world, engineer, django_assert_max_num_queries
):
    now = timezone.now()
    for _ in range(20):
        CredentialFactory(identity=lifecycle_world["identity"], kind="api_key",
                          issued_at=now - timedelta(days=200))  # fmt: skip
    client.force_login(engineer)
    with django_assert_max_num_queries(16):  # the policies, the count, one page of rows
        response = client.get("/lifecycle/rotation/?overdue=1")
    assert response.context["table"].paginator.count == 20


def test_rotation_due_is_credential_due_in_sql_soonest_first(lifecycle_world, engineer):
    """The page pages in SQL: each row's `due` is `credential_due` (the earlier of its expiry
    and its policy's maximum age; its expiry when no policy covers it), soonest first."""
    from lifecycle.models import RotationPolicy
    from lifecycle.selectors import rotation_due
    from lifecycle.sweeps import credential_due

    now = timezone.now().replace(microsecond=0)
    identity = lifecycle_world["identity"]
    policy = RotationPolicy.objects.get(credential_kind="api_key", risk_tier=identity.risk_tier)
    RotationPolicy.objects.filter(credential_kind="ssh_key").delete()  # none covers these
    age = policy.max_age_days
    made = [
        CredentialFactory(identity=identity, kind=kind, issued_at=now - timedelta(days=d),
                          expires_at=now + timedelta(days=e) if e is not None else None)
        for kind, d, e in (("api_key", age + 3, None), ("api_key", 10, 5),
                           ("api_key", age - 2, 20), ("api_key", 1, None),
                           ("ssh_key", age + 9, 1), ("ssh_key", age + 9, None))
    ]  # fmt: skip
    horizon = now + timedelta(days=30)
    expected = []
    for c in made:
        covered = c.kind == "api_key"
        due = credential_due(c.issued_at, c.expires_at, age) if covered else c.expires_at
        if due is not None and due <= horizon:
            expected.append((due, c.pk, age if covered else None))
    rows = rotation_due(user=engineer, now=now, within_days=30)
    assert [(c.due, c.pk, c.max_age_days) for c in rows] == sorted(expected)
    assert len(expected) == 4  # the never-expiring uncovered one and the fresh one are not due

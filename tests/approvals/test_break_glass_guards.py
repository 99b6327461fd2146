"""Who may ask for access, and break-glass that starts now, once: not by anyone who can
merely see an identity, not pre-booked, not chained (security review, issue items 1-2)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from approvals import services
from approvals.models import Grant, PolicyEvaluation, Request
from tests.approvals.factories import EMERGENCY_FIELDS, submit_emergency, submit_exception
from tests.factories import UserFactory
from tests.governance.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def emergency_payload(identity, **extra):
    return {"kind": "emergency", "identity": identity.pk, "duration_hours": 1,
            **EMERGENCY_FIELDS, **extra}  # fmt: skip


@pytest.fixture
def informed(governed, identity):
    """No role group; only "Informed" on the identity, so it can see it."""
    from governance.services import permissions_sync

    user = UserFactory(username="ivy-informed")
    AssignmentFactory(
        domain=governed["identity"], scope_kind="identity", identity=identity, role="I",
        assignee_user=user,
    )  # fmt: skip
    permissions_sync(identity_ids=[identity.pk])
    return user


def test_an_informed_user_cannot_open_break_glass_through_the_api(api_client, informed, identity):
    api_client.force_authenticate(informed)
    assert api_client.get(f"/api/v1/identities/{identity.pk}/").status_code == 200
    response = api_client.post("/api/v1/requests/", emergency_payload(identity), format="json")
    assert response.status_code == 403
    assert not Grant.objects.exists() and not Request.objects.exists()


def test_an_engineer_of_another_team_who_can_see_it_cannot_ask(governed, identity):
    from governance.services import permissions_sync

    other = UserFactory(username="odo-other-team", groups=["engineers"])
    AssignmentFactory(
        domain=governed["engineering"], scope_kind="identity", identity=identity, role="C",
        assignee_user=other,
    )  # fmt: skip
    permissions_sync(identity_ids=[identity.pk])
    with pytest.raises(PermissionDenied, match="engineers of the identity's team"):
        submit_exception(actor=other, identity=identity)
    assert not Request.objects.exists()


def test_engineers_of_the_team_and_admins_may_ask(engineer, admin_user, identity):
    assert submit_exception(actor=engineer, identity=identity).status == "pending"
    assert submit_emergency(actor=admin_user, identity=identity).status == "approved"


def test_break_glass_cannot_be_pre_booked(engineer, identity):
    now = timezone.now()
    with pytest.raises(services.PolicyRefused, match="starts now"):
        services.request_submit(
            actor=engineer, kind="emergency", identity=identity, now=now,
            requested_start=now + timedelta(hours=20), duration_hours=2, **EMERGENCY_FIELDS,
        )  # fmt: skip
    assert not Grant.objects.exists() and not PolicyEvaluation.objects.exists()


def test_a_second_break_glass_is_refused_while_one_is_active(engineer, identity):
    first = submit_emergency(actor=engineer, identity=identity).grant
    with pytest.raises(services.PolicyRefused, match=f"#{first.pk}.*is active"):
        submit_emergency(actor=engineer, identity=identity)
    assert Grant.objects.count() == 1


def test_a_second_break_glass_waits_for_the_post_incident_review(engineer, owner, identity):
    from approvals import grants

    first = submit_emergency(actor=engineer, identity=identity).grant
    grants.grant_revoke(actor=owner, grant=first, reason="incident over")
    with pytest.raises(services.PolicyRefused, match="post-incident review"):
        submit_emergency(actor=engineer, identity=identity)
    grants.grant_review(actor=owner, grant=first, notes="root cause fixed")
    assert submit_emergency(actor=engineer, identity=identity).status == "approved"


def test_break_glass_through_the_api_refuses_a_chain(api_client, engineer, identity):
    api_client.force_authenticate(engineer)
    assert api_client.post(
        "/api/v1/requests/", emergency_payload(identity), format="json"
    ).status_code == 201
    again = api_client.post("/api/v1/requests/", emergency_payload(identity), format="json")
    assert again.status_code == 400 and "renew it" in str(again.data)
    assert Grant.objects.count() == 1

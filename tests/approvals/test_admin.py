"""The approvals admin: policy edits are new versions, every list loads."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- admin ----------------------------------------------------------------------------------
@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_admin_edit_of_a_policy_is_a_new_version_with_its_reason(superuser_client, governed):
    admin_client = superuser_client
    from approvals.models import ApprovalPolicy

    policy = ApprovalPolicy.objects.get(kind="exception")
    url = reverse("admin:approvals_approvalpolicy_change", args=[policy.pk])
    assert admin_client.get(url).status_code == 200
    form = {
        "name": policy.name,
        "description": "",
        "approver_domain": policy.approver_domain_id,
        "approver_roles": "AR",
        "approvals_by_risk": '{"critical": 2}',
        "max_duration_hours": 24 * 60,
        "default_duration_hours": 24 * 30,
        "requires_justification": "on",
        "requires_compensating_controls": "on",
        "pending_expiry_hours": 168,
        "change_reason": "shorter exceptions after the audit",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    policy.refresh_from_db()
    assert (policy.version, policy.max_duration_hours, policy.approver_roles) == (2, 1440, "AR")
    assert "shorter exceptions" in policy.history.latest().history_change_reason


@pytest.mark.parametrize("model", ["request", "decision", "grant", "approvalpolicy"])
def test_admin_lists_load(superuser_client, world, model):
    admin_client = superuser_client
    assert admin_client.get(reverse(f"admin:approvals_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:approvals_{model}_add")).status_code == 403

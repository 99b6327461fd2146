import pytest

from tests.factories import IdentityFactory, UserFactory
from tests.governance.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def test_owners_endpoint_explains_each_entry(api_client, auditor, domains):
    identity = IdentityFactory()
    a = AssignmentFactory(
        domain=domains["identity"], scope_kind="platform", platform=identity.platform
    )
    api_client.force_authenticate(auditor)
    body = api_client.get(f"/api/v1/ownership/identities/{identity.pk}/owners/").json()
    by_domain = {d["domain"]: d for d in body["domains"]}
    assert by_domain["identity"]["accountable"]["id"] == a.assignee_user_id
    assert by_domain["identity"]["accountable_source"] == {
        "scope_kind": "platform",
        "scope_label": identity.platform.name,
        "assignment_id": a.pk,
    }
    assert by_domain["consumption"]["is_gap"] is True
    assert body["has_gap"] is True


def test_second_accountable_via_api_is_a_clear_400(api_client, admin_user, domains):
    AssignmentFactory(domain=domains["identity"])
    api_client.force_authenticate(admin_user)
    response = api_client.post(
        "/api/v1/ownership/assignments/",
        {
            "domain": "identity",
            "scope_kind": "global",
            "role": "A",
            "assignee_user": UserFactory().pk,
            "reason": "api",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "already has an accountable" in str(response.json())


def test_delete_needs_a_reason(api_client, admin_user, domains):
    a = AssignmentFactory(domain=domains["identity"])
    api_client.force_authenticate(admin_user)
    assert api_client.delete(f"/api/v1/ownership/assignments/{a.pk}/").status_code == 400


def test_gaps_endpoint_lists_reasons(api_client, engineer, domains):
    from tests.factories import TeamFactory

    identity = IdentityFactory(team=TeamFactory(members=[engineer]))
    IdentityFactory()  # not the engineer's
    api_client.force_authenticate(engineer)
    body = api_client.get("/api/v1/ownership/gaps/").json()
    assert body["count"] == 5
    assert {g["identity"]["id"] for g in body["results"]} == {identity.pk}
    assert {g["reason"] for g in body["results"]} == {"no_accountable"}

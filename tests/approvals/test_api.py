"""API v1 for approvals: a pipeline asks for an exception, a bot polls it, the owner decides;
conflicts are 409s; input is strict."""

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals.models import Decision, Grant, Request
from tests.approvals.factories import EXCEPTION_FIELDS, submit_emergency, submit_exception
from tests.factories import CredentialFactory, IdentityFactory

pytestmark = pytest.mark.django_db


def create_payload(identity, **extra):
    return {
        "kind": "exception",
        "identity": identity.pk,
        "duration_hours": 48,
        **EXCEPTION_FIELDS,
        **extra,
    }


def test_pipeline_asks_polls_and_gets_an_exception(api_client, engineer, owner, identity):
    api_client.force_authenticate(engineer)
    response = api_client.post("/api/v1/requests/", create_payload(identity), format="json")
    assert response.status_code == 201, response.data
    body = response.data
    assert body["status"] == "pending" and body["grant"] is None
    assert body["evaluation"]["policy"] == "exception"
    assert body["evaluation"]["policy_version"] == 1
    assert body["evaluation"]["outcome"] == "needs_approval"
    assert (
        body["identity"]["id"] == identity.pk and body["requester"]["username"] == engineer.username
    )
    pk = body["id"]

    api_client.force_authenticate(owner)
    waiting = api_client.get("/api/v1/requests/?box=waiting").data
    assert [r["id"] for r in waiting["results"]] == [pk]
    end = Request.objects.get(pk=pk).requested_start + timedelta(hours=24)
    decided = api_client.post(
        f"/api/v1/requests/{pk}/decide/",
        {"outcome": "approve", "comment": "one day is enough", "granted_end": end.isoformat()},
        format="json",
    )
    assert decided.status_code == 200, decided.data
    assert decided.data["decisions"][0]["decider"]["username"] == owner.username

    api_client.force_authenticate(engineer)
    polled = api_client.get(f"/api/v1/requests/{pk}/").data
    assert polled["status"] == "approved"
    assert polled["grant"]["status"] == "active"
    assert polled["grant"]["expires_at"] == end.isoformat().replace("+00:00", "Z")
    assert polled["requested_end"] != polled["grant"]["expires_at"]  # asked vs granted


def test_policy_refusal_is_a_400_with_reasons(api_client, engineer, identity):
    api_client.force_authenticate(engineer)
    response = api_client.post(
        "/api/v1/requests/",
        create_payload(identity, duration_hours=24 * 100, compensating_controls=""),
        format="json",
    )
    assert response.status_code == 400
    assert response.data["detail"] == "Refused by the approval policy."
    assert len(response.data["reasons"]) == 2
    assert not Request.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"colour": "red"},
        {"kind": "holiday"},
        {"identity": "abc"},
        {"requested_end": "2030-01-01T00:00:00Z"},  # with duration_hours
        {"justification": "key ghp_" + "a1B2" * 9},
    ],
    ids=["unknown-field", "bad-kind", "bad-identity", "end-and-duration", "secret-value"],
)
def test_invalid_input_is_a_400(api_client, engineer, identity, payload):
    api_client.force_authenticate(engineer)
    data = {**create_payload(identity), **payload}
    response = api_client.post("/api/v1/requests/", data, format="json")
    assert response.status_code == 400, response.data
    assert not Request.objects.exists()


def test_decide_rejects_unknown_fields(api_client, engineer, owner, identity):
    req = submit_exception(actor=engineer, identity=identity)
    api_client.force_authenticate(owner)
    response = api_client.post(
        f"/api/v1/requests/{req.pk}/decide/", {"outcome": "approve", "grant": "all"}, format="json"
    )
    assert response.status_code == 400 and "grant" in response.data
    assert not Decision.objects.exists()


def test_deciding_twice_is_a_409_and_never_a_second_grant(api_client, engineer, owner, identity):
    req = submit_exception(actor=engineer, identity=identity)
    api_client.force_authenticate(owner)
    url = f"/api/v1/requests/{req.pk}/decide/"
    assert api_client.post(url, {"outcome": "approve"}, format="json").status_code == 200
    again = api_client.post(url, {"outcome": "reject"}, format="json")
    assert again.status_code == 409
    assert again.data["detail"] == "This request is already approved."
    assert Grant.objects.count() == 1


def test_requester_deciding_own_request_is_403(api_client, engineer, identity):
    req = submit_exception(actor=engineer, identity=identity)
    api_client.force_authenticate(engineer)
    response = api_client.post(
        f"/api/v1/requests/{req.pk}/decide/", {"outcome": "approve"}, format="json"
    )
    assert response.status_code == 403
    assert "your own request" in str(response.data["detail"])


def test_widening_the_window_is_a_400(api_client, engineer, owner, identity):
    req = submit_exception(actor=engineer, identity=identity)
    api_client.force_authenticate(owner)
    late = (req.requested_end + timedelta(days=1)).isoformat()
    response = api_client.post(
        f"/api/v1/requests/{req.pk}/decide/",
        {"outcome": "approve", "granted_end": late},
        format="json",
    )
    assert response.status_code == 400 and "granted_end" in response.data


def test_emergency_through_the_api_is_active_at_once(api_client, engineer, identity):
    api_client.force_authenticate(engineer)
    response = api_client.post(
        "/api/v1/requests/",
        {
            "kind": "emergency",
            "identity": identity.pk,
            "duration_hours": 1,
            "access_requested": "prod db read",
            "justification": "outage",
            "incident_reference": "INC-7",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.data["status"] == "approved"
    assert response.data["grant"]["review_due_at"] is not None


def test_revoke_and_revoke_again(api_client, engineer, owner, identity):
    grant = submit_emergency(actor=engineer, identity=identity).grant
    api_client.force_authenticate(owner)
    url = f"/api/v1/grants/{grant.pk}/revoke/"
    assert api_client.post(url, {}, format="json").status_code == 400
    response = api_client.post(url, {"reason": "incident closed"}, format="json")
    assert response.status_code == 200 and response.data["status"] == "revoked"
    assert response.data["ended_by"]["username"] == owner.username
    assert api_client.post(url, {"reason": "again"}, format="json").status_code == 409


def test_renewal_through_the_api(api_client, engineer, owner, identity):
    req = submit_exception(actor=engineer, identity=identity)
    from approvals.services import request_decide

    request_decide(request_id=req.pk, actor=owner, outcome="approve")
    api_client.force_authenticate(engineer)
    response = api_client.post(
        "/api/v1/requests/", create_payload(identity, renews=req.grant.pk), format="json"
    )
    assert response.status_code == 201, response.data
    assert response.data["renews"] == req.grant.pk
    assert response.data["requested_start"] == req.grant.expires_at.isoformat().replace(
        "+00:00", "Z"
    )


def test_link_a_credential_to_its_grant(api_client, engineer, owner, identity):
    req = submit_exception(actor=engineer, identity=identity)
    from approvals.services import request_decide

    request_decide(request_id=req.pk, actor=owner, outcome="approve")
    credential = CredentialFactory(identity=identity)
    api_client.force_authenticate(engineer)
    url = f"/api/v1/grants/{req.grant.pk}/credentials/"
    response = api_client.post(url, {"credential": credential.pk}, format="json")
    assert response.status_code == 201
    assert list(req.grant.credentials.all()) == [credential]
    assert api_client.post(url, {"credential": credential.pk}, format="json").status_code == 409
    foreign = CredentialFactory(identity=IdentityFactory())  # not visible: 404
    assert api_client.post(url, {"credential": foreign.pk}, format="json").status_code == 404


def test_list_filters_by_kind_and_status(api_client, engineer, identity):
    submit_exception(actor=engineer, identity=identity)
    submit_emergency(actor=engineer, identity=identity)
    api_client.force_authenticate(engineer)
    data = api_client.get("/api/v1/requests/?kind=emergency").data
    assert [r["kind"] for r in data["results"]] == ["emergency"]
    data = api_client.get("/api/v1/requests/?status=pending&box=mine").data
    assert [r["kind"] for r in data["results"]] == ["exception"]


def test_list_query_count_is_bounded(
    api_client, engineer, owner, identity, django_assert_max_num_queries
):
    now = timezone.now()

    def make(n):
        for _ in range(n):
            req = submit_exception(actor=engineer, identity=identity, now=now)
            from approvals.services import request_decide

            request_decide(request_id=req.pk, actor=owner, outcome="approve", now=now)

    api_client.force_authenticate(engineer)
    make(3)
    with django_assert_max_num_queries(12):
        assert api_client.get("/api/v1/requests/").data["count"] == 3
    make(20)
    with django_assert_max_num_queries(12):
        assert api_client.get("/api/v1/requests/").data["count"] == 23


def test_schema_documents_the_approvals_endpoints(admin_client):
    response = admin_client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    decide = paths["/api/v1/requests/{id}/decide/"]["post"]
    assert {"200", "403", "404", "409"} <= set(decide["responses"])
    assert "/api/v1/grants/{id}/revoke/" in paths

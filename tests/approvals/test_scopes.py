"""Runtime scopes on requests: asked for in the form and the API, validated as RFC 6749 §3.3
scope tokens, kept in history and the evaluation, carried by a renewal, shown to deciders."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from approvals.scopes import MAX_SCOPES, clean_scopes
from approvals.services import request_decide, request_submit
from tests.approvals.factories import EXCEPTION_FIELDS, submit_emergency, submit_exception

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("payments:write  payments:read", ["payments:write", "payments:read"]),
        ("a,b\nc a", ["a", "b", "c"]),
        (["x:y", "x:y"], ["x:y"]),
        ("", []),
        (None, []),
    ],
)
def test_scopes_are_cleaned_into_distinct_tokens(raw, expected):
    assert clean_scopes(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [['pay"ments'], ["back\\slash"], ["café"], [""], ["x" * 201], [7], {"a": 1}, ["a b"]],
)
def test_malformed_scopes_are_refused_with_the_rule(raw):
    with pytest.raises(ValidationError) as exc:
        clean_scopes(raw)
    assert "scopes" in exc.value.message_dict


def test_too_many_scopes_are_refused():
    with pytest.raises(ValidationError, match=f"at most {MAX_SCOPES}"):
        clean_scopes([f"s{i}" for i in range(MAX_SCOPES + 1)])


def test_scopes_are_stored_in_history_and_the_evaluation(engineer, identity):
    req = submit_exception(actor=engineer, identity=identity, scopes="ledger:write ledger:read")
    req.refresh_from_db()
    assert req.scopes == ["ledger:write", "ledger:read"]
    assert req.history.earliest().scopes == ["ledger:write", "ledger:read"]
    assert req.evaluation.inputs["scopes"] == ["ledger:write", "ledger:read"]


def test_a_bad_scope_leaves_nothing_behind(engineer, identity):
    with pytest.raises(ValidationError):
        submit_exception(actor=engineer, identity=identity, scopes=['bad"scope'])
    assert not identity.requests.exists()


def test_the_grant_covers_its_requests_scopes_and_a_renewal_keeps_them(engineer, owner, identity):
    req = submit_exception(actor=engineer, identity=identity, scopes=["ledger:write"])
    request_decide(request_id=req.pk, actor=owner, outcome="approve")
    req.refresh_from_db()
    assert req.grant.scopes == ["ledger:write"]
    renewal = request_submit(
        actor=engineer,
        kind="exception",
        identity=identity,
        renews=req.grant,
        duration_hours=24,
        justification="still frozen",
    )
    assert renewal.scopes == ["ledger:write"]


def test_emergency_form_asks_for_scopes_and_shows_them(client, engineer, identity):
    client.force_login(engineer)
    url = reverse("approvals:new-request", args=[identity.pk, "emergency"])
    form = client.get(url).content.decode()
    assert 'name="scopes"' in form
    data = {
        "access_requested": "ledger db",
        "justification": "outage",
        "incident_reference": "INC-9",
        "duration_hours": 2,
        "scopes": "ledger:write",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    req = identity.requests.get()
    assert req.scopes == ["ledger:write"]
    page = client.get(response["Location"]).content.decode()
    assert 'id="runtime-scopes"' in page and "ledger:write" in page


def test_exception_form_refuses_a_bad_scope_in_place_and_keeps_the_input(
    client, engineer, identity
):
    client.force_login(engineer)
    url = reverse("approvals:new-request", args=[identity.pk, "exception"])
    until = (timezone.now() + timezone.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    data = {**EXCEPTION_FIELDS, "until": until, "scopes": 'ledger:write pay"ments'}
    response = client.post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Not a scope name" in html and "pay&quot;ments" in html
    assert EXCEPTION_FIELDS["justification"] in html  # nothing typed is lost
    assert not identity.requests.exists()


def test_api_takes_scopes_and_refuses_bad_ones(api_client, engineer, identity):
    api_client.force_authenticate(engineer)
    payload = {"kind": "exception", "identity": identity.pk, "duration_hours": 48}
    payload.update(EXCEPTION_FIELDS)
    bad = api_client.post(
        "/api/v1/requests/", {**payload, "scopes": ["ok:read", "no spaces"]}, format="json"
    )
    assert bad.status_code == 400 and "scopes" in bad.data
    good = api_client.post("/api/v1/requests/", {**payload, "scopes": ["ok:read"]}, format="json")
    assert good.status_code == 201, good.data
    assert good.data["scopes"] == ["ok:read"]


def test_grant_api_shows_its_scopes(api_client, engineer, identity):
    grant = submit_emergency(actor=engineer, identity=identity, scopes=["db:admin"]).grant
    api_client.force_authenticate(engineer)
    body = api_client.get(f"/api/v1/grants/{grant.pk}/").data
    assert body["scopes"] == ["db:admin"]

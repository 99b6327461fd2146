"""Pages and API of runtime access: persona by page status tables (anonymous, wrong role,
out of scope, right role), the runtime panel's content and the revoke-all action."""

import json
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from governance.services import permissions_sync
from runtime.models import IssuedToken, TrustedIssuer
from tests.conftest import PERSONAS, persona_name
from tests.factories import IdentityFactory, TeamFactory

from .conftest import AUDIENCE, FORM, exchange_form, issuer_key, k8s_claims, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(workload, k8s, client):
    other_team = TeamFactory(name="Growth", slug="growth")
    elsewhere = IdentityFactory(team=other_team, platform=k8s.platform, external_id="growth/x")
    permissions_sync()  # materialise the owner's RACI scope (factories skip the services)
    data = exchange_form(sign("rsa", k8s_claims()))
    assert (
        client.post(reverse("runtime:token"), urlencode(data), content_type=FORM).status_code == 200
    )
    return {"mine": workload, "elsewhere": elsewhere, "issuer": k8s}


def issuer_form(w):
    return {
        "platform": w["issuer"].platform_id,
        "name": "GitHub",
        "issuer": "https://token.actions.githubusercontent.com",
        "audience": AUDIENCE,
        "jwks": json.dumps({"keys": [issuer_key("ec").as_dict(private=False)]}),
        "algorithms": ["ES256"],
        "subject_claim": "sub",
        "subject_mapping": "github",
        "max_proof_lifetime_seconds": "600",
        "active": "on",
    }


ADMIN_ONLY = {"admin_user": 200, "auditor": 403, "engineer": 403, "owner": 403, "outsider": 403}
PAGES = [
    (
        "panel",
        "get",
        lambda w: reverse("runtime:identity-panel", args=[w["mine"].pk]),
        None,
        {"admin_user": 200, "auditor": 200, "engineer": 200, "owner": 200, "outsider": 404},
    ),
    (
        "panel-out-of-scope",
        "get",
        lambda w: reverse("runtime:identity-panel", args=[w["elsewhere"].pk]),
        None,
        {"admin_user": 200, "auditor": 200, "engineer": 404, "owner": 200, "outsider": 404},
    ),
    (
        "revoke-all",
        "post",
        lambda w: reverse("runtime:identity-panel", args=[w["mine"].pk]),
        lambda w: {"reason": "leaked"},
        {"admin_user": 200, "auditor": 403, "engineer": 403, "owner": 200, "outsider": 404},
    ),
    ("issuers", "get", lambda w: reverse("runtime:issuers"), None, ADMIN_ONLY),
    (
        "issuer-edit",
        "get",
        lambda w: reverse("runtime:issuer-edit", args=[w["issuer"].pk]),
        None,
        ADMIN_ONLY,
    ),
    (
        "issuer-new",
        "post",
        lambda w: reverse("runtime:issuer-new"),
        issuer_form,
        {**ADMIN_ONLY, "admin_user": 302},
    ),
]


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize(
    ("name", "method", "url", "data", "expected"), PAGES, ids=[p[0] for p in PAGES]
)
def test_pages(client, world, persona, request, name, method, url, data, expected):
    client.force_login(persona)
    target = url(world)
    response = client.get(target) if method == "get" else client.post(target, data(world))
    who = persona_name(request, persona)
    assert response.status_code == expected[who], (name, who, response.content[:300])


@pytest.mark.parametrize(
    ("name", "method", "url", "data", "expected"), PAGES, ids=[p[0] for p in PAGES]
)
def test_pages_anonymous_redirect_to_login(client, world, name, method, url, data, expected):
    client.logout()
    target = url(world)
    response = client.get(target) if method == "get" else client.post(target, {})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_panel_shows_tokens_subjects_and_latest_refusal(client, world, admin_user):
    world["mine"].status = "suspended"
    world["mine"].save()
    data = exchange_form(sign("rsa", k8s_claims()))
    client.post(reverse("runtime:token"), urlencode(data), content_type=FORM)
    client.force_login(admin_user)
    html = client.get(reverse("runtime:identity-panel", args=[world["mine"].pk])).content.decode()
    assert "system:serviceaccount:payments:ledger-sync" in html
    assert "is suspended" in html and "1 issued and 1 refused" in html
    assert IssuedToken.objects.get().jti[:10] in html


def test_owner_revokes_all_from_the_panel(client, world, owner):
    client.force_login(owner)
    url = reverse("runtime:identity-panel", args=[world["mine"].pk])
    assert "Revoke all 1 live token" in client.get(url).content.decode()
    html = client.post(url, {"reason": "pod compromised"}).content.decode()
    assert "Revoked by olu-owner" in html and 'data-testid="live-count">0<' in html
    token = IssuedToken.objects.get()
    assert token.revoked_by == owner and token.revoke_reason == "pod compromised"


def test_revoke_all_writes_a_timeline_event_with_the_reason(client, world, owner):
    client.force_login(owner)
    identity = world["mine"]
    response = client.post(
        reverse("runtime:identity-panel", args=[identity.pk]), {"reason": "pod compromised"}
    )
    assert response["HX-Trigger"] == "timeline-changed"  # the page reloads its timeline
    event = identity.events.get(kind="tokens_revoked")
    assert event.actor == owner and event.details == {
        "count": 1,
        "reason": "pod compromised",
        "grant_id": None,
    }
    timeline = client.get(reverse("identities:timeline", args=[identity.pk])).content.decode()
    assert "Runtime tokens revoked" in timeline
    assert "1 runtime token(s) revoked by olu-owner: pod compromised" in timeline


def test_owner_revokes_only_one_grants_tokens(client, world, owner, admin_user):
    import datetime as dt

    from django.utils import timezone

    from runtime.services import runtime_policy_update
    from tests.approvals_helpers import approved_exception

    identity = world["mine"]
    runtime_policy_update(actor=admin_user, reason="gated", grant_scopes=["ledger:write"])
    grant = approved_exception(
        identity, timezone.now() - dt.timedelta(minutes=5), days=1, scopes=["ledger:write"]
    )
    data = exchange_form(sign("rsa", k8s_claims()), scope="ledger:write")
    client.post(reverse("runtime:token"), urlencode(data), content_type=FORM)
    client.force_login(owner)
    url = reverse("runtime:identity-panel", args=[identity.pk])
    assert f"Only grant #{grant.pk} (1 live)" in client.get(url).content.decode()
    response = client.post(url, {"reason": "grant misused", "grant": grant.pk})
    assert response.status_code == 200
    states = {(t.grant_id, t.revoked_at is not None) for t in IssuedToken.objects.all()}
    assert states == {(grant.pk, True), (None, False)}
    event = identity.events.get(kind="tokens_revoked")
    assert event.related_id == grant.pk and event.details["grant_id"] == grant.pk
    assert f"of grant #{grant.pk}" in event.summary


def test_revoke_all_refuses_a_grant_that_is_not_the_identitys(client, world, owner):
    client.force_login(owner)
    url = reverse("runtime:identity-panel", args=[world["mine"].pk])
    response = client.post(url, {"reason": "x", "grant": 999999})
    assert response.status_code == 422 and "valid choice" in response.content.decode()
    assert IssuedToken.objects.get().revoked_at is None
    assert not world["mine"].events.filter(kind="tokens_revoked").exists()


def test_revoke_all_without_reason_shows_the_error_in_place(client, world, owner):
    client.force_login(owner)
    url = reverse("runtime:identity-panel", args=[world["mine"].pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 422 and "required" in response.content.decode()
    assert IssuedToken.objects.get().revoked_at is None


def test_admin_registers_issuer_with_history(client, world, admin_user):
    client.force_login(admin_user)
    client.post(reverse("runtime:issuer-new"), issuer_form(world))
    issuer = TrustedIssuer.objects.get(name="GitHub")
    assert issuer.history.get().history_user == admin_user


def test_issuer_form_refuses_private_keys_and_hmac(client, world, admin_user):
    client.force_login(admin_user)
    data = issuer_form(world)
    data["jwks"] = json.dumps({"keys": [issuer_key("ec").as_dict(private=True)]})
    response = client.post(reverse("runtime:issuer-new"), data)
    assert response.status_code == 422 and "private key" in response.content.decode()
    data = {**issuer_form(world), "algorithms": ["HS256"]}
    assert client.post(reverse("runtime:issuer-new"), data).status_code == 422
    assert not TrustedIssuer.objects.filter(name="GitHub").exists()


# --- API ---------------------------------------------------------------------------------------
API = {"admin_user": 200, "auditor": 403, "engineer": 403, "owner": 403, "outsider": 403}


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_issuer_api_is_for_admins(api_client, world, persona, request):
    api_client.force_authenticate(persona)
    who = persona_name(request, persona)
    assert api_client.get("/api/v1/runtime/issuers/").status_code == API[who]
    detail = api_client.get(f"/api/v1/runtime/issuers/{world['issuer'].pk}/")
    assert detail.status_code == API[who]


def test_issuer_api_anonymous(api_client, world):
    assert api_client.get("/api/v1/runtime/issuers/").status_code in (401, 403)


def test_issuer_api_create_and_validation(api_client, world, admin_user):
    api_client.force_authenticate(admin_user)
    body = {
        "platform": world["issuer"].platform.slug,
        "name": "SPIRE",
        "issuer": "https://spire.example.org",
        "audience": AUDIENCE,
        "jwks": {"keys": [issuer_key("okp").as_dict(private=False)]},
        "algorithms": ["Ed25519"],
        "subject_mapping": "spiffe",
    }
    response = api_client.post("/api/v1/runtime/issuers/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["algorithms"] == ["Ed25519"]
    dup = api_client.post("/api/v1/runtime/issuers/", body, format="json")
    assert dup.status_code == 400 and "issuer" in dup.json()
    bad = api_client.post(
        "/api/v1/runtime/issuers/", {**body, "issuer": "x", "algorithms": ["none"]}, format="json"
    )
    assert bad.status_code == 400 and "algorithms" in bad.json()
    missing = api_client.get("/api/v1/runtime/issuers/999999/")
    assert missing.status_code == 404
    patched = api_client.patch(
        f"/api/v1/runtime/issuers/{world['issuer'].pk}/", {"active": False}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["active"] is False


def test_panel_query_count_does_not_grow_with_tokens(
    client, world, admin_user, django_assert_max_num_queries
):
    client.force_login(admin_user)
    url = reverse("runtime:identity-panel", args=[world["mine"].pk])
    client.get(url)
    for _ in range(5):
        data = exchange_form(sign("rsa", k8s_claims()))
        client.post(reverse("runtime:token"), urlencode(data), content_type=FORM)
    with django_assert_max_num_queries(11):
        assert client.get(url).status_code == 200

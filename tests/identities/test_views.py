import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from identities.models import Credential, Identity
from tests.factories import CredentialFactory, IdentityFactory, PlatformFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(engineer):
    """An identity in the engineer's team (in scope) and one elsewhere (out of scope)."""
    team = TeamFactory(slug="payments", name="Payments", members=[engineer])
    mine = IdentityFactory(team=team, name="ledger-writer")
    theirs = IdentityFactory(name="growth-crawler")
    return {
        "mine": mine,
        "theirs": theirs,
        "cred_mine": CredentialFactory(identity=mine),
        "cred_theirs": CredentialFactory(identity=theirs),
    }


# persona → expected status for (in-scope object, out-of-scope object)
READ = {"admin_user": 200, "auditor": 200, "engineer": 200, "owner": 404, "outsider": 404}
READ_OUT = {"admin_user": 200, "auditor": 200, "engineer": 404, "owner": 404, "outsider": 404}
WRITE = {"admin_user": 200, "auditor": 403, "engineer": 200, "owner": 404, "outsider": 404}
WRITE_OUT = {"admin_user": 200, "auditor": 403, "engineer": 404, "owner": 404, "outsider": 404}
PAGES = [
    ("/identities/{mine}/", READ, "/identities/{theirs}/", READ_OUT),
    ("/identities/{mine}/timeline/", READ, "/identities/{theirs}/timeline/", READ_OUT),
    ("/identities/{mine}/history/", READ, "/identities/{theirs}/history/", READ_OUT),
    (
        "/identities/{mine}/credentials/new/",
        WRITE,
        "/identities/{theirs}/credentials/new/",
        WRITE_OUT,
    ),
    (
        "/identities/credentials/{cred_mine}/rotate/",
        WRITE,
        "/identities/credentials/{cred_theirs}/rotate/",
        WRITE_OUT,
    ),
    (
        "/identities/credentials/{cred_mine}/revoke/",
        WRITE,
        "/identities/credentials/{cred_theirs}/revoke/",
        WRITE_OUT,
    ),
]
PERSONAS = list(READ)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize(("url", "expected", "url_out", "expected_out"), PAGES)
def test_registry_page_permissions(
    client, world, persona, request, url, expected, url_out, expected_out
):
    ids = {k: v.pk for k, v in world.items()}
    client.force_login(persona)
    name = request.node.callspec.params["persona"]
    assert client.get(url.format(**ids)).status_code == expected[name]
    assert client.get(url_out.format(**ids)).status_code == expected_out[name]


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_list_shows_only_identities_in_scope(client, world, persona, request):
    client.force_login(persona)
    body = client.get("/identities/").content.decode()
    name = request.node.callspec.params["persona"]
    assert ("ledger-writer" in body) == (READ[name] == 200)
    assert ("growth-crawler" in body) == (READ_OUT[name] == 200)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin_user", 200), ("engineer", 200), ("auditor", 403), ("outsider", 403)],
    indirect=["persona"],
)
def test_onboarding_wizard_is_for_engineers_and_admins(client, persona, expected):
    client.force_login(persona)
    assert client.get("/approvals/onboard/").status_code == expected


def test_list_query_count_does_not_grow_with_rows(
    client, admin_user, django_assert_max_num_queries
):
    client.force_login(admin_user)
    IdentityFactory.create_batch(60)
    # session, user, groups, nav badges, inbox count, then count + page: not per row.
    with django_assert_max_num_queries(12):
        response = client.get("/identities/?ordering=-name&status=active")
    assert response.status_code == 200
    assert len(response.context["table"].page.object_list) == 50


def test_list_filter_choices_keep_the_selection_and_open_no_server_side_cursor(
    client, admin_user, world
):
    TeamFactory(slug="search", name="Search")
    IdentityFactory(team=world["mine"].team, ends_on=dt.date(2031, 2, 3))
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/identities/?team=payments").content.decode()
    assert not [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("DECLARE")]
    assert '<option value="payments" selected>Payments</option>' in body
    assert '<option value="search">Search</option>' in body
    assert ">2031-02-03</td>" in body


def test_list_filters_search_and_htmx_partial(client, admin_user, world):
    client.force_login(admin_user)
    response = client.get("/identities/?q=ledger-wr", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "ledger-writer" in body and "growth-crawler" not in body
    assert "<html" not in body  # the partial, not the page


def test_invalid_filter_shows_an_error_not_a_crash(client, admin_user, world):
    client.force_login(admin_user)
    response = client.get("/identities/?status=bogus")
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content


def test_csv_download_follows_the_current_filter(client, admin_user, world):
    IdentityFactory(name="=cmd|' /C calc'!A0", team=world["mine"].team)
    client.force_login(admin_user)
    response = client.get("/identities/?team=payments&format=csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {r["name"] for r in rows} == {"ledger-writer", "'=cmd|' /C calc'!A0"}


def test_detail_page_query_count_is_bounded(
    client, admin_user, world, django_assert_max_num_queries
):
    CredentialFactory.create_batch(10, identity=world["mine"])
    client.force_login(admin_user)
    with django_assert_max_num_queries(14):
        assert client.get(f"/identities/{world['mine'].pk}/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(f"/identities/{world['mine'].pk}/history/").status_code == 200


def test_record_credential_form_refuses_secret_value_and_keeps_input(client, engineer, world):
    client.force_login(engineer)
    url = f"/identities/{world['mine'].pk}/credentials/new/"
    before = Credential.objects.count()
    response = client.post(
        url,
        {
            "kind": "api_key",
            "label": "deploy",
            "fingerprint": "SHA256:x",
            "storage_location": "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        },
    )
    assert response.status_code == 400
    assert "looks like a GitHub token" in response.content.decode()
    assert b'value="deploy"' in response.content
    assert Credential.objects.count() == before


def test_record_credential_form_refuses_unknown_secret_field(client, engineer, world):
    client.force_login(engineer)
    url = f"/identities/{world['mine'].pk}/credentials/new/"
    response = client.post(url, {"kind": "api_key", "label": "deploy", "secret": "hunter2"})
    assert response.status_code == 400
    assert "secret: " in response.content.decode()


def test_record_rotate_and_revoke_through_the_pages(client, engineer, world):
    client.force_login(engineer)
    identity = world["mine"]
    response = client.post(
        f"/identities/{identity.pk}/credentials/new/",
        {
            "kind": "token",
            "label": "ci token",
            "last_chars": "ab12",
            "expires_at": "2099-01-01T00:00",
        },
    )
    assert response.status_code == 302
    cred = Credential.objects.get(label="ci token")
    assert (
        client.post(
            f"/identities/credentials/{cred.pk}/rotate/", {"fingerprint": "SHA256:new"}
        ).status_code
        == 302
    )
    new = Credential.objects.get(replaces=cred)
    assert (
        client.post(f"/identities/credentials/{new.pk}/revoke/", {"reason": ""}).status_code == 400
    )
    assert (
        client.post(
            f"/identities/credentials/{new.pk}/revoke/", {"reason": "no longer needed"}
        ).status_code
        == 302
    )
    new.refresh_from_db()
    assert new.status == "revoked"


def test_onboarding_wizard_creates_pending_identity_and_its_request(client, engineer, governed):
    team = TeamFactory(slug="payments", members=[engineer])
    platform = PlatformFactory()
    client.force_login(engineer)
    url = "/approvals/onboard/"
    steps = [
        (
            "identity",
            {
                "name": "refund-bot",
                "kind": "bot",
                "team": team.pk,
                "platform": platform.pk,
                "external_id": "payments/refund-bot",
                "environment": "production",
            },
        ),
        (
            "purpose",
            {"purpose": "Issues refunds under 50 EUR.", "risk_tier": "high", "ends_on": ""},
        ),
        ("entitlements", {"entitlements": "refunds:write\nrefunds:read"}),
        ("review", {"confirm": "on"}),
    ]
    for step, data in steps:
        payload = {f"{step}-{k}": v for k, v in data.items()}
        payload["onboarding_wizard-current_step"] = step
        response = client.post(url, payload)
        assert response.status_code in (200, 302), response.content
    identity = Identity.objects.get(external_id="payments/refund-bot")
    assert identity.status == "pending"
    assert identity.entitlements == ["refunds:write", "refunds:read"]
    request = identity.requests.get()
    assert (request.kind, request.status, request.requester) == ("onboarding", "pending", engineer)
    assert response["Location"] == f"/identities/{identity.pk}/"


def test_onboarding_wizard_refuses_a_team_the_engineer_is_not_in(client, engineer):
    other = TeamFactory()
    client.force_login(engineer)
    response = client.post(
        "/approvals/onboard/",
        {
            "onboarding_wizard-current_step": "identity",
            "identity-name": "x",
            "identity-kind": "bot",
            "identity-team": other.pk,
            "identity-platform": PlatformFactory().pk,
            "identity-external_id": "x",
            "identity-environment": "test",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Identity.objects.exists()


def test_dashboard_panel_counts_in_scope(client, engineer, world):
    client.force_login(engineer)
    response = client.get("/identities/panels/dashboard/")
    assert response.context["counts"]["total"] == 1


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin_user", 200), ("engineer", 200), ("auditor", 403), ("owner", 404), ("outsider", 404)],
    indirect=["persona"],
)
def test_edit_page_permissions(client, world, persona, expected):
    client.force_login(persona)
    assert client.get(f"/identities/{world['mine'].pk}/edit/").status_code == expected


def test_edit_records_changes_with_the_reason_and_refuses_secrets(client, engineer, world):
    identity = world["mine"]
    client.force_login(engineer)
    data = {
        "name": identity.name,
        "kind": identity.kind,
        "environment": identity.environment,
        "risk_tier": identity.risk_tier,
        "purpose": "Writes ledger entries.",
        "entitlements": "\n".join(identity.entitlements),
        "ends_on": "",
        "reason": "purpose clarified",
    }
    bad = {**data, "purpose": "key ghp_abcdefghijklmnopqrstuvwxyz0123456789"}
    assert client.post(f"/identities/{identity.pk}/edit/", bad).status_code == 400
    assert client.post(f"/identities/{identity.pk}/edit/", data).status_code == 302
    identity.refresh_from_db()
    assert identity.purpose == "Writes ledger entries."
    assert identity.history.first().history_change_reason == "purpose clarified"

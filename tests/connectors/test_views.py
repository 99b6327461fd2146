"""Every connectors page, panel and endpoint, for each persona, in and out of scope."""

import pytest
from django.urls import reverse

from connectors.choices import JobStatus
from connectors.models import PlatformConnector, RevocationJob
from identities.credentials import credential_revoke
from tests.conftest import PERSONAS, persona_name
from tests.factories import CredentialFactory, IdentityFactory, PlatformFactory, TeamFactory

pytestmark = pytest.mark.django_db

READERS = {"admin_user": 200, "auditor": 200, "engineer": 403, "owner": 403, "outsider": 403}
ADMIN_POST = {"admin_user": 302, "auditor": 403, "engineer": 403, "owner": 403, "outsider": 403}
# identity panel: scoped like the identity (the engineer's team owns `mine`)
IN_SCOPE = {"admin_user": 200, "auditor": 200, "engineer": 200, "owner": 404, "outsider": 404}
OUT_OF_SCOPE = {"admin_user": 200, "auditor": 200, "engineer": 404, "owner": 404, "outsider": 404}
EVERYONE = dict.fromkeys(PERSONAS, 200)
API_READ = {"admin_user": 200, "auditor": 200, "engineer": 404, "owner": 404, "outsider": 404}
API_LIST = EVERYONE  # scoped: others see an empty list


@pytest.fixture
def world(engineer, admin_user):
    team = TeamFactory(members=[engineer])
    platform = PlatformFactory(slug="aws-x", kind="aws")
    connector = PlatformConnector.objects.create(
        platform=platform, kind="aws_iam", configured_by=admin_user, team=team,
        endpoint_url="http://127.0.0.1:9",
    )  # fmt: skip
    mine = IdentityFactory(team=team, platform=platform)
    other = IdentityFactory(platform=platform)
    credential = CredentialFactory(identity=other, kind="access_key")
    credential_revoke(actor=admin_user, credential=credential, reason="x")
    job = RevocationJob.objects.create(
        connector=connector, credential=credential, identity=other,
        reason="credential_revoked", status=JobStatus.FAILED,
    )  # fmt: skip
    return {"platform": platform, "mine": mine, "other": other, "job": job}


PAGES = [
    ("platforms", "get", lambda w: reverse("connectors:platforms"), READERS),
    ("platform", "get", lambda w: reverse("connectors:platform", args=[w["platform"].pk]), READERS),
    ("sync", "post", lambda w: reverse("connectors:sync", args=[w["platform"].pk]), ADMIN_POST),
    ("retry", "post", lambda w: reverse("connectors:retry", args=[w["job"].pk]), ADMIN_POST),
    (
        "identity-panel-in",
        "get",
        lambda w: reverse("connectors:identity-panel", args=[w["mine"].pk]),
        IN_SCOPE,
    ),
    (
        "identity-panel-out",
        "get",
        lambda w: reverse("connectors:identity-panel", args=[w["other"].pk]),
        OUT_OF_SCOPE,
    ),
    ("dashboard-panel", "get", lambda w: reverse("connectors:dashboard-panel"), EVERYONE),
]


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize(("name", "method", "url", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_pages(
    client, world, persona, request, name, method, url, expected, django_capture_on_commit_callbacks
):
    client.force_login(persona)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.get(url(world)) if method == "get" else client.post(url(world))
    assert response.status_code == expected[persona_name(request, persona)], name


@pytest.mark.parametrize(("name", "method", "url", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_pages_anonymous_redirects_to_login(client, world, name, method, url, expected):
    response = client.get(url(world)) if method == "get" else client.post(url(world))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


API = [
    ("list", lambda w: "/api/v1/revocations/", API_LIST),
    ("detail", lambda w: f"/api/v1/revocations/{w['job'].pk}/", API_READ),
]


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize(("name", "url", "expected"), API, ids=[a[0] for a in API])
def test_api(api_client, world, persona, request, name, url, expected):
    api_client.force_authenticate(persona)
    response = api_client.get(url(world))
    who = persona_name(request, persona)
    assert response.status_code == expected[who], name
    if name == "list":
        seen = [r["id"] for r in response.json()["results"]]
        assert seen == ([world["job"].pk] if who in ("admin_user", "auditor") else [])


def test_retry_sends_a_failed_job_round_again(client, world, admin_user):
    client.force_login(admin_user)
    client.post(reverse("connectors:retry", args=[world["job"].pk]))
    assert RevocationJob.objects.get().status == JobStatus.PENDING


def test_platform_page_shows_connector_status_and_failed_jobs(client, world, auditor):
    client.force_login(auditor)
    page = client.get(reverse("connectors:platform", args=[world["platform"].pk])).content.decode()
    assert "Failed (gave up retrying)" in page and world["other"].name in page
    assert "Last sync" in page and "never" in page
    assert "Sync now" not in page  # auditors read, never act


def test_identity_panel_shows_state_at_the_source_beside_steward(client, world, admin_user):
    client.force_login(admin_user)
    url = reverse("connectors:identity-panel", args=[world["other"].pk])
    page = client.get(url).content.decode()
    assert "Revoked" in page and "Failed (gave up retrying)" in page


def test_platform_list_query_count(client, world, admin_user, django_assert_max_num_queries):
    client.force_login(admin_user)
    for i in range(5):
        PlatformFactory(slug=f"p-{i}")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("connectors:platforms")).status_code == 200


# --- the admin configures connectors -------------------------------------------------------
@pytest.fixture
def superuser_client(client, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    return client


def connector_form(platform, **extra):
    return {
        "platform": platform.pk, "kind": "aws_iam", "enabled": "on", "region": "us-east-1",
        "endpoint_url": "", "credentials_env": "AWS_PROD", "aws_profile": "",
        "sync_interval_minutes": 60, "delete_after_days": "", **extra,
    }  # fmt: skip


def test_admin_configures_a_connector_by_naming_its_credentials(superuser_client, admin_user):
    platform = PlatformFactory(slug="aws-new", kind="aws")
    response = superuser_client.post(
        "/admin/connectors/platformconnector/add/", connector_form(platform)
    )
    assert response.status_code == 302, response.content
    connector = PlatformConnector.objects.get(platform=platform)
    assert connector.configured_by == admin_user and connector.credentials_env == "AWS_PROD"


@pytest.mark.parametrize(
    "bad",
    [
        {"credentials_env": "AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
        {"aws_profile": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
        {"kind": "aws_iam", "platform_kind": "kubernetes"},
    ],
)
def test_admin_refuses_keys_in_the_database_and_the_wrong_platform(superuser_client, bad):
    bad = dict(bad)
    platform = PlatformFactory(slug="p-bad", kind=bad.pop("platform_kind", "aws"))
    response = superuser_client.post(
        "/admin/connectors/platformconnector/add/", connector_form(platform, **bad)
    )
    assert response.status_code == 200  # the form again, with the error
    assert not PlatformConnector.objects.exists()


def test_revocation_jobs_are_read_only_in_admin(superuser_client, world):
    assert superuser_client.get("/admin/connectors/revocationjob/add/").status_code == 403
    url = f"/admin/connectors/revocationjob/{world['job'].pk}/delete/"
    assert superuser_client.post(url, {"post": "yes"}).status_code == 403
    assert RevocationJob.objects.filter(pk=world["job"].pk).exists()


def test_identity_page_loads_the_state_at_the_source_panel(client, world, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("identities:detail", args=[world["other"].pk])).content.decode()
    assert reverse("connectors:identity-panel", args=[world["other"].pk]) in page


def test_platform_page_query_count(client, world, admin_user, django_assert_max_num_queries):
    client.force_login(admin_user)
    url = reverse("connectors:platform", args=[world["platform"].pk])
    for _ in range(5):
        other = IdentityFactory(platform=world["platform"])
        credential = CredentialFactory(identity=other, kind="access_key", status="revoked")
        RevocationJob.objects.create(
            connector=world["job"].connector, credential=credential, identity=other,
            reason="credential_revoked",
        )  # fmt: skip
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200

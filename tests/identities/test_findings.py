"""Findings (issue 15.11): an IAM user with a console password is flagged on its identity —
visible, filterable, resolved with a reason by an owner or an admin — not just in a preview."""

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from identities.findings import finding_resolve
from identities.importers.apply import apply_import
from identities.importers.services import import_preview
from identities.models import Identity, IdentityFinding
from tests.factories import IdentityFactory
from tests.identities.test_api_permissions import grant

SAMPLES = Path(__file__).parent / "samples"
LEGACY_ARN = "arn:aws:iam::123456789012:user/legacy-backup"
pytestmark = pytest.mark.django_db


def import_report(actor, team, aws, content=None):
    content = content or (SAMPLES / "aws_credential_report.csv").read_text()
    plan = import_preview(actor=actor, format="aws", content=content, team=team, platform=aws)
    return plan, apply_import(actor=actor, plan=plan)


@pytest.fixture
def flagged(admin_user, team, aws):
    import_report(admin_user, team, aws)
    return IdentityFinding.objects.get()


def test_console_user_is_imported_with_an_open_finding(admin_user, team, aws):
    plan, written = import_report(admin_user, team, aws)
    legacy = next(r for r in plan.rows if r.name == "legacy-backup")
    assert list(legacy.findings) == ["console_access"]
    assert written["findings"] == 1
    finding = IdentityFinding.objects.get()
    assert finding.identity.external_id == LEGACY_ARN and finding.is_open
    assert "console password" in finding.detail and "(no MFA)" in finding.detail
    assert (finding.source, finding.raised_by) == ("import:aws", admin_user)
    record = finding.history.get()
    assert record.history_user == admin_user and record.history_change_reason == (
        "raised by import:aws"
    )
    # Users without a console password carry no finding.
    assert not Identity.objects.get(name="ci-deployer").findings.exists()


def test_an_already_registered_console_user_is_flagged_on_reimport(admin_user, team, aws):
    IdentityFactory(
        name="legacy-backup", external_id=LEGACY_ARN, team=team, platform=aws, status="active"
    )
    plan, written = import_report(admin_user, team, aws)
    legacy = next(r for r in plan.rows if r.name == "legacy-backup")
    assert legacy.action == "update" and legacy.changes == {}
    assert written["findings"] == 1 and IdentityFinding.objects.get().is_open


def test_a_resolved_finding_is_not_raised_again(admin_user, team, aws, flagged):
    finding_resolve(actor=admin_user, finding=flagged, reason="Break-glass user, MFA enrolled.")
    plan, written = import_report(admin_user, team, aws)
    assert plan.counts["unchanged"] == 3 and plan.counts["findings"] == 0
    assert written["findings"] == 0 and IdentityFinding.objects.count() == 1


def test_registry_filters_identities_with_open_findings(client, api_client, admin_user, flagged):
    client.force_login(admin_user)
    page = client.get("/identities/?open_findings=true")
    assert [r.record.name for r in page.context["table"].page.object_list] == ["legacy-backup"]
    others = client.get("/identities/?open_findings=false").context["table"].page.object_list
    assert {r.record.name for r in others} == {"ci-deployer", "billing-export"}
    api_client.force_authenticate(admin_user)
    body = api_client.get("/api/v1/identities/?open_findings=true").json()
    assert [i["name"] for i in body["results"]] == ["legacy-backup"]
    finding_resolve(actor=admin_user, finding=flagged, reason="Password removed in IAM.")
    assert not client.get("/identities/?open_findings=true").context["table"].page.object_list


def test_identity_page_shows_the_finding_and_who_may_resolve_it(
    client, admin_user, auditor, flagged
):
    url = reverse("identities:detail", args=[flagged.identity_id])
    resolve = reverse("identities:finding-resolve", args=[flagged.identity_id, flagged.pk])
    client.force_login(admin_user)
    body = client.get(url).content.decode()
    assert "Console sign-in: a human may be using it" in body and "1 open" in body
    assert resolve in body
    client.force_login(auditor)
    body = client.get(url).content.decode()
    assert "Console sign-in" in body and resolve not in body


@pytest.mark.parametrize(
    ("persona", "get", "post"),
    [
        ("admin_user", 200, 302),
        ("owner", 200, 302),  # holds the identity's A/R object permission
        ("engineer", 403, 403),  # of the identity's team, but not its owner
        ("auditor", 403, 403),
        ("outsider", 404, 404),
    ],
    indirect=["persona"],
)
def test_resolve_page_is_for_owners_and_admins(client, persona, get, post, flagged, owner):
    grant(owner, flagged.identity, "view_identity", "change_identity")
    url = reverse("identities:finding-resolve", args=[flagged.identity_id, flagged.pk])
    client.force_login(persona)
    assert client.get(url).status_code == get
    assert client.post(url, {"reason": "Console password removed."}).status_code == post
    flagged.refresh_from_db()
    assert flagged.is_open == (post != 302)
    if post == 302:
        assert (flagged.resolved_by, flagged.resolution) == (persona, "Console password removed.")
        assert flagged.history.count() == 2


def test_a_finding_of_another_identity_is_404(client, admin_user, team, aws, flagged):
    other = IdentityFactory(team=team, platform=aws)
    client.force_login(admin_user)
    url = reverse("identities:finding-resolve", args=[other.pk, flagged.pk])
    assert client.get(url).status_code == 404


def test_resolving_needs_a_reason_without_secrets_and_happens_once(client, admin_user, flagged):
    url = reverse("identities:finding-resolve", args=[flagged.identity_id, flagged.pk])
    client.force_login(admin_user)
    assert client.post(url, {"reason": "  "}).status_code == 400
    token = "ghp_" + "a1B2c3D4e5" * 4
    response = client.post(url, {"reason": f"rotated, new one is {token}"})
    assert response.status_code == 400 and "secret" in response.content.decode()
    flagged.refresh_from_db()
    assert flagged.is_open and token not in flagged.resolution
    assert client.post(url, {"reason": "Password removed."}).status_code == 302
    response = client.post(url, {"reason": "Again."})
    assert response.status_code == 400 and "already resolved" in response.content.decode()


def test_the_service_refuses_engineers_who_do_not_own_it(engineer, flagged):
    with pytest.raises(PermissionDenied):
        finding_resolve(actor=engineer, finding=flagged, reason="Looks fine to me.")
    with pytest.raises(ValidationError):
        finding_resolve(actor=engineer, finding=flagged, reason="")
    flagged.refresh_from_db()
    assert flagged.is_open

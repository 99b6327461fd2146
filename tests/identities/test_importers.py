"""Importers: each format's sample, a malformed file, a re-import and a secret value."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from identities.importers.apply import apply_import
from identities.importers.services import import_preview
from identities.models import Credential, Identity, LifecycleEvent
from tests.factories import IdentityFactory, PlatformFactory, TeamFactory

SAMPLES = Path(__file__).parent / "samples"
pytestmark = pytest.mark.django_db


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def written() -> tuple[int, int, int]:
    return Identity.objects.count(), Credential.objects.count(), LifecycleEvent.objects.count()


@pytest.fixture
def cluster(team):
    return PlatformFactory(slug="eks-prod", name="EKS prod", kind="kubernetes", owning_team=team)


def preview(actor, fmt, content, **kwargs):
    return import_preview(actor=actor, format=fmt, content=content, **kwargs)


def run(actor, fmt, content, **kwargs):
    plan = preview(actor, fmt, content, **kwargs)
    return plan, apply_import(actor=actor, plan=plan)


# --- Steward CSV ------------------------------------------------------------------------
def test_steward_csv_sample_plans_and_applies(admin_user, team, cluster):
    plan, result = run(
        admin_user, "steward-csv", sample("steward.csv"), team=team, platform=cluster
    )
    assert plan.counts["create"] == 3 and not plan.has_errors
    assert result == {"create": 3, "update": 0, "credentials": 0, "findings": 0}
    bot = Identity.objects.get(external_id="reports/report-bot")
    assert (bot.kind, bot.status, bot.environment, str(bot.ends_on)) == (
        "bot",
        "active",
        "staging",
        "2099-12-31",
    )
    api = Identity.objects.get(external_id="payments/payments-api")
    assert api.entitlements == ["ledger:write", "cards:charge"]
    assert api.history.first().history_change_reason.startswith("registered via import:steward-csv")
    assert set(api.events.values_list("kind", flat=True)) == {"onboarded", "imported"}


def test_apply_rechecks_every_value_answering_those_the_preview_saw(
    admin_user, team, cluster, monkeypatch
):
    """The identity build checks each value for secrets again; a value the preview already
    checked (the same text) is answered from the plan's memo, any other is computed."""
    from core import secrets

    plan = preview(admin_user, "steward-csv", sample("steward.csv"), team=team, platform=cluster)
    computed = []
    compute = secrets._secret_reason
    monkeypatch.setattr(
        secrets, "_secret_reason", lambda v, free: computed.append(v) or compute(v, free)
    )
    seen = {value for value, _ in plan.secret_memo}
    token = "ghp_" + "a1B2c3D4e5" * 4
    plan.rows[-1].fields["purpose"] = f"Deploys with {token}"  # changed since the preview
    with pytest.raises(ValidationError, match=r"looks like .* Nothing was written"):
        apply_import(actor=admin_user, plan=plan)
    assert f"Deploys with {token}" in computed
    # Names, external ids, purposes as given: answered from the preview's checks. (A list
    # cell such as entitlements is checked item by item: other text, computed.)
    assert seen and not seen & set(computed)
    assert written() == (0, 0, 0)


def test_steward_csv_reimport_is_unchanged_and_writes_nothing(admin_user, team, cluster):
    run(admin_user, "steward-csv", sample("steward.csv"), team=team, platform=cluster)
    before = written()
    plan, result = run(
        admin_user, "steward-csv", sample("steward.csv"), team=team, platform=cluster
    )
    assert plan.counts["unchanged"] == 3 and plan.counts["create"] == 0
    assert result == {"create": 0, "update": 0, "credentials": 0, "findings": 0}
    assert written() == before


def test_steward_csv_changed_field_is_an_update(admin_user, team, cluster):
    run(admin_user, "steward-csv", sample("steward.csv"), team=team, platform=cluster)
    changed = sample("steward.csv").replace("Builds the weekly", "Builds the daily")
    plan, result = run(admin_user, "steward-csv", changed, team=team, platform=cluster)
    row = next(r for r in plan.rows if r.action == "update")
    assert row.changes == {
        "purpose": {
            "from": "Builds the weekly finance report.",
            "to": "Builds the daily finance report.",
        }
    }
    assert result["update"] == 1
    assert Identity.objects.get(external_id="reports/report-bot").purpose.startswith("Builds the d")
    assert Identity.objects.count() == 3


def test_steward_csv_malformed_rows_have_errors_and_nothing_is_written(admin_user, team, cluster):
    content = (
        "name,kind,external_id,environment,purpose,risk_tier,ends_on\n"
        "ok-one,bot,ns/ok-one,production,Fine.,low,\n"
        "bad-kind,robot,ns/bad-kind,production,Kind is wrong.,low,\n"
        "bad-date,bot,ns/bad-date,production,Date is wrong.,low,31/12/2099\n"
        "past,bot,ns/past,production,Ended already.,low,2001-01-01\n"
        "no-purpose,bot,ns/no-purpose,production,,low,\n"
        "dup,bot,ns/ok-one,production,Same id again.,low,\n"
    )
    before = written()
    plan = preview(admin_user, "steward-csv", content, team=team, platform=cluster)
    assert plan.counts["create"] == 1 and plan.counts["error"] == 5
    errors = plan.errors
    assert "kind: 'robot' is not one of" in errors["line 3"][0]
    assert "ends_on: '31/12/2099' is not a date" in errors["line 4"][0]
    assert errors["line 5"] == ["ends_on: the end date must be in the future."]
    assert errors["line 6"] == ["purpose: required for a new identity."]
    assert "also in line 2" in errors["line 7"][0]
    with pytest.raises(ValidationError, match="5 row"):
        apply_import(actor=admin_user, plan=plan)
    assert written() == before


def test_steward_csv_unknown_or_missing_columns_refuse_the_file(admin_user, team, cluster):
    with pytest.raises(ValidationError, match=r"Unknown column.*notes"):
        preview(admin_user, "steward-csv", "name,kind,external_id,notes\n", team=team)
    with pytest.raises(ValidationError, match=r"Missing column.*external_id"):
        preview(admin_user, "steward-csv", "name,kind\nx,bot\n", team=team)


def test_steward_csv_secret_column_is_refused_naming_it(admin_user, team, cluster):
    content = "name,kind,external_id,token\nx,bot,ns/x,abc\n"
    with pytest.raises(ValidationError, match="token would carry secret values"):
        preview(admin_user, "steward-csv", content, team=team, platform=cluster)
    content = sample("steward.csv").replace(
        "Charges cards for checkout.", "key sk_live_4eC39HqLyjWDarjtT1zdp7dc"
    )
    plan = preview(admin_user, "steward-csv", content, team=team, platform=cluster)
    assert plan.errors["line 2"][0].startswith("purpose: This value looks like a Stripe key")
    assert Identity.objects.count() == 0


def test_engineer_cannot_import_rows_into_a_team_not_theirs(engineer, team, cluster):
    TeamFactory(slug="other")
    content = sample("steward.csv").replace(",,,production", ",,other,production", 1)
    plan = preview(engineer, "steward-csv", content, team=team, platform=cluster)
    assert plan.errors["line 2"] == [
        "new identity: only admins import new identities; onboard it through the wizard "
        "or POST /api/v1/identities/ so its owner approves it."
    ]  # and nothing an engineer imports registers an identity around approval


def test_engineer_cannot_update_another_teams_identity(engineer, team, cluster):
    IdentityFactory(platform=cluster, external_id="payments/payments-api", name="payments-api")
    plan = preview(engineer, "steward-csv", sample("steward.csv"), team=team, platform=cluster)
    assert "you can update only your teams' identities" in plan.errors["line 2"][0]


# --- Steward JSON -----------------------------------------------------------------------
def test_steward_json_sample_with_credentials_and_reimport(admin_user, team, cluster):
    plan, result = run(
        admin_user, "steward-json", sample("steward.json"), team=team, platform=cluster
    )
    assert plan.counts["create"] == 2 and result["credentials"] == 1
    cred = Credential.objects.get()
    assert (cred.key_id, cred.kind, cred.last_chars) == ("rk-payments-1", "api_key", "x9Q2")
    before = written()
    plan, result = run(
        admin_user, "steward-json", sample("steward.json"), team=team, platform=cluster
    )
    assert plan.counts["unchanged"] == 2 and result["credentials"] == 0
    assert written() == before


def test_steward_json_malformed_items_have_errors(admin_user, team, cluster):
    content = json.dumps(
        [
            {"name": "a", "kind": "bot", "external_id": "x/a", "environment": "prod"},
            {"name": "b", "kind": "bot", "environment": "production", "purpose": "p"},
            {
                "name": "c",
                "kind": "bot",
                "external_id": "x/c",
                "environment": "production",
                "purpose": "p",
                "entitlements": [1, 2],
            },
        ]
    )
    before = written()
    plan = preview(admin_user, "steward-json", content, team=team, platform=cluster)
    assert plan.counts["error"] == 3
    assert "environment: 'prod' is not one of" in plan.errors["item 1"][0]
    assert plan.errors["item 2"] == ["external_id: required."]
    assert plan.errors["item 3"][0].startswith("entitlements:")
    with pytest.raises(ValidationError, match="Not valid JSON"):
        preview(admin_user, "steward-json", "{oops", team=team, platform=cluster)
    assert written() == before


def test_steward_json_secret_key_is_refused_naming_the_field(admin_user, team, cluster):
    items = json.loads(sample("steward.json"))["identities"]
    items[1]["secret"] = "hunter2"
    items[0]["credentials"][0]["value"] = "abc"
    plan = preview(admin_user, "steward-json", json.dumps(items), team=team, platform=cluster)
    assert plan.errors["item 2"][0].startswith("secret: 'secret' would carry a secret value")
    assert plan.errors["item 1"][0].startswith("credentials[0].value: 'value' would carry")
    with pytest.raises(ValidationError):
        apply_import(actor=admin_user, plan=plan)
    assert written() == (0, 0, 0)


# --- AWS credential report --------------------------------------------------------------
def test_aws_report_sample_creates_identities_and_key_metadata(admin_user, team, aws):
    plan, result = run(
        admin_user, "aws", sample("aws_credential_report.csv"), team=team, platform=aws
    )
    assert plan.counts == {
        "create": 3,
        "update": 0,
        "unchanged": 0,
        "skipped": 1,
        "error": 0,
        "credentials": 3,
        "findings": 1,
    }
    assert result == {"create": 3, "update": 0, "credentials": 3, "findings": 1}
    billing = Identity.objects.get(external_id="arn:aws:iam::123456789012:user/billing-export")
    assert (billing.kind, billing.status, billing.team) == ("service_account", "active", team)
    keys = {c.key_id: c.issued_at.isoformat() for c in billing.credentials.all()}
    assert keys == {
        "access_key_1": "2024-11-05T08:30:00+00:00",
        "access_key_2": "2025-03-01T08:30:00+00:00",
    }
    legacy = next(r for r in plan.rows if r.name == "legacy-backup")
    assert legacy.credentials == []  # inactive key skipped
    assert any("human may be using" in w for w in legacy.warnings)
    root = next(r for r in plan.rows if r.action == "skipped")
    assert "root account" in root.warnings[0]


def test_aws_report_reimport_is_unchanged_and_rotation_is_recorded(admin_user, team, aws):
    run(admin_user, "aws", sample("aws_credential_report.csv"), team=team, platform=aws)
    before = written()
    plan, _ = run(admin_user, "aws", sample("aws_credential_report.csv"), team=team, platform=aws)
    assert plan.counts["unchanged"] == 3 and written() == before
    rotated = sample("aws_credential_report.csv").replace(
        "true,2025-01-20T11:00:00+00:00", "true,2025-06-20T11:00:00+00:00"
    )
    plan, result = run(admin_user, "aws", rotated, team=team, platform=aws)
    assert plan.counts["update"] == 1 and result["credentials"] == 1
    keys = Credential.objects.filter(identity__name="ci-deployer", key_id="access_key_1")
    assert sorted(keys.values_list("status", flat=True)) == ["active", "rotated"]
    assert Identity.objects.count() == 3


def test_aws_report_malformed_lines_have_errors(admin_user, team, aws):
    lines = sample("aws_credential_report.csv").splitlines()
    lines[2] = lines[2].replace("2021-06-10T09:15:00+00:00", "last tuesday")
    lines[3] = lines[3].replace("arn:aws:iam::123456789012:user/billing-export", "billing")
    before = written()
    plan = preview(admin_user, "aws", "\n".join(lines), team=team, platform=aws)
    assert plan.errors == {
        "line 3": ["user_creation_time: 'last tuesday' is not an ISO 8601 time."],
        "line 4": ["arn: 'billing' is not an ARN."],
    }
    with pytest.raises(ValidationError, match="Not an IAM credential report"):
        preview(admin_user, "aws", "name,kind\n", team=team, platform=aws)
    assert written() == before


def test_aws_report_secret_key_shape_is_refused_naming_the_field(admin_user, team, aws):
    content = sample("aws_credential_report.csv").replace(
        "eu-west-1,s3,false", "eu-west-1,wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY,false", 1
    )
    plan = preview(admin_user, "aws", content, team=team, platform=aws)
    assert plan.errors["line 3"][0].startswith(
        "access_key_1_last_used_service: This value looks like an AWS secret access key"
    )
    with pytest.raises(ValidationError):
        apply_import(actor=admin_user, plan=plan)
    assert written() == (0, 0, 0)


def test_aws_import_needs_an_aws_platform(admin_user, team, cluster):
    with pytest.raises(ValidationError, match="needs a AWS account platform"):
        preview(admin_user, "aws", sample("aws_credential_report.csv"), team=team, platform=cluster)


# --- Kubernetes -------------------------------------------------------------------------
def test_k8s_sample_creates_workloads_skipping_default(admin_user, team, cluster):
    plan, result = run(
        admin_user, "k8s", sample("k8s_serviceaccounts.json"), team=team, platform=cluster
    )
    assert (plan.counts["create"], plan.counts["skipped"]) == (2, 1)
    api = Identity.objects.get(external_id="payments/payments-api")
    assert (api.kind, api.purpose) == ("workload", "Runs the payments API pods.")
    assert api.entitlements == ["aws-iam-role:arn:aws:iam::123456789012:role/payments-api"]
    token = api.credentials.get()
    assert (token.key_id, token.storage_location) == (
        "secret/payments-api-token-x7k2p",
        "Kubernetes secret payments/payments-api-token-x7k2p",
    )
    prom = Identity.objects.get(external_id="monitoring/prometheus")
    assert prom.purpose == "Kubernetes service account in monitoring"
    assert result["credentials"] == 1


def test_k8s_default_accounts_are_imported_when_asked(admin_user, team, cluster):
    plan = preview(
        admin_user,
        "k8s",
        sample("k8s_serviceaccounts.json"),
        team=team,
        platform=cluster,
        options={"include_default": True},
    )
    assert plan.counts["create"] == 3


def test_k8s_reimport_is_unchanged(admin_user, team, cluster):
    run(admin_user, "k8s", sample("k8s_serviceaccounts.json"), team=team, platform=cluster)
    before = written()
    plan, _ = run(
        admin_user, "k8s", sample("k8s_serviceaccounts.json"), team=team, platform=cluster
    )
    assert plan.counts["unchanged"] == 2 and written() == before


def test_k8s_malformed_items_have_errors(admin_user, team, cluster):
    data = json.loads(sample("k8s_serviceaccounts.json"))
    del data["items"][1]["metadata"]["namespace"]
    data["items"][2]["metadata"]["creationTimestamp"] = "yesterday"
    before = written()
    plan = preview(admin_user, "k8s", json.dumps(data), team=team, platform=cluster)
    assert plan.counts["error"] == 2
    assert (
        "metadata.name and metadata.namespace are required."
        in plan.errors["item 2 (?/payments-api)"]
    )
    assert plan.errors["item 3 (monitoring/prometheus)"] == [
        "metadata.creationTimestamp: not an ISO 8601 time."
    ]
    with pytest.raises(ValidationError, match="no 'items' list"):
        preview(admin_user, "k8s", '{"kind": "PodList"}', team=team, platform=cluster)
    assert written() == before


def test_k8s_annotation_holding_a_token_is_refused_naming_it(admin_user, team, cluster):
    data = json.loads(sample("k8s_serviceaccounts.json"))
    data["items"][2]["metadata"]["annotations"] = {
        "ci.example.com/github": "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    }
    plan = preview(admin_user, "k8s", json.dumps(data), team=team, platform=cluster)
    (message,) = plan.errors["item 3 (monitoring/prometheus)"]
    assert message.startswith(
        "metadata.annotations['ci.example.com/github']: This value looks like a GitHub token"
    )
    with pytest.raises(ValidationError):
        apply_import(actor=admin_user, plan=plan)
    assert written() == (0, 0, 0)


# --- query counts -----------------------------------------------------------------------
def test_planning_does_not_query_per_row(admin_user, team, cluster, django_assert_max_num_queries):
    for n in range(30):
        IdentityFactory(platform=cluster, team=team, external_id=f"ns/svc-{n}", name=f"svc-{n}")
    items = [
        {
            "name": f"svc-{n}",
            "kind": "bot",
            "external_id": f"ns/svc-{n}",
            "environment": "production",
            "purpose": "p",
        }
        for n in range(60)
    ]
    from identities.importers.base import plan_import
    from identities.importers.services import read_rows

    rows = read_rows(format="steward-json", content=json.dumps(items), options={})
    with django_assert_max_num_queries(6):
        plan = plan_import(
            actor=admin_user, rows=rows, format="steward-json", team=team, platform=cluster
        )
    assert plan.counts["create"] == 30 and plan.counts["update"] == 30


def test_apply_query_count_is_bounded_per_row(
    admin_user, team, cluster, django_assert_max_num_queries
):
    items = [
        {
            "name": f"svc-{n}",
            "kind": "bot",
            "external_id": f"ns/svc-{n}",
            "environment": "production",
            "purpose": "p",
        }
        for n in range(20)
    ]
    plan = preview(admin_user, "steward-json", json.dumps(items), team=team, platform=cluster)
    # Per row: the registry services (~10) and governance's permission sync for the new
    # identity (~5). Linear in rows by design (history + events per identity), never worse.
    with django_assert_max_num_queries(10 + 20 * 28):  # + evidence ledger: ~4 per chained row
        apply_import(actor=admin_user, plan=plan)
    assert Identity.objects.count() == 20

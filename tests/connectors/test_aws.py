"""AWS IAM discovery against moto's server mode: a sync and a credential-report upload of
the same account produce the same registry; people and root are flagged, not imported."""

import time

import boto3
import pytest

from connectors.models import SourceCredential
from connectors.sync import connector_sync
from identities.importers.apply import apply_import
from identities.importers.services import import_preview
from identities.models import Credential, Identity
from tests.factories import PlatformFactory

pytestmark = pytest.mark.django_db


def make_user(iam, name, keys=1, path="/"):
    iam.create_user(UserName=name, Path=path)
    return [iam.create_access_key(UserName=name)["AccessKey"] for _ in range(keys)]


def use_key(moto, key, region="eu-west-1"):
    boto3.client(
        "s3",
        endpoint_url=moto.url,
        region_name=region,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    ).list_buckets()


def registry(platform):
    identities = {
        (i.name, i.external_id, i.kind, i.status, i.team_id)
        for i in Identity.objects.filter(platform=platform)
    }
    credentials = {
        (c.identity.name, c.key_id, c.kind, c.issued_at, c.status, c.label)
        for c in Credential.objects.filter(identity__platform=platform).select_related("identity")
    }
    return identities, credentials


def test_sync_imports_users_and_keys_with_their_last_use(aws_connector, moto, aws_team):
    iam = moto.iam()
    keys = make_user(iam, "ci-deployer", keys=2, path="/ci/")
    use_key(moto, keys[0])
    make_user(iam, "billing-export", keys=0)
    run = connector_sync(connector=aws_connector)
    assert run.ok, run.error
    deployer = Identity.objects.get(platform=aws_connector.platform, name="ci-deployer")
    assert deployer.external_id == "arn:aws:iam::123456789012:user/ci/ci-deployer"
    assert (deployer.status, deployer.team, deployer.kind) == (
        "active",
        aws_team,
        "service_account",
    )
    assert sorted(deployer.credentials.values_list("key_id", flat=True)) == [
        "access_key_1",
        "access_key_2",
    ]
    used = SourceCredential.objects.get(key_id=keys[0]["AccessKeyId"])
    assert used.credential.identity == deployer and used.status == "Active"
    assert (used.last_used_service, used.last_used_region) == ("s3", "eu-west-1")
    assert used.last_used_at is not None
    unused = SourceCredential.objects.get(key_id=keys[1]["AccessKeyId"])
    assert unused.last_used_at is None and unused.credential.identity == deployer
    assert Identity.objects.filter(name="billing-export").exists()
    assert run.counts["create"] == 2


def test_second_sync_changes_nothing(aws_connector, moto):
    make_user(moto.iam(), "ci-deployer", keys=1)
    connector_sync(connector=aws_connector)
    before = registry(aws_connector.platform)
    run = connector_sync(connector=aws_connector)
    assert run.ok and run.counts["unchanged"] == 1
    assert run.counts["written"] == {"create": 0, "update": 0, "credentials": 0, "findings": 0}
    assert registry(aws_connector.platform) == before


def test_people_are_flagged_not_imported(aws_connector, moto):
    iam = moto.iam()
    make_user(iam, "jane.doe")
    make_user(iam, "ops@example.com")
    make_user(iam, "robot")
    run = connector_sync(connector=aws_connector)
    assert run.ok, run.error
    names = set(Identity.objects.values_list("name", flat=True))
    assert names == {"robot"}
    assert set(run.counts["flagged"]) == {"jane.doe", "ops@example.com"}
    assert "Looks like a person" in run.counts["flagged"]["jane.doe"][0]


def test_sync_and_credential_report_upload_produce_the_same_registry(
    aws_connector, moto, admin_user, aws_team
):
    iam = moto.iam()
    make_user(iam, "ci-deployer", keys=2, path="/ci/")
    make_user(iam, "billing-export", keys=1)
    make_user(iam, "no-keys", keys=0)
    make_user(iam, "jane.doe", keys=1)
    iam.update_access_key(
        UserName="billing-export",
        AccessKeyId=iam.list_access_keys(UserName="billing-export")["AccessKeyMetadata"][0][
            "AccessKeyId"
        ],
        Status="Inactive",
    )
    assert connector_sync(connector=aws_connector).ok
    iam.generate_credential_report()
    time.sleep(0.2)
    report = iam.get_credential_report()["Content"].decode()
    uploaded = PlatformFactory(slug="aws-upload", kind="aws", owning_team=aws_team)
    plan = import_preview(
        actor=admin_user, format="aws", content=report, team=aws_team, platform=uploaded
    )
    apply_import(actor=admin_user, plan=plan)
    synced_ids, synced_creds = registry(aws_connector.platform)
    upload_ids, upload_creds = registry(uploaded)
    assert synced_ids == upload_ids and len(synced_ids) == 3
    assert synced_creds == upload_creds and len(synced_creds) == 2


def test_unreachable_account_is_a_failed_run_not_a_crash(aws_connector, moto):
    aws_connector.endpoint_url = "http://127.0.0.1:9"  # nothing listens
    aws_connector.save()
    run = connector_sync(connector=aws_connector)
    assert run.ok is False and run.error
    assert not Identity.objects.exists()


def test_missing_credentials_variable_is_named(aws_connector, moto, monkeypatch):
    monkeypatch.delenv("STEWARD_TEST_AWS_SECRET_ACCESS_KEY")
    run = connector_sync(connector=aws_connector)
    assert run.ok is False
    assert "STEWARD_TEST_AWS_SECRET_ACCESS_KEY" in run.error


def test_beat_syncs_connectors_whose_interval_has_passed(aws_connector, moto):
    import datetime as dt

    from connectors.models import SyncRun
    from connectors.selectors import due_syncs
    from connectors.tasks import sync_due

    make_user(moto.iam(), "robot")
    assert sync_due() == "synced 1, failed 0"  # never synced: due at once
    assert Identity.objects.filter(name="robot").exists()
    assert sync_due() == "synced 0, failed 0"  # within its interval
    later = SyncRun.objects.get().started_at + dt.timedelta(minutes=61)
    assert due_syncs(now=later) == [aws_connector]

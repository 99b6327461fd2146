"""Import jobs: the large-file path through Celery, the real worker, the management command."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from identities.importers import services
from identities.importers.services import (
    import_job_apply,
    import_job_create,
    import_job_plan,
    import_job_start_apply,
)
from identities.models import Credential, Identity, ImportJob, LifecycleEvent
from identities.tasks import import_job_apply_task, import_job_plan_task
from tests.factories import PlatformFactory, TeamFactory, UserFactory
from tests.worker import celery_worker, wait_for

SAMPLES = Path(__file__).parent / "samples"


def k8s_list(n: int) -> str:
    import json

    items = [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {
                "name": f"sa-{i}",
                "namespace": "batch",
                "creationTimestamp": "2024-09-01T12:00:00Z",
            },
        }
        for i in range(n)
    ]
    return json.dumps({"kind": "List", "items": items})


@pytest.fixture
def team(engineer):
    return TeamFactory(slug="platform", name="Platform", members=[engineer])


@pytest.fixture
def cluster(team):
    return PlatformFactory(slug="eks-prod", name="EKS prod", kind="kubernetes", owning_team=team)


@pytest.mark.django_db
def test_large_file_is_planned_and_applied_by_tasks_with_progress(
    admin_user, team, cluster, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "SYNC_ROW_LIMIT", 10)
    monkeypatch.setattr(services, "PROGRESS_BATCH", 5)
    seen = []
    real = services._progress
    monkeypatch.setattr(services, "_progress", lambda pk: lambda n: (seen.append(n), real(pk)(n)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = import_job_create(
            actor=admin_user, format="k8s", content=k8s_list(25), team=team, platform=cluster
        )
    assert (job.status, job.total, len(callbacks)) == ("pending", 25, 1)
    import_job_plan(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed, job.counts["create"]) == ("ready", 25, 25)
    assert seen == [5, 10, 15, 20, 25]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        import_job_start_apply(actor=admin_user, job=job)
    assert len(callbacks) == 1 and Identity.objects.count() == 0
    import_job_apply(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed, job.counts["written"]["create"]) == ("done", 25, 25)
    assert Identity.objects.filter(platform=cluster).count() == 25


@pytest.mark.django_db
def test_a_failing_apply_marks_the_job_failed_and_writes_nothing(admin_user, team, cluster):
    job = import_job_create(
        actor=admin_user, format="k8s", content=k8s_list(3), team=team, platform=cluster
    )
    # The admin loses the admins role between preview and apply: the re-plan refuses.
    admin_user.groups.clear()
    admin_user._steward_groups = None
    ImportJob.objects.filter(pk=job.pk).update(status="applying")
    import_job_apply(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "rows now have errors" in job.message
    assert Identity.objects.count() == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_plan_and_apply_tasks_run_in_a_real_worker():
    user = UserFactory(username="wendy-worker", groups=["admins"])
    team = TeamFactory(slug="platform", members=[user])
    cluster = PlatformFactory(slug="eks", kind="kubernetes", owning_team=team)
    job = ImportJob.objects.create(
        created_by=user,
        format="k8s",
        team=team,
        platform=cluster,
        content=(SAMPLES / "k8s_serviceaccounts.json").read_text(),
        total=3,
    )
    with celery_worker() as (_proc, queue):
        import_job_plan_task.apply_async(args=[job.pk], queue=queue)
        wait_for(lambda: ImportJob.objects.filter(pk=job.pk, status="ready").exists(), timeout=60)
        ImportJob.objects.filter(pk=job.pk).update(status="applying")
        import_job_apply_task.apply_async(args=[job.pk], queue=queue)
        wait_for(lambda: ImportJob.objects.filter(pk=job.pk, status="done").exists(), timeout=60)
    api = Identity.objects.get(external_id="payments/payments-api")
    assert api.history.first().history_user == user  # the worker names the actor
    assert Identity.objects.count() == 2 and Credential.objects.count() == 1


# --- management command -----------------------------------------------------------------
@pytest.mark.django_db
def test_command_previews_then_applies_as_the_system_user(team):
    aws = PlatformFactory(slug="aws-prod", kind="aws", owning_team=team)
    path = str(SAMPLES / "aws_credential_report.csv")
    args = ["--format", "aws", "--team", team.slug, "--platform", aws.slug, path]
    out = StringIO()
    call_command("import_identities", *args, stdout=out)
    assert "create: 3" in out.getvalue() and "Preview only" in out.getvalue()
    assert Identity.objects.count() == 0
    out = StringIO()
    call_command("import_identities", *args, "--apply", stdout=out)
    assert "Applied: 3 created" in out.getvalue()
    identity = Identity.objects.get(name="ci-deployer")
    assert identity.created_by.username == "steward-system"
    assert identity.history.first().history_user.username == "steward-system"
    assert not identity.created_by.is_superuser  # the elevation was never saved
    before = (Identity.objects.count(), LifecycleEvent.objects.count())
    out = StringIO()
    call_command("import_identities", *args, "--apply", stdout=out)
    assert "unchanged: 3" in out.getvalue()
    assert (Identity.objects.count(), LifecycleEvent.objects.count()) == before


@pytest.mark.django_db
def test_command_refuses_errors_and_other_teams(tmp_path, engineer, team, cluster):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,kind,external_id,environment,purpose\nx,robot,ns/x,production,p\n")
    args = ["--format", "steward-csv", "--team", team.slug, "--platform", cluster.slug]
    with pytest.raises(CommandError, match="1 row"):
        call_command("import_identities", *args, str(bad), "--apply", stdout=StringIO())
    other = TeamFactory(slug="other")
    good = str(SAMPLES / "steward.csv")
    with pytest.raises(CommandError, match="only into teams you belong to"):
        call_command(
            "import_identities",
            "--format",
            "steward-csv",
            "--team",
            other.slug,
            "--platform",
            cluster.slug,
            "--actor",
            engineer.username,
            good,
            stdout=StringIO(),
        )
    assert Identity.objects.count() == 0

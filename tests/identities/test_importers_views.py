"""Import pages: permissions, upload → preview → apply, bad input, progress."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from identities.importers.services import import_job_create
from identities.models import Identity, ImportJob
from tests.factories import PlatformFactory, TeamFactory

SAMPLES = Path(__file__).parent / "samples"
pytestmark = pytest.mark.django_db
UPLOAD = reverse("identities:import:upload")


def upload_data(team, platform, name="aws_credential_report.csv", fmt="aws", content=None):
    content = content if content is not None else (SAMPLES / name).read_bytes()
    return {
        "format": fmt,
        "team": team.pk if team else "",
        "platform": platform.pk if platform else "",
        "environment": "production",
        "risk_tier": "medium",
        "file": SimpleUploadedFile(name, content, content_type="text/csv"),
    }


def job_for(user, team, platform):
    content = (SAMPLES / "aws_credential_report.csv").read_text()
    return import_job_create(
        actor=user, format="aws", content=content, team=team, platform=platform
    )


def test_anonymous_is_redirected_to_sign_in(client):
    response = client.get(UPLOAD)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("persona", "status"),
    [("admin_user", 200), ("admin_user", 200), ("auditor", 403), ("outsider", 403)],
    indirect=["persona"],
)
def test_upload_page_is_for_admins_and_engineers(client, persona, status):
    client.force_login(persona)
    assert client.get(UPLOAD).status_code == status


@pytest.mark.parametrize("persona", ["auditor", "outsider"], indirect=True)
def test_wrong_roles_cannot_post_an_upload(client, persona, team, aws):
    client.force_login(persona)
    assert client.post(UPLOAD, upload_data(team, aws)).status_code == 403
    assert ImportJob.objects.count() == 0


def test_engineer_cannot_import_into_a_team_not_theirs(client, engineer, aws):
    other = TeamFactory(slug="other")
    client.force_login(engineer)
    response = client.post(UPLOAD, upload_data(other, aws))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_upload_preview_apply_flow(client, admin_user, team, aws):
    client.force_login(admin_user)
    response = client.post(UPLOAD, upload_data(team, aws))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/identities/import/{job.pk}/"
    assert job.status == "ready" and job.counts["create"] == 3
    page = client.get(response["Location"]).content.decode()
    assert "3 create" in page and "billing-export" in page and "Apply 3 change(s)" in page
    assert Identity.objects.count() == 0
    response = client.post(reverse("identities:import:apply", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "done" and Identity.objects.count() == 3
    assert "Import applied." in client.get(response["Location"]).content.decode()
    # Applying twice is refused: the job is no longer ready.
    client.post(reverse("identities:import:apply", args=[job.pk]))
    assert Identity.objects.count() == 3


def test_bad_input_keeps_the_form_values_and_writes_nothing(client, admin_user, team, aws):
    client.force_login(admin_user)
    response = client.post(UPLOAD, upload_data(team, aws, content=b"nothing,useful\n1,2\n"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Not an IAM credential report" in body
    assert f'<option value="{aws.pk}" selected>' in body
    assert ImportJob.objects.count() == 0


def test_platform_of_the_wrong_kind_is_a_form_error(client, admin_user, team):
    cluster = PlatformFactory(slug="eks", kind="kubernetes", owning_team=team)
    client.force_login(admin_user)
    response = client.post(UPLOAD, upload_data(team, cluster))
    assert response.status_code == 400
    assert "needs a AWS account platform" in response.content.decode()


def test_preview_with_errors_offers_no_apply(client, admin_user, team, aws):
    content = (
        (SAMPLES / "aws_credential_report.csv")
        .read_bytes()
        .replace(b"2021-06-10T09:15:00+00:00", b"someday")
    )
    client.force_login(admin_user)
    response = client.post(UPLOAD, upload_data(team, aws, content=content))
    page = client.get(response["Location"]).content.decode()
    assert (
        "1 error" in page and "is not an ISO 8601 time" in page and "change(s)</button>" not in page
    )
    job = ImportJob.objects.get()
    client.post(reverse("identities:import:apply", args=[job.pk]))
    assert Identity.objects.count() == 0


def test_job_of_someone_else_is_404_but_admins_see_it(client, admin_user, owner, team, aws):
    job = job_for(admin_user, team, aws)
    url = reverse("identities:import:job", args=[job.pk])
    client.force_login(owner)
    assert client.get(url).status_code == 404
    assert client.post(reverse("identities:import:apply", args=[job.pk])).status_code == 404
    client.force_login(admin_user)
    assert client.get(url).status_code == 200


def test_progress_endpoint_reports_counts_and_refreshes_when_finished(
    client, admin_user, team, aws
):
    job = job_for(admin_user, team, aws)
    ImportJob.objects.filter(pk=job.pk).update(status="planning", processed=2, total=4)
    url = reverse("identities:import:progress", args=[job.pk])
    client.force_login(admin_user)
    response = client.get(url, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and "HX-Refresh" not in response
    assert '<progress id="import-progress-bar" max="4" value="2">' in body
    assert "every 1s" in body
    ImportJob.objects.filter(pk=job.pk).update(status="ready", processed=4)
    response = client.get(url, headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"


def test_job_page_polls_while_planning(client, admin_user, team, aws):
    job = job_for(admin_user, team, aws)
    ImportJob.objects.filter(pk=job.pk).update(status="planning", processed=1)
    client.force_login(admin_user)
    body = client.get(reverse("identities:import:job", args=[job.pk])).content.decode()
    assert "<progress" in body and reverse("identities:import:progress", args=[job.pk]) in body


def test_job_page_query_count(client, admin_user, team, aws, django_assert_max_num_queries):
    job = job_for(admin_user, team, aws)
    client.force_login(admin_user)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("identities:import:job", args=[job.pk])).status_code == 200

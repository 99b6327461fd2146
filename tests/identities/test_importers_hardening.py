"""Issue 15.4 and 15.10: no secret kept from an upload, the file dropped once a job ends, and
every malformed file a clear refusal (page: form error, API: 400, command: non-zero exit)
with nothing written. The database rows are inspected after each path."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from identities.importers.base import ImportFileError
from identities.importers.services import (
    import_job_apply,
    import_job_cancel,
    import_job_create,
    import_job_start_apply,
)
from identities.models import Credential, Identity, ImportJob
from tests.factories import PlatformFactory

SAMPLES = Path(__file__).parent / "samples"
UPLOAD = reverse("identities:import:upload")
API = "/api/v1/imports/"
TOKEN = "ghp_" + "Zx9Yw8Vu7T" * 4  # a GitHub token shape
pytestmark = pytest.mark.django_db


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


@pytest.fixture
def cluster(team):
    return PlatformFactory(slug="eks-prod", name="EKS prod", kind="kubernetes", owning_team=team)


def steward_json_with_token() -> str:
    data = json.loads(sample("steward.json"))
    data["identities"][0]["credentials"][0]["fingerprint"] = TOKEN
    return json.dumps(data)


def k8s_with_token() -> str:
    data = json.loads(sample("k8s_serviceaccounts.json"))
    data["items"][1]["metadata"].setdefault("annotations", {})["notes"] = f"token {TOKEN}"
    return json.dumps(data)


PLANTED = {
    "steward-csv": lambda: sample("steward.csv").replace(
        "Charges cards for checkout.", f"uses {TOKEN}"
    ),
    "steward-json": steward_json_with_token,
    "aws": lambda: sample("aws_credential_report.csv").replace("eu-west-1,s3", f"{TOKEN},s3", 1),
    "k8s": k8s_with_token,
}


def platform_for(fmt, aws, cluster):
    return aws if fmt == "aws" else cluster


def stored_text() -> str:
    """Everything the import jobs table holds, as the database stores it."""
    if connection.vendor == "postgresql":
        joined = "string_agg(content || rows::text || errors::text || message, '')"
    else:  # SQLite keeps JSON as text
        joined = "group_concat(content || rows || errors || message, '')"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce({joined}, '') FROM identities_importjob")  # noqa: S608
        return cursor.fetchone()[0]


def written() -> tuple[int, int, int]:
    return Identity.objects.count(), Credential.objects.count(), ImportJob.objects.count()


def post_file(client, fmt, content: bytes, team, platform, name="upload.txt"):
    return client.post(
        UPLOAD,
        {
            "format": fmt,
            "team": team.pk,
            "platform": platform.pk,
            "environment": "production",
            "risk_tier": "medium",
            "file": SimpleUploadedFile(name, content),
        },
    )


def api_post_file(api_client, fmt, content: bytes, team, platform, name="upload.txt"):
    return api_client.post(
        API,
        {
            "format": fmt,
            "team": team.slug,
            "platform": platform.slug,
            "file": SimpleUploadedFile(name, content),
        },
        format="multipart",
    )


# --- 15.4: secrets are never kept -------------------------------------------------------
@pytest.mark.parametrize("fmt", list(PLANTED))
def test_a_file_carrying_a_token_is_refused_before_anything_is_stored(
    client, api_client, admin_user, team, aws, cluster, fmt
):
    content = PLANTED[fmt]()
    assert TOKEN in content
    platform = platform_for(fmt, aws, cluster)
    with pytest.raises(ImportFileError, match="carries secret values"):
        import_job_create(
            actor=admin_user, format=fmt, content=content, team=team, platform=platform
        )
    client.force_login(admin_user)
    response = post_file(client, fmt, content.encode(), team, platform)
    assert response.status_code == 400
    body = response.content.decode()
    assert "carries secret values" in body and TOKEN not in body
    api_client.force_authenticate(admin_user)
    response = api_post_file(api_client, fmt, content.encode(), team, platform)
    assert response.status_code == 400 and TOKEN not in response.content.decode()
    assert written() == (0, 0, 0) and TOKEN not in stored_text()


def test_a_token_outside_the_fields_read_is_refused_too(admin_user, team, cluster):
    data = json.loads(sample("k8s_serviceaccounts.json"))
    annotations = data["items"][1]["metadata"].setdefault("annotations", {})
    annotations["kubectl.kubernetes.io/last-applied-configuration"] = json.dumps({"t": TOKEN})
    keyed = json.loads(sample("steward.json"))
    keyed["identities"][0][TOKEN] = "x"
    for fmt, content in (("k8s", json.dumps(data)), ("steward-json", json.dumps(keyed))):
        with pytest.raises(ImportFileError, match="carries secret values"):
            import_job_create(
                actor=admin_user, format=fmt, content=content, team=team, platform=cluster
            )
    assert written() == (0, 0, 0)


def test_applied_job_keeps_its_outcome_but_not_the_file_or_rows(admin_user, team, aws):
    job = import_job_create(
        actor=admin_user,
        format="aws",
        content=sample("aws_credential_report.csv"),
        team=team,
        platform=aws,
    )
    assert job.content and job.rows  # kept while the job waits to be applied
    import_job_start_apply(actor=admin_user, job=job)
    job.refresh_from_db()
    assert job.status == "done" and job.counts["written"]["create"] == 3
    assert (job.content, job.rows) == ("", [])
    assert "ci-deployer" not in stored_text()


def test_cancelled_job_drops_the_file_and_cannot_be_applied(client, admin_user, team, aws):
    client.force_login(admin_user)
    post_file(client, "aws", (SAMPLES / "aws_credential_report.csv").read_bytes(), team, aws)
    job = ImportJob.objects.get()
    response = client.post(reverse("identities:import:cancel", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.content, job.rows) == ("cancelled", "", [])
    page = client.get(reverse("identities:import:job", args=[job.pk])).content.decode()
    assert "Cancelled by" in page and "not kept once an import has ended" in page
    client.post(reverse("identities:import:apply", args=[job.pk]))
    assert Identity.objects.count() == 0 and "ci-deployer" not in stored_text()
    with pytest.raises(Exception, match="can no longer be cancelled"):
        import_job_cancel(actor=admin_user, job=job)


def test_only_the_uploader_or_an_admin_cancels(client, admin_user, engineer, owner, team, aws):
    job = import_job_create(
        actor=engineer,
        format="steward-csv",
        content=sample("steward.csv"),
        team=team,
        platform=aws,
    )
    client.force_login(owner)  # another engineer: the job is not even visible
    assert client.post(reverse("identities:import:cancel", args=[job.pk])).status_code == 404
    client.force_login(admin_user)
    assert client.post(reverse("identities:import:cancel", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.status == "cancelled"


def test_failed_job_drops_the_file_and_keeps_the_errors(admin_user, team, cluster):
    content = json.dumps(
        {"items": [{"kind": "ServiceAccount", "metadata": {"name": "a", "namespace": "b"}}]}
    )
    job = import_job_create(
        actor=admin_user, format="k8s", content=content, team=team, platform=cluster
    )
    admin_user.groups.clear()  # the registry (and the actor's rights) changed since the preview
    admin_user._steward_groups = None
    ImportJob.objects.filter(pk=job.pk).update(status="applying")
    import_job_apply(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.errors and job.counts["error"] == 1
    assert (job.content, job.rows) == ("", [])


# --- 15.10: malformed files are refused, clearly, writing nothing -----------------------
def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


MALFORMED = [
    ("steward-json", deep_json(100_000).encode(), "nested too deeply"),
    ("k8s", ('{"items": ' + deep_json(600) + "}").encode(), "nested too deeply"),
    ("k8s", b'{"items": [{"metadata": {"name": NaN}}]}', "Not valid JSON"),
    ("steward-json", b'[{"name": 1e999}]', "Not valid JSON"),
    ("steward-json", b'[{"name": ' + b"9" * 5000 + b"}]", "Not valid JSON"),
    ("steward-json", b'[{"name": "a\\u0000b"}]', "NUL character"),
    ("steward-json", b'[{"name": "\\ud800"}]', "lone surrogate"),
    ("aws", b"x" * 5_000_000, "Line 1: field larger than field limit"),
    ("aws", b"user,arn\n" + b'"' + b"a" * 2_000_000, "field larger than field limit"),
    ("aws", b'user,arn\nbob,"arn:aws:iam::1:user/bob', "unexpected end of data"),
    ("steward-csv", b"name,kind,external_id\n\x00\x01\x02", "NUL characters"),
    ("aws", "user,arn\nzoë,arn".encode("latin-1"), "not UTF-8"),
    ("k8s", '{"items": []}'.encode("utf-16"), "not UTF-8"),
    ("aws", bytes(range(256)) * 100, "not UTF-8"),
]


@pytest.mark.parametrize(("fmt", "content", "message"), MALFORMED)
def test_malformed_file_is_a_form_error_and_a_400_writing_nothing(
    client, api_client, admin_user, team, aws, cluster, fmt, content, message
):
    platform = platform_for(fmt, aws, cluster)
    client.force_login(admin_user)
    response = post_file(client, fmt, content, team, platform)
    assert response.status_code == 400 and message in response.content.decode()
    api_client.force_authenticate(admin_user)
    response = api_post_file(api_client, fmt, content, team, platform)
    assert response.status_code == 400 and message in json.dumps(response.json())
    assert written() == (0, 0, 0)


def test_truncated_credential_report_is_refused_not_applied_short(client, admin_user, team, aws):
    report = sample("aws_credential_report.csv").rstrip("\n")
    cut = report[: report.rindex(",2025-04-30") + 5]  # the last user's line, cut mid-line
    client.force_login(admin_user)
    response = post_file(client, "aws", cut.encode(), team, aws)
    body = response.content.decode()
    assert response.status_code == 400 and "Line 5 has 5 cells where the header has 22" in body
    assert "truncated" in body and written() == (0, 0, 0)


@pytest.mark.parametrize("path", ["page", "api"])
def test_an_oversized_request_is_refused_without_reading_it(
    client, api_client, admin_user, team, aws, settings, tmp_path, path
):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    big = b"user,arn\n" + b"a,arn:aws:iam::1:user/a\n" * (40 * 1024 * 1024 // 24)
    if path == "page":
        client.force_login(admin_user)
        response = post_file(client, "aws", big, team, aws)
        body = response.content.decode()
        assert "The file is larger than 10 MB." in body
        assert "This field is required" not in body  # the fields before the file were read
        assert f'<option value="{aws.pk}" selected>' in body
    else:
        api_client.force_authenticate(admin_user)
        response = api_post_file(api_client, "aws", big, team, aws)
        assert response.json() == {"file": ["The file is larger than 10 MB."]}
    assert response.status_code == 400
    # The body was not read past the form fields before the file, let alone spooled to disk.
    assert response.wsgi_request._stream._pos < 1024 * 1024
    assert list(tmp_path.iterdir()) == [] and written() == (0, 0, 0)


def test_a_file_just_over_the_limit_is_refused_by_size(client, admin_user, team, aws):
    client.force_login(admin_user)
    response = post_file(client, "aws", b"user,arn\n" + b" " * (10 * 1024 * 1024), team, aws)
    assert response.status_code == 400
    assert "The file is larger than 10 MB." in response.content.decode()


def test_command_refuses_malformed_files_with_a_message(tmp_path, team, aws, cluster):
    cases = [
        ("steward-json", deep_json(100_000), cluster, "nested too deeply"),
        ("aws", "x" * 5_000_000, aws, "field larger than field limit"),
        ("aws", sample("aws_credential_report.csv")[:-40], aws, "truncated"),
    ]
    for fmt, content, platform, message in cases:
        path = tmp_path / f"{fmt}.txt"
        path.write_text(content)
        args = ["--format", fmt, "--team", team.slug, "--platform", platform.slug, str(path)]
        with pytest.raises(CommandError, match=message):
            call_command("import_identities", *args, "--apply", stdout=StringIO())
    path = tmp_path / "utf16.json"
    path.write_bytes('{"items": []}'.encode("utf-16"))
    with pytest.raises(CommandError, match=r"Cannot read .*not UTF-8"):
        call_command("import_identities", "--format", "k8s", str(path), stdout=StringIO())
    path = tmp_path / "big.csv"
    path.write_bytes(b"user,arn\n" + b" " * (11 * 1024 * 1024))
    with pytest.raises(CommandError, match="larger than 10 MB"):
        call_command("import_identities", "--format", "aws", str(path), stdout=StringIO())
    assert written() == (0, 0, 0)


# --- the import API ---------------------------------------------------------------------
def test_api_upload_preview_apply_flow(api_client, admin_user, team, aws):
    api_client.force_authenticate(admin_user)
    report = (SAMPLES / "aws_credential_report.csv").read_bytes()
    response = api_post_file(api_client, "aws", report, team, aws)
    assert response.status_code == 201
    job = response.json()
    assert (job["status"], job["counts"]["create"], job["counts"]["findings"]) == ("ready", 3, 1)
    assert api_client.get(job["url"]).json()["id"] == job["id"]
    assert Identity.objects.count() == 0
    response = api_client.post(f"{API}{job['id']}/apply/")
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert Identity.objects.count() == 3
    assert ImportJob.objects.get().content == ""
    response = api_client.post(f"{API}{job['id']}/apply/")
    assert response.status_code == 400  # not waiting to be applied
    response = api_client.post(f"{API}{job['id']}/cancel/")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("persona", "upload", "other_job"),
    [
        ("admin_user", 201, 200),
        ("engineer", 201, 404),
        ("auditor", 403, 403),
        ("outsider", 403, 403),
    ],
    indirect=["persona"],
)
def test_api_permissions(api_client, persona, upload, other_job, owner, team, aws):
    others = import_job_create(
        actor=owner, format="steward-csv", content=sample("steward.csv"), platform=aws
    )
    api_client.force_authenticate(persona)
    report = (SAMPLES / "aws_credential_report.csv").read_bytes()
    assert api_post_file(api_client, "aws", report, team, aws).status_code == upload
    assert api_client.get(f"{API}{others.pk}/").status_code == other_job
    cancel = api_client.post(f"{API}{others.pk}/cancel/").status_code
    assert cancel == (200 if other_job == 200 else other_job)


def test_api_needs_authentication(api_client):
    assert api_client.get(API).status_code == 401
    assert api_client.post(API, {}, format="multipart").status_code == 401


def test_api_refuses_unknown_fields(api_client, admin_user, team, aws):
    api_client.force_authenticate(admin_user)
    response = api_client.post(
        API,
        {
            "format": "aws",
            "team": team.slug,
            "platform": aws.slug,
            "file": SimpleUploadedFile(
                "r.csv", (SAMPLES / "aws_credential_report.csv").read_bytes()
            ),
            "password": "hunter2",
        },
        format="multipart",
    )
    assert response.status_code == 400 and "password" in response.json()
    assert ImportJob.objects.count() == 0


def test_api_lists_your_jobs_paginated(api_client, admin_user, engineer, team, aws):
    mine = import_job_create(
        actor=engineer, format="steward-csv", content=sample("steward.csv"), platform=aws
    )
    import_job_create(
        actor=admin_user, format="steward-csv", content=sample("steward.csv"), platform=aws
    )
    api_client.force_authenticate(engineer)
    body = api_client.get(API).json()
    assert body["count"] == 1 and body["results"][0]["id"] == mine.pk
    api_client.force_authenticate(admin_user)
    assert api_client.get(API).json()["count"] == 2

"""Fuzz every importer (issue 15, acceptance): truncated, nested, oversized, wrongly encoded
and structurally odd files through the page and the API — never a 5xx, and a refusal writes
nothing (identities, credentials, import jobs and their stored content are counted before
and after). Accepted uploads are applied too: the apply answers 200 or 400, never a 5xx.

The size caps are lowered for the run (the same code paths, kilobytes instead of megabytes),
so an "oversized" example costs nothing. The Django test client re-raises any exception a
view lets through, so a crash fails the example rather than hiding as a 500 page.
"""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.db.models.functions import Length
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from identities.importers import files
from identities.models import Credential, Identity, IdentityFinding, ImportJob
from tests.factories import PlatformFactory, TeamFactory

SAMPLES = Path(__file__).parent / "samples"
SMALL_FILE = 24 * 1024  # the lowered per-file cap
SMALL_REQUEST = 32 * 1024  # the lowered request cap
FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
pytestmark = pytest.mark.django_db

SAMPLE = {
    "steward-csv": (SAMPLES / "steward.csv").read_text(),
    "steward-json": (SAMPLES / "steward.json").read_text(),
    "aws": (SAMPLES / "aws_credential_report.csv").read_text(),
    "k8s": (SAMPLES / "k8s_serviceaccounts.json").read_text(),
}
FORMATS = list(SAMPLE)


@pytest.fixture
def world(admin_user, settings, monkeypatch):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = SMALL_REQUEST
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = SMALL_REQUEST
    monkeypatch.setattr(files, "MAX_BYTES", SMALL_FILE)
    team = TeamFactory(slug="payments", name="Payments")
    return {
        "team": team,
        "aws": PlatformFactory(slug="aws-prod", kind="aws", owning_team=team),
        "k8s": PlatformFactory(slug="eks-prod", kind="kubernetes", owning_team=team),
        "actor": admin_user,
    }


def snapshot() -> tuple:
    jobs = ImportJob.objects.aggregate(size=Sum(Length("content")))
    return (
        Identity.objects.count(),
        Credential.objects.count(),
        IdentityFinding.objects.count(),
        ImportJob.objects.count(),
        jobs["size"] or 0,
    )


def upload(client, api_client, world, fmt: str, data: bytes) -> None:
    """The page and the API: no 5xx; a refusal writes nothing; an acceptance can be applied."""
    platform = world["aws"] if fmt == "aws" else world["k8s"]
    client.force_login(world["actor"])
    before = snapshot()
    response = client.post(
        "/identities/import/",
        {
            "format": fmt,
            "team": world["team"].pk,
            "platform": platform.pk,
            "environment": "production",
            "risk_tier": "medium",
            "file": SimpleUploadedFile("fuzz.txt", data),
        },
    )
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert snapshot() == before
    api_client.force_authenticate(world["actor"])
    before = snapshot()
    response = api_client.post(
        "/api/v1/imports/",
        {
            "format": fmt,
            "team": world["team"].slug,
            "platform": platform.slug,
            "file": SimpleUploadedFile("fuzz.txt", data),
        },
        format="multipart",
    )
    assert response.status_code in (201, 400), response.status_code
    if response.status_code == 400:
        assert snapshot() == before
        return
    job = response.json()
    if job["status"] == "ready" and not job["counts"].get("error"):
        response = api_client.post(f"/api/v1/imports/{job['id']}/apply/")
        assert response.status_code in (200, 400), response.status_code
        assert ImportJob.objects.get(pk=job["id"]).content == ""


# --- strategies -------------------------------------------------------------------------
def truncated(fmt):
    text = SAMPLE[fmt]
    return st.integers(0, len(text) - 1).map(lambda n: text[:n])


def spliced(fmt):
    text = SAMPLE[fmt]
    return st.tuples(
        st.integers(0, len(text)),
        st.integers(0, 40),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
        | st.sampled_from(['"', "\n", ",", "{", "[", "\\u0000", "\\ud800", "NaN", "1e999"]),
    ).map(lambda t: text[: t[0]] + t[2] + text[t[0] + t[1] :])


def nested(fmt):
    """The sample inside deep brackets, or a deep structure in place of a value."""
    text = SAMPLE[fmt]
    depth = st.integers(1, 5000)
    wrapped = depth.map(lambda d: "[" * d + text + "]" * d)
    inner = depth.map(lambda d: text.replace('"production"', "[" * d + "]" * d, 1))
    return wrapped | inner


def oversized(fmt):
    text = SAMPLE[fmt]
    # Around both caps: a file just under or over the file cap, a request over the request cap.
    return st.integers(SMALL_FILE - 2048, SMALL_REQUEST + 4096).map(
        lambda size: (text + "\n" + " " * size)[:size]
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


def odd_structure(fmt):
    """Valid JSON or CSV whose values are of any type or shape."""
    if fmt in ("steward-csv", "aws"):
        header = SAMPLE[fmt].splitlines()[0].split(",")
        cell = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r"), max_size=30)
        row = st.lists(cell, min_size=len(header), max_size=len(header))
        return st.lists(row, min_size=1, max_size=5).map(
            lambda rows: "\n".join(
                [",".join(header)]
                + [",".join(json.dumps(c) if "," in c or '"' in c else c for c in r) for r in rows]
            )
        )
    base = json.loads(SAMPLE[fmt])
    items = base["identities"] if fmt == "steward-json" else base["items"]
    keys = sorted({k for item in items for k in item} | {"metadata", "credentials", "secrets"})

    def plant(args):
        key, value = args
        doc = json.loads(SAMPLE[fmt])
        target = (doc["identities"] if fmt == "steward-json" else doc["items"])[0]
        target[key] = value
        return json.dumps(doc)

    return st.tuples(st.sampled_from(keys), json_values).map(plant)


ENCODINGS = ["latin-1", "utf-16", "utf-16-be", "utf-32", "cp1252", "utf-8-sig"]


def encoded(fmt):
    text = SAMPLE[fmt].replace("report", "rapport-é-ü")
    return st.sampled_from(ENCODINGS).map(lambda enc: text.encode(enc, errors="replace"))


BYTES = st.binary(max_size=4096)


# --- the tests: each strategy, each format ---------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("make", [truncated, spliced, nested, odd_structure, oversized])
def test_fuzzed_text_never_crashes_and_a_refusal_writes_nothing(
    client, api_client, world, fmt, make
):
    @FUZZ
    @given(content=make(fmt))
    def run(content):
        upload(client, api_client, world, fmt, content.encode("utf-8", errors="surrogatepass"))

    run()


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_encodings_and_binary_are_refused_writing_nothing(client, api_client, world, fmt):
    @FUZZ
    @given(data=encoded(fmt) | BYTES)
    def run(data):
        upload(client, api_client, world, fmt, data)

    run()

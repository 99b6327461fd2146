"""The bundle's standalone verify_bundle.py passes on a fresh bundle and fails on any change."""

import io
import json
import subprocess
import sys
import zipfile

import pytest

from evidence import ledger

pytestmark = pytest.mark.django_db


def _bundle(client, auditor, query="") -> bytes:
    client.force_login(auditor)
    response = client.get(f"/evidence/bundle.zip{query}")
    assert response.status_code == 200
    return response.getvalue()


def _verify(path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-I",
            str(path / "verify_bundle.py")
            if path.is_dir()
            else str(path.parent / "verify_bundle.py"),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_bundle_manifest_names_files_filters_author_and_chain_head(scenario, client, auditor):
    data = _bundle(client, auditor, "?team=payments&include=access&include=raci")
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    assert set(manifest["files"]) == {"access.csv", "access.jsonl", "raci.csv", "verify_bundle.py"}
    assert manifest["generated_by"] == auditor.username
    assert manifest["filters"] == {"team": "payments"}
    assert manifest["audit_chain"]["head"] == ledger.head()["entry_hash"]
    assert manifest["generated_at"]


def test_verify_script_passes_on_a_fresh_bundle_and_fails_on_any_change(
    scenario, client, auditor, tmp_path
):
    data = _bundle(client, auditor)
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(data)
    fresh = tmp_path / "fresh"
    zipfile.ZipFile(bundle).extractall(fresh)
    result = _verify(fresh)
    assert result.returncode == 0, result.stdout + result.stderr
    (tmp_path / "verify_bundle.py").write_bytes((fresh / "verify_bundle.py").read_bytes())
    assert _verify(bundle).returncode == 0
    for name in zipfile.ZipFile(bundle).namelist():
        altered = tmp_path / f"altered-{name}"
        zipfile.ZipFile(bundle).extractall(altered)
        target = altered / name
        target.write_bytes(target.read_bytes() + b"\n")
        result = subprocess.run(
            [sys.executable, "-I", str(fresh / "verify_bundle.py"), str(altered)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1, name
        assert "ALTERED" in result.stdout
    extra = tmp_path / "extra"
    zipfile.ZipFile(bundle).extractall(extra)
    (extra / "smuggled.csv").write_text("x")
    assert _verify(extra).returncode == 1

"""The bundle's standalone verify_bundle.py passes on a fresh bundle and fails on any change."""

import base64
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from django.core.exceptions import ImproperlyConfigured

from evidence import ledger, signing
from evidence.bundle import VERIFY_SCRIPT
from evidence.verification import record_verification

pytestmark = pytest.mark.django_db


def _bundle(client, auditor, query="") -> bytes:
    client.force_login(auditor)
    response = client.get(f"/evidence/bundle.zip{query}")
    assert response.status_code == 200
    return response.getvalue()


def test_a_bundle_runs_the_posture_checks_once_for_both_its_files(
    scenario, client, auditor, monkeypatch
):
    from evidence import checks

    ran, run_check = [], checks.run_check
    monkeypatch.setattr(
        checks, "run_check", lambda key, **kw: ran.append(key) or run_check(key, **kw)
    )
    archive = zipfile.ZipFile(io.BytesIO(_bundle(client, auditor, "?include=posture")))
    assert len(ran) == len(set(ran)) == len(checks.REGISTRY)  # each check once
    csv_rows = archive.read("posture.csv").decode().splitlines()[1:]
    jsonl_rows = archive.read("posture.jsonl").decode().splitlines()
    assert len(csv_rows) == len(jsonl_rows) > 0  # both files hold every control


def _verify(path, *options) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-I",
            str(path / "verify_bundle.py")
            if path.is_dir()
            else str(path.parent / "verify_bundle.py"),
            *options,
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_bundle_manifest_names_files_filters_author_and_chain_head(scenario, client, auditor):
    record_verification()  # the bundle names the last verdict
    data = _bundle(client, auditor, "?team=payments&include=access&include=raci")
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    assert set(manifest["files"]) == {"access.csv", "access.jsonl", "raci.csv", "verify_bundle.py"}
    assert {"manifest.sig", "bundle-key.pub"} <= set(archive.namelist())
    assert manifest["signature"]["key_fingerprint"] == signing.fingerprint()
    assert manifest["audit_chain"]["verified"]["ok"] is True
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
        if name == "manifest.json":
            assert "signature does not verify" in result.stdout
    extra = tmp_path / "extra"
    zipfile.ZipFile(bundle).extractall(extra)
    (extra / "smuggled.csv").write_text("x")
    assert _verify(extra).returncode == 1


# --- the signature (issue 15.14) ----------------------------------------------------------------
def _recompute(source: Path, target: Path, edit) -> None:
    """A forger's consistent re-computation: change a file, then fix its digest and size in the
    manifest, and manifest.sha256 — everything but the signature."""
    zipfile.ZipFile(source).extractall(target)
    edit(target)
    manifest = json.loads((target / "manifest.json").read_bytes())
    for name, meta in manifest["files"].items():
        data = (target / name).read_bytes()
        meta.update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
    (target / "manifest.json").write_bytes(manifest_bytes)
    (target / "manifest.sha256").write_text(
        f"{hashlib.sha256(manifest_bytes).hexdigest()}  manifest.json\n"
    )


def _drop_a_row(folder: Path) -> None:
    csv = folder / "access.csv"
    csv.write_bytes(b"\n".join(csv.read_bytes().splitlines()[:1]) + b"\n")


@pytest.fixture
def signed_bundle(scenario, client, auditor, tmp_path) -> Path:
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(_bundle(client, auditor, "?include=access"))
    (tmp_path / "verify_bundle.py").write_bytes(VERIFY_SCRIPT.read_bytes())
    published = client.get("/evidence/bundle-key.pub")
    (tmp_path / "published.pub").write_bytes(published.content)
    return bundle


def test_published_key_verifies_a_fresh_bundle(signed_bundle, tmp_path):
    result = _verify(signed_bundle, "--key", str(tmp_path / "published.pub"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"signed by the published key {signing.fingerprint()}" in result.stdout


def test_consistent_recomputation_of_files_and_checksums_fails(signed_bundle, tmp_path):
    forged = tmp_path / "forged"
    _recompute(signed_bundle, forged, _drop_a_row)
    for options in ((), ("--key", str(tmp_path / "published.pub"))):
        result = _verify(forged, *options)
        assert result.returncode == 1, result.stdout
        assert "manifest.json signature does not verify" in result.stdout


def test_resigning_with_another_key_fails_against_the_published_key(signed_bundle, tmp_path):
    forger = Ed25519PrivateKey.generate()

    def edit(folder):
        _drop_a_row(folder)
        (folder / "bundle-key.pub").write_bytes(
            forger.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        )

    forged = tmp_path / "forged"
    _recompute(signed_bundle, forged, edit)
    manifest_bytes = (forged / "manifest.json").read_bytes()
    (forged / "manifest.sig").write_bytes(base64.b64encode(forger.sign(manifest_bytes)) + b"\n")
    shipped_key = _verify(forged)  # self-consistent: only the fingerprint gives it away
    assert shipped_key.returncode == 0
    assert signing.fingerprint() not in shipped_key.stdout
    assert "compare it with the key Steward publishes" in shipped_key.stdout
    result = _verify(forged, "--key", str(tmp_path / "published.pub"))
    assert result.returncode == 1
    assert "signature does not verify" in result.stdout


def test_unsigned_bundle_fails(signed_bundle, tmp_path):
    folder = tmp_path / "unsigned"
    zipfile.ZipFile(signed_bundle).extractall(folder)
    (folder / "manifest.sig").unlink()
    result = _verify(folder, "--key", str(tmp_path / "published.pub"))
    assert result.returncode == 1
    assert "not signed" in result.stdout


def test_bundle_key_is_published_without_sign_in(client, db):
    response = client.get("/evidence/bundle-key.pub")
    assert response.status_code == 200
    assert response.content.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert response["X-Key-Fingerprint"] == signing.fingerprint()
    assert b"PRIVATE" not in response.content
    assert client.post("/evidence/bundle-key.pub").status_code == 405


def test_verifier_implements_rfc8032_ed25519():
    """RFC 8032 section 7.1, TEST 1 and TEST 2; and signatures made by `cryptography`."""
    from evidence.verify_bundle import ed25519_verify, public_key_from_pem

    vectors = [
        (
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc6"
            "1e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        ),
        (
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e45"
            "8f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        ),
    ]
    for public, message, signature in vectors:
        public, message, signature = map(bytes.fromhex, (public, message, signature))
        assert ed25519_verify(public, message, signature)
        assert not ed25519_verify(public, message + b"!", signature)
    key = Ed25519PrivateKey.generate()
    pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    raw = public_key_from_pem(pem)
    assert ed25519_verify(raw, b"manifest", key.sign(b"manifest"))
    assert not ed25519_verify(raw, b"manifest", Ed25519PrivateKey.generate().sign(b"manifest"))


def test_signing_key_comes_from_the_named_file_and_never_the_database(settings, tmp_path):
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "evidence.pem"
    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    settings.EVIDENCE_SIGNING_KEY_FILE = str(path)
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert signing.fingerprint() == "SHA256:" + hashlib.sha256(raw).hexdigest()


def test_production_without_a_key_file_refuses_to_sign(settings):
    settings.EVIDENCE_SIGNING_KEY_FILE = ""
    settings.EVIDENCE_SIGNING_KEY_GENERATE = False
    with pytest.raises(ImproperlyConfigured, match="EVIDENCE_SIGNING_KEY_FILE"):
        signing.sign(b"manifest")


def test_embedded_default_generates_one_private_key_file(settings, tmp_path):
    settings.EVIDENCE_SIGNING_KEY_FILE = ""
    settings.EVIDENCE_SIGNING_KEY_GENERATE = True
    settings.VAR_DIR = tmp_path
    first = signing.fingerprint()
    assert signing.fingerprint() == first
    path = tmp_path / signing.DEFAULT_FILE
    assert path.stat().st_mode & 0o777 == 0o600


def test_bundle_page_says_when_no_signing_key_is_configured(settings, client, auditor):
    settings.EVIDENCE_SIGNING_KEY_FILE = ""
    settings.EVIDENCE_SIGNING_KEY_GENERATE = False
    client.force_login(auditor)
    response = client.get("/evidence/bundle.zip")
    assert response.status_code == 503
    assert b"EVIDENCE_SIGNING_KEY_FILE" in response.content

"""The evidence bundle: a zip of the chosen exports, manifest.json (generated at and by,
filters, SHA-256 and size of each file, the audit chain head and its last verification),
its detached Ed25519 signature (manifest.sig), the public key (bundle-key.pub, also
published at /evidence/bundle-key.pub) and verify_bundle.py, which checks it all offline."""

import hashlib
import json
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from . import ledger, signing
from .exports import EXPORTS, export_csv
from .formats import jsonl_lines
from .forms import plain_filters
from .verification import chain_status

VERIFY_SCRIPT = Path(__file__).resolve().parent / "verify_bundle.py"
DEFAULT_EXPORTS = (
    "access", "lifecycle", "raci", "gaps", "credentials", "posture", "reviews", "runtime-tokens",
)  # fmt: skip


def _write(archive: zipfile.ZipFile, name: str, chunks) -> dict:
    digest, size = hashlib.sha256(), 0
    with archive.open(name, "w", force_zip64=True) as fh:
        for chunk in chunks:
            data = chunk.encode() if isinstance(chunk, str) else chunk
            digest.update(data)
            size += len(data)
            fh.write(data)
    return {"sha256": digest.hexdigest(), "bytes": size}


def bundle_build(*, user, filters: dict, exports=DEFAULT_EXPORTS, now=None):
    """A spooled temporary file holding the zip; files are streamed into it one by one."""
    now = now or timezone.now()
    signing.private_key()  # no key configured: refuse before doing the work
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned open
    files = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key in exports:
            export = EXPORTS[key]
            if key in ("access", "posture"):
                if export.csv_cells is None:
                    # both files from one evaluation: posture runs every check once, and its
                    # CSV and JSON Lines cannot disagree
                    computed = list(export.rows(filters, user))
                    export = replace(export, rows=lambda *_, rows=computed: iter(rows))
                files[f"{key}.jsonl"] = _write(
                    archive, f"{key}.jsonl", jsonl_lines(export.columns, export.rows(filters, user))
                )
            files[f"{key}.csv"] = _write(archive, f"{key}.csv", export_csv(export, filters, user))
        files["verify_bundle.py"] = _write(
            archive, "verify_bundle.py", [VERIFY_SCRIPT.read_bytes()]
        )
        ledger.chain()  # the head anchors every row committed so far
        head = ledger.head()
        verdict = chain_status()  # the last verification, with its time
        manifest = {
            "generator": "Steward evidence bundle",
            "generated_at": now.isoformat(),
            "generated_by": user.get_username(),
            "filters": plain_filters(filters),
            "files": files,
            "audit_chain": {
                "entries": head["seq"],
                "head": head["entry_hash"],
                "head_at": head["created_at"].isoformat() if head["created_at"] else None,
                "verified": {k: verdict.get(k) for k in ("ok", "checked_at", "problems", "named")},
            },
            "signature": {
                "algorithm": "Ed25519",
                "file": "manifest.sig",
                "public_key": "bundle-key.pub",
                "key_fingerprint": signing.fingerprint(),
                "published_at": settings.STEWARD_BASE_URL + reverse("evidence:bundle-key"),
            },
            "verify": (
                "python3 verify_bundle.py --key <bundle-key.pub as published> "
                "<this zip or its extracted folder>"
            ),
        }
        manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
        archive.writestr("manifest.json", manifest_bytes)
        archive.writestr(
            "manifest.sha256", f"{hashlib.sha256(manifest_bytes).hexdigest()}  manifest.json\n"
        )
        archive.writestr("manifest.sig", signing.sign(manifest_bytes))
        archive.writestr("bundle-key.pub", signing.public_key_pem())
    out.seek(0)
    return out

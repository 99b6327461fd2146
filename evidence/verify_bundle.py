#!/usr/bin/env python3
"""Verify a Steward evidence bundle offline (Python 3 standard library only).

Usage:  python3 verify_bundle.py [BUNDLE.zip | EXTRACTED_DIR]
        (no argument: the directory this script is in)

Checks that manifest.json matches manifest.sha256, that every file the manifest lists is
present with the SHA-256 and size it records, and that the bundle holds no unlisted file.
Compare the manifest's audit_chain.head with `manage.py verify_audit` on the live system to
anchor the bundle to the audit ledger. Exit status 0: intact; 1: altered; 2: unreadable.
"""

import hashlib
import json
import os
import sys
import zipfile

SELF = {"manifest.json", "manifest.sha256"}


def _reader(path):
    if os.path.isdir(path):
        names = []
        for root, _dirs, files in os.walk(path):
            for name in files:
                rel = os.path.relpath(os.path.join(root, name), path).replace(os.sep, "/")
                names.append(rel)

        def read(name):
            with open(os.path.join(path, name), "rb") as fh:
                return fh.read()

        return names, read
    archive = zipfile.ZipFile(path)
    return [n for n in archive.namelist() if not n.endswith("/")], archive.read


def verify(path):
    names, read = _reader(path)
    problems = []
    try:
        manifest_bytes = read("manifest.json")
        manifest = json.loads(manifest_bytes)
    except (KeyError, OSError, ValueError) as exc:
        return [f"manifest.json unreadable: {exc}"]
    try:
        recorded = read("manifest.sha256")
    except (KeyError, OSError) as exc:
        problems.append(f"manifest.sha256 unreadable: {exc}")
    else:
        expected = f"{hashlib.sha256(manifest_bytes).hexdigest()}  manifest.json\n".encode()
        if recorded != expected:
            problems.append("manifest.json or manifest.sha256 was changed (they disagree)")
    listed = manifest.get("files", {})
    for name, meta in sorted(listed.items()):
        try:
            data = read(name)
        except (KeyError, OSError):
            problems.append(f"{name}: missing")
            continue
        if hashlib.sha256(data).hexdigest() != meta.get("sha256"):
            problems.append(f"{name}: SHA-256 differs from the manifest (changed)")
        elif len(data) != meta.get("bytes"):
            problems.append(f"{name}: size differs from the manifest")
    for name in sorted(set(names) - set(listed) - SELF):
        problems.append(f"{name}: not listed in the manifest")
    return problems


def main(argv):
    path = argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    try:
        problems = verify(path)
    except (OSError, zipfile.BadZipFile) as exc:
        print(f"cannot read {path}: {exc}", file=sys.stderr)
        return 2
    if problems:
        print("BUNDLE ALTERED:")
        for p in problems:
            print(f"  - {p}")
        return 1
    print("Bundle intact: every file matches manifest.json.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

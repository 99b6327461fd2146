#!/usr/bin/env python3
"""Verify a Steward evidence bundle offline (Python 3 standard library only).

Usage:  python3 verify_bundle.py [--key BUNDLE-KEY.pub] [BUNDLE.zip | EXTRACTED_DIR]
        (no bundle: the directory this script is in)

Checks that manifest.json carries a valid Ed25519 signature (manifest.sig), that it matches
manifest.sha256, that every file the manifest lists is present with the SHA-256 and size it
records, and that the bundle holds no unlisted file.

The signature is what makes a consistent re-computation of the files and checksums fail: only
Steward's private key signs a manifest. Pass `--key` the public key *as published* by the
Steward that issued the bundle (GET /evidence/bundle-key.pub), fetched apart from the bundle:
without it the key shipped inside the bundle is used, and its fingerprint is printed for you
to compare with the published one. Use your own copy of this script, not the bundle's.
Compare the manifest's audit_chain.head with `manage.py verify_audit` on the live system to
anchor the bundle to the audit ledger. Exit status 0: intact; 1: altered; 2: unreadable.
"""

import argparse
import base64
import binascii
import hashlib
import json
import os
import sys
import zipfile

SELF = {"manifest.json", "manifest.sha256", "manifest.sig", "bundle-key.pub"}

# --- Ed25519 verification, RFC 8032 section 5.1.7 (after the reference code in section 6) ---
_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _recover_x(y, sign):
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    if x2 % _P == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


def _add(p, q):  # extended twisted Edwards coordinates (X, Y, Z, T)
    a = (p[1] - p[0]) * (q[1] - q[0]) % _P
    b = (p[1] + p[0]) * (q[1] + q[0]) % _P
    c = 2 * p[3] * q[3] * _D % _P
    d = 2 * p[2] * q[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(s, p):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _add(q, p)
        p = _add(p, p)
        s >>= 1
    return q


def _equal(p, q):
    return (p[0] * q[2] - q[0] * p[2]) % _P == 0 and (p[1] * q[2] - q[1] * p[2]) % _P == 0


def _decompress(data):
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_G = (_recover_x(_GY, 0), _GY, 1, _recover_x(_GY, 0) * _GY % _P)


def ed25519_verify(public, message, signature):
    """True if `signature` (64 bytes) is `public`'s (32 bytes) over `message`."""
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decompress(public)
    r = _decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % _L
    return _equal(_mul(s, _G), _add(r, _mul(h, a)))


# Ed25519 SubjectPublicKeyInfo (RFC 8410 section 4): this DER prefix, then the 32-byte key.
_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


def public_key_from_pem(pem):
    """The raw 32-byte key of a "-----BEGIN PUBLIC KEY-----" Ed25519 PEM; ValueError if not."""
    text = pem.decode("ascii", "replace") if isinstance(pem, bytes) else pem
    lines = [ln.strip() for ln in text.strip().splitlines()]
    begin, end = "-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----"
    if not lines or lines[0] != begin or end not in lines:
        raise ValueError("not a PEM public key")
    body = "".join(lines[1 : lines.index(end)])
    try:
        der = base64.b64decode(body, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"bad base64: {exc}") from exc
    if len(der) != 44 or not der.startswith(_SPKI_PREFIX):
        raise ValueError("not an Ed25519 public key")
    return der[len(_SPKI_PREFIX) :]


def public_key_pem(raw_key):
    """The canonical PEM of a raw Ed25519 key (what Steward writes into the bundle)."""
    der = base64.b64encode(_SPKI_PREFIX + raw_key).decode()
    return f"-----BEGIN PUBLIC KEY-----\n{der}\n-----END PUBLIC KEY-----\n".encode()


def fingerprint(raw_key):
    return "SHA256:" + hashlib.sha256(raw_key).hexdigest()


# --- the bundle ---------------------------------------------------------------------------
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


def _check_signature(read, manifest_bytes, trusted_key):
    """(problems, note): the manifest's signature against the trusted (or shipped) key."""
    if trusted_key is None:
        try:
            shipped = read("bundle-key.pub")
            trusted_key = public_key_from_pem(shipped)
        except (KeyError, OSError, ValueError) as exc:
            return [f"bundle-key.pub unreadable: {exc}"], ""
        if shipped != public_key_pem(trusted_key):
            return ["bundle-key.pub was changed (not as Steward writes it)"], ""
        note = (
            f"signed by the key shipped in the bundle, {fingerprint(trusted_key)}: compare it "
            "with the key Steward publishes (or pass --key)"
        )
    else:
        note = f"signed by the published key {fingerprint(trusted_key)}"
    try:
        recorded = read("manifest.sig")
        signature = base64.b64decode(recorded, validate=False)
    except (KeyError, OSError) as exc:
        return [f"manifest.sig missing: the manifest is not signed ({exc})"], ""
    except binascii.Error as exc:
        return [f"manifest.sig unreadable: {exc}"], ""
    if recorded != base64.b64encode(signature) + b"\n":
        return ["manifest.sig was changed (not one base64 line)"], ""
    if not ed25519_verify(trusted_key, manifest_bytes, signature):
        return [f"manifest.json signature does not verify with key {fingerprint(trusted_key)}"], ""
    return [], note


def verify(path, trusted_key=None):
    """Problems found (empty: intact). `trusted_key`: raw 32-byte Ed25519 public key."""
    problems, _note = verify_with_note(path, trusted_key)
    return problems


def verify_with_note(path, trusted_key=None):
    names, read = _reader(path)
    try:
        manifest_bytes = read("manifest.json")
        manifest = json.loads(manifest_bytes)
    except (KeyError, OSError, ValueError) as exc:
        return [f"manifest.json unreadable: {exc}"], ""
    problems, note = _check_signature(read, manifest_bytes, trusted_key)
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
    return problems, note


def main(argv):
    parser = argparse.ArgumentParser(description="Verify a Steward evidence bundle offline.")
    parser.add_argument("--key", help="the published bundle-key.pub (PEM) to trust")
    parser.add_argument("bundle", nargs="?", help="the zip or its extracted folder")
    args = parser.parse_args(argv[1:])
    path = args.bundle or os.path.dirname(os.path.abspath(__file__))
    trusted = None
    if args.key:
        try:
            with open(args.key, "rb") as fh:
                trusted = public_key_from_pem(fh.read())
        except (OSError, ValueError) as exc:
            print(f"cannot read the key {args.key}: {exc}", file=sys.stderr)
            return 2
    try:
        problems, note = verify_with_note(path, trusted)
    except (OSError, zipfile.BadZipFile) as exc:
        print(f"cannot read {path}: {exc}", file=sys.stderr)
        return 2
    if problems:
        print("BUNDLE ALTERED:")
        for p in problems:
            print(f"  - {p}")
        return 1
    print("Bundle intact: every file matches manifest.json, and manifest.json is " + note + ".")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

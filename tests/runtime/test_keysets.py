"""Trusted issuers' public key sets: public key material is random base64 and must never be
mistaken for a secret (a modulus or a thumbprint kid tripped the AWS-secret shape by chance,
one key in a few dozen), while a secret beside the key material or a private key is still
refused."""

import pytest
from django.core.exceptions import ValidationError
from joserfc import jwk

from runtime.keys import public_keyset_errors
from runtime.models import TrustedIssuer

pytestmark = pytest.mark.django_db

AWS_SHAPED = "Abcdefghij0123456789Klmnopqrst0123456789"  # 40 base64 chars, mixed case and digits


def modulus_with_aws_shaped_run() -> dict:
    key = jwk.RSAKey.generate_key(2048, auto_kid=True).as_dict(private=False)
    key["n"] = key["n"][:50] + "-" + AWS_SHAPED + "-" + key["n"][92:]
    return key


def test_a_modulus_that_looks_like_a_secret_is_a_public_key(k8s):
    key = modulus_with_aws_shaped_run()
    assert public_keyset_errors({"keys": [key]}) == ""
    k8s.jwks = {"keys": [key]}
    k8s.full_clean()
    k8s.save()  # the text guard on save lets the key material through
    assert TrustedIssuer.objects.get(pk=k8s.pk).jwks["keys"][0]["n"] == key["n"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"x5u": f"https://keys.example/{AWS_SHAPED}"}, "looks like"),
        ({"note": "hello"}, "Unknown JWK member"),
        ({"d": "c2VjcmV0"}, "private key"),
    ],
)
def test_secrets_beside_the_key_material_are_refused(change, message):
    key = {**jwk.ECKey.generate_key("P-256").as_dict(private=False), **change}
    assert message in public_keyset_errors({"keys": [key]})


def test_a_jwks_holds_only_keys():
    key = jwk.ECKey.generate_key("P-256").as_dict(private=False)
    assert public_keyset_errors({"keys": [key], "comment": "x"}) == 'A JWKS holds only its "keys".'


def test_a_thumbprint_kid_is_a_public_id():
    """RFC 7638 thumbprints are random base64url; some look like an AWS secret by chance."""
    key = {**jwk.ECKey.generate_key("P-256").as_dict(private=False), "kid": AWS_SHAPED}
    assert public_keyset_errors({"keys": [key]}) == ""


def test_the_issuer_refuses_a_hidden_secret_on_clean(k8s):
    key = {
        **jwk.ECKey.generate_key("P-256").as_dict(private=False),
        "x5u": f"https://keys.example/{AWS_SHAPED}",
    }
    k8s.jwks = {"keys": [key]}
    with pytest.raises(ValidationError, match="looks like"):
        k8s.full_clean()


def test_an_issuers_keys_are_imported_once_until_they_change(k8s, monkeypatch):
    from runtime import proofs

    calls = []
    real = jwk.KeySet.import_key_set
    monkeypatch.setattr(jwk.KeySet, "import_key_set", lambda data: calls.append(1) or real(data))
    proofs._keysets.clear()
    first = proofs._keyset(k8s)
    assert proofs._keyset(k8s) is first and len(calls) == 1
    k8s.jwks = {"keys": [jwk.ECKey.generate_key("P-256", auto_kid=True).as_dict(private=False)]}
    rotated = proofs._keyset(k8s)  # a rotation is seen at once
    assert rotated is not first and len(calls) == 2

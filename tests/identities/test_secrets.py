import pytest
from hypothesis import given
from hypothesis import strategies as st

from identities.secrets import find_secret_values

SECRETS = [
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "github_pat_11ABCDEFG0abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ",
    "xoxb-123456789012-abcdefghijklmnop",
    "sk-proj-abcdefghijklmnopqrstuvwxyz0123",
    "sk_live_51Habcdefghijklmnop",
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "Zx9Qm2Lr8Tv4Wy6Kp3Hs7Jd5Nf1Bg0Ca-_xYz",
]
PUBLIC = [
    "arn:aws:iam::123456789012:role/billing-exporter-production-role",
    "spiffe://prod.acme.io/ns/payments/sa/ledger-writer",
    "kv/payments/production/ledgerwriter/apikeys",
    "vault:secret/data/payments/ledger-writer/api",
    "Reads invoices and publishes daily aggregates for the payments team.",
    "payments/ledger-writer",
    "https://api.example.com/v1/oauth/clients/12345",
]


@pytest.mark.parametrize("value", SECRETS)
def test_secret_shapes_are_found(value):
    assert "purpose" in find_secret_values({"purpose": f"see {value} here"})


@pytest.mark.parametrize("value", PUBLIC)
def test_public_identifiers_and_prose_pass(value):
    assert find_secret_values({"purpose": value}) == {}


@pytest.mark.parametrize("key", ["secret", "token", "password", "value", "client_secret"])
def test_secret_bearing_keys_are_refused_whatever_the_value(key):
    assert key in find_secret_values({key: "x"})


def test_fingerprints_are_identifiers_not_secrets():
    fp = {"fingerprint": "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8"}
    assert find_secret_values(fp, identifier_fields=["fingerprint"]) == {}


def test_nested_payloads_name_the_path():
    assert "credentials[0].token" in find_secret_values({"credentials": [{"token": "x"}]})


@given(st.text(alphabet=st.characters(categories=["L", "Zs"]), max_size=200))
def test_plain_prose_never_looks_like_a_secret(text):
    assert find_secret_values({"purpose": text}) == {}


def test_memoised_checks_compute_each_distinct_value_once_and_answer_the_same(monkeypatch):
    from core import secrets

    calls = []
    compute = secrets._secret_reason
    monkeypatch.setattr(
        secrets, "_secret_reason", lambda v, free: calls.append((v, free)) or compute(v, free)
    )
    rows = [{"purpose": p, "external_id": p} for p in [*SECRETS, *PUBLIC] * 3]
    plain = [find_secret_values(r, identifier_fields=("external_id",)) for r in rows]
    assert len(calls) == len(rows) * 2  # no memo outside the block: every value, every time
    calls.clear()
    memo: dict = {}
    with secrets.secret_reasons_memoised(memo):
        memoised = [find_secret_values(r, identifier_fields=("external_id",)) for r in rows]
    assert memoised == plain and all(plain[: len(SECRETS)])  # every secret still refused
    assert len(calls) == len(set(calls)) == len(SECRETS + PUBLIC) * 2
    calls.clear()
    with secrets.secret_reasons_memoised(memo):  # a later block shares the kept answers
        assert find_secret_values(rows[0]) == plain[0]
        assert find_secret_values({"purpose": SECRETS[0] + " "})  # new text: checked anew
    assert calls == [(SECRETS[0] + " ", True)]

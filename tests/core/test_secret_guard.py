"""The secret-value guard's rules: each provider's key shapes (and the ways people slip them
past a guard) are found; the names and ids platforms generate are not."""

import pytest

from core.secrets import (
    control_character_reason,
    find_secret_values,
    identifier_format_reason,
    secret_reason,
)
from tests.core.secret_shapes import (
    AWS_KEY_ID,
    AWS_SECRET,
    FALSE_POSITIVES,
    GITHUB_CLASSIC,
    TRUE_POSITIVES,
    b64,
)


@pytest.mark.parametrize(("label", "value"), TRUE_POSITIVES, ids=[t[0] for t in TRUE_POSITIVES])
def test_true_positive_is_found_in_free_text(label, value):
    assert secret_reason(value) is not None


@pytest.mark.parametrize("value", FALSE_POSITIVES)
def test_generated_name_or_id_is_not_a_secret(value):
    assert secret_reason(value) is None


@pytest.mark.parametrize("value", FALSE_POSITIVES)
def test_generated_name_or_id_passes_as_an_identifier_too(value):
    assert secret_reason(value, free_text=False) is None


def test_numeric_suffixes_are_never_refused():
    for n in range(1130055200, 1130056200, 7):
        assert secret_reason(f"checkout-api-worker-prod-{n}") is None


@pytest.mark.parametrize(
    "value",
    [
        "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8",
        "SHA256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48",
        "16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48",
        "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3",
        "SHA256:2c26b46b68ffc68f",
    ],
)
def test_digest_or_short_hint_is_a_valid_fingerprint(value):
    assert find_secret_values({"fingerprint": value}, identifier_fields=["fingerprint"]) == {}


@pytest.mark.parametrize(
    "value",
    [
        AWS_SECRET,
        b64(AWS_SECRET),
        AWS_SECRET.encode().hex(),
        "SHA256:" + GITHUB_CLASSIC.encode().hex()[:64],  # hex of a key, digest-length
        "SHA256:" + b64(GITHUB_CLASSIC[:32])[:43],
        "see vault",
        "SHA256:longerThanAHintButNotADigest",
        "SHA256:two words",
    ],
)
def test_fingerprint_that_is_not_a_digest_is_refused(value):
    assert "fingerprint" in find_secret_values(
        {"fingerprint": value}, identifier_fields=["fingerprint"]
    )


def test_key_id_takes_an_access_key_id_but_not_a_secret_or_spaces():
    ids = ["key_id"]
    assert find_secret_values({"key_id": AWS_KEY_ID}, identifier_fields=ids) == {}
    assert find_secret_values({"key_id": "6f1c3b2a-9d4e-4f8a"}, identifier_fields=ids) == {}
    assert "key_id" in find_secret_values({"key_id": AWS_SECRET}, identifier_fields=ids)
    assert "key_id" in find_secret_values({"key_id": "my key"}, identifier_fields=ids)
    assert identifier_format_reason("key_id", "x" * 129)


def test_last_chars_is_at_most_six_visible_characters():
    assert identifier_format_reason("last_chars", "Qz9x") is None
    assert identifier_format_reason("last_chars", "a b") is not None


@pytest.mark.parametrize("value", ["name\r\nBcc: x@example.com", "a\nb", "nul\x00", "tab\there"])
def test_single_line_text_refuses_control_characters(value):
    assert "single line" in control_character_reason(value, multiline=False)


def test_multiline_text_takes_line_breaks_but_not_nul():
    assert control_character_reason("one\r\ntwo\tthree", multiline=True) is None
    assert control_character_reason("nul\x00", multiline=True) is not None

"""The runtime scopes a request asks for: OAuth scope tokens (RFC 6749 §3.3) that a workload
may get Steward tokens for while the grant lasts. Stated once here; the token endpoint
(runtime) matches a requested scope against a grant's scopes with the same syntax."""

from django.core.exceptions import ValidationError

MAX_SCOPES = 20
MAX_SCOPE_LENGTH = 200


def is_scope_token(value) -> bool:
    """RFC 6749 §3.3: scope-token = 1*NQCHAR, NQCHAR = %x21 / %x23-5B / %x5D-7E (printable
    ASCII but space, double quote and backslash)."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_SCOPE_LENGTH
        and all(0x21 <= ord(c) <= 0x7E and c not in '"\\' for c in value)
    )


def clean_scopes(value) -> list[str]:
    """A list of distinct scope tokens from a list, or from text separated by spaces, commas
    or new lines. Raises ValidationError({"scopes": ...}) naming what is wrong."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        items = value.replace(",", " ").split()
    elif isinstance(value, list | tuple):
        items = value
    else:
        raise ValidationError({"scopes": "Give the scopes as a list of scope names."})
    bad = [s for s in items if not is_scope_token(s)]
    if bad:
        shown = ", ".join(repr(s)[:60] for s in bad[:3])
        raise ValidationError(
            {
                "scopes": f"Not a scope name: {shown}. A scope is up to {MAX_SCOPE_LENGTH} "
                'printable ASCII characters without spaces, " or \\ (e.g. payments:write).'
            }
        )
    scopes = list(dict.fromkeys(items))
    if len(scopes) > MAX_SCOPES:
        raise ValidationError({"scopes": f"Ask for at most {MAX_SCOPES} scopes per request."})
    return scopes

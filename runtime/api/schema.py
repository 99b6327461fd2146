"""The OAuth endpoints in the OpenAPI schema. They are plain Django views (no DRF: no
session, no CSRF, form-encoded per RFC 6749), which drf-spectacular does not enumerate, so
this postprocessing hook documents them: form-encoded request bodies (RFC 6749 §4.1.3,
RFC 8693 §2.1, RFC 7523 §2.1, RFC 7662 §2.1, RFC 7009 §2.1), the answers (RFC 8693 §2.2.1,
RFC 7662 §2.2, RFC 7009 §2.2) and the RFC 6749 §5.2 error body. It runs after core's
`document_errors`, whose generic error body does not describe these endpoints."""

from ..choices import GrantType
from ..services import TOKEN_TYPE_ACCESS, TOKEN_TYPE_ID_TOKEN, TOKEN_TYPE_JWT

FORM = "application/x-www-form-urlencoded"
TAG = "oauth"
BASIC = "resourceServerBasic"

ERROR = {
    "type": "object",
    "description": "RFC 6749 §5.2: an error code and a description naming exactly why.",
    "properties": {
        "error": {
            "type": "string",
            "enum": [
                "invalid_request",
                "invalid_client",
                "invalid_grant",
                "unauthorized_client",
                "unsupported_grant_type",
                "invalid_scope",
                "invalid_target",
            ],
        },
        "error_description": {"type": "string"},
    },
    "required": ["error", "error_description"],
}
TOKEN_REQUEST = {
    "type": "object",
    "properties": {
        "grant_type": {"type": "string", "enum": list(GrantType.values)},
        "subject_token": {
            "type": "string",
            "description": "Token exchange: the workload's platform-issued JWT.",
        },
        "subject_token_type": {"type": "string", "enum": [TOKEN_TYPE_JWT, TOKEN_TYPE_ID_TOKEN]},
        "assertion": {"type": "string", "description": "JWT bearer: the workload's JWT."},
        "scope": {"type": "string", "description": "Space-delimited scopes (RFC 6749 §3.3)."},
        "audience": {"type": "string"},
        "resource": {"type": "string"},
        "requested_token_type": {"type": "string", "enum": [TOKEN_TYPE_ACCESS, TOKEN_TYPE_JWT]},
    },
    "required": ["grant_type"],
}
TOKEN_RESPONSE = {
    "type": "object",
    "properties": {
        "access_token": {"type": "string", "description": "An RFC 9068 JWT (typ at+jwt)."},
        "issued_token_type": {"type": "string", "enum": [TOKEN_TYPE_ACCESS]},
        "token_type": {"type": "string", "enum": ["Bearer"]},
        "expires_in": {"type": "integer", "minimum": 0},
        "scope": {"type": "string"},
    },
    "required": ["access_token", "token_type", "expires_in", "scope"],
}
CLIENT_FORM = {
    "token": {"type": "string"},
    "token_type_hint": {"type": "string"},
    "client_id": {"type": "string", "description": "Instead of HTTP Basic (client_secret_post)."},
    "client_secret": {"type": "string"},
}
INTROSPECTION = {
    "type": "object",
    "description": "RFC 7662 §2.2, from the state now; anything not live is `{active: false}`.",
    "properties": {
        "active": {"type": "boolean"},
        "scope": {"type": "string"},
        "client_id": {"type": "string"},
        "token_type": {"type": "string"},
        "exp": {"type": "integer"},
        "iat": {"type": "integer"},
        "sub": {"type": "string"},
        "aud": {"type": "string"},
        "iss": {"type": "string"},
        "jti": {"type": "string"},
        "identity_id": {"type": "integer"},
        "grant_id": {"type": "integer", "nullable": True},
    },
    "required": ["active"],
}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(*, op_id, summary, description, body, responses, security) -> dict:
    return {
        "operationId": op_id,
        "summary": summary,
        "description": description,
        "tags": [TAG],
        "security": security,
        "requestBody": {"required": True, "content": {FORM: {"schema": body}}},
        "responses": responses,
    }


def _unauthorized() -> dict:
    return _json(ERROR, "invalid_client: authenticate as a resource server (HTTP Basic).")


def oauth_paths() -> dict:
    client_body = {"type": "object", "properties": CLIENT_FORM, "required": ["token"]}
    client_security = [{BASIC: []}, {}]  # HTTP Basic, or client_id/client_secret in the form
    return {
        "/oauth/token": {
            "post": _operation(
                op_id="oauth_token",
                summary="Exchange a workload's platform JWT for a Steward access token",
                description="RFC 8693 token exchange or RFC 7523 jwt-bearer grant, evaluated "
                "against the runtime policy now. Never cached (Cache-Control: no-store).",
                body=TOKEN_REQUEST,
                responses={
                    "200": _json(TOKEN_RESPONSE, "The access token (RFC 8693 §2.2.1)."),
                    "400": _json(ERROR, "Refused (RFC 6749 §5.2); the evaluation is kept."),
                },
                security=[{}],
            )
        },
        "/oauth/introspect": {
            "post": _operation(
                op_id="oauth_introspect",
                summary="Is this Steward token live now? (resource servers)",
                description="RFC 7662: false the moment the token expires or is revoked, its "
                "grant ends or its identity is suspended or decommissioned.",
                body=client_body,
                responses={
                    "200": _json(INTROSPECTION, "The token's state now."),
                    "400": _json(ERROR, "No token given, or the body cannot be read."),
                    "401": _unauthorized(),
                },
                security=client_security,
            )
        },
        "/oauth/revoke": {
            "post": _operation(
                op_id="oauth_revoke",
                summary="Revoke a Steward token (its holder or a resource server)",
                description="RFC 7009: 200 whether or not the token was valid.",
                body=client_body,
                responses={
                    "200": _json({"type": "object", "maxProperties": 0}, "Revoked, or unknown."),
                    "400": _json(ERROR, "No token given, or the body cannot be read."),
                    "401": _unauthorized(),
                },
                security=client_security,
            )
        },
    }


def document_oauth_endpoints(result, generator, request, public):
    """Postprocessing hook (after core.api.schema.document_errors)."""
    result.setdefault("paths", {}).update(oauth_paths())
    components = result.setdefault("components", {})
    components.setdefault("securitySchemes", {})[BASIC] = {
        "type": "http",
        "scheme": "basic",
        "description": "A resource server's credential (`manage.py create_resource_server`).",
    }
    tags = result.setdefault("tags", [])
    if not any(t.get("name") == TAG for t in tags):
        tags.append({"name": TAG, "description": "Workload token service (RFC 6749/8693/7662)."})
    return result

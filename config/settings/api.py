"""The REST API: authentication, permissions, paging, throttles and the schema."""

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.filters.StrictFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StewardPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.StrictJSONParser"],
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Steward API",
    "DESCRIPTION": "Governance of non-human identities: registry, ownership, approvals, evidence.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.document_errors",
        "runtime.api.schema.document_oauth_endpoints",  # after document_errors: own errors
    ],
    "ENUM_NAME_OVERRIDES": {
        "IdentityKindEnum": "identities.choices.IdentityKind",
        "IdentityStatusEnum": "identities.choices.IdentityStatus",
        "PlatformKindEnum": "identities.choices.PlatformKind",
        "CredentialKindEnum": "identities.choices.CredentialKind",
        "CredentialStatusEnum": "identities.choices.CredentialStatus",
        "RequestKindEnum": "approvals.choices.RequestKind",
        "RequestStatusEnum": "approvals.choices.RequestStatus",
        "GrantStatusEnum": "approvals.choices.GrantStatus",
        "SignalKindEnum": "usage.choices.SignalKind",
        "SignalStatusEnum": "usage.choices.SignalStatus",
        "SignalSeverityEnum": "usage.choices.Severity",
        # approvals' decision keeps its name beside the revocation acknowledgement's outcome
        "OutcomeEnum": "approvals.choices.DecisionOutcome",
        "RevocationAckOutcomeEnum": "connectors.choices.AckOutcome",
        "RevocationStatusEnum": "connectors.choices.JobStatus",
    },
}

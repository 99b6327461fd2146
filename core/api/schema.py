"""OpenAPI plumbing shared by every app's API: what a paginated list looks like, and one
error body documented on every operation (the exception handler answers every 4xx the
same way, so the schema says so once, here, instead of per view)."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "description": "`{\"detail\": \"...\"}`, or the refused fields each with its messages "
    "(a list of such objects for a refused batch).",
    "oneOf": [
        {"type": "object", "additionalProperties": {}},
        {"type": "array", "items": {}},
    ],
}
ERROR_TEXT = {
    "400": "Invalid input: the body names each refused field and why.",
    "401": "Not authenticated: send `Authorization: Bearer stw_...` or a session cookie.",
    "403": "Authenticated, but not allowed to do this.",
    "404": "Not found, or outside what you may see.",
    "409": "The object changed under you (already decided, ended or linked): reload it.",
}
WRITES = {"post", "put", "patch", "delete"}


def paginated(serializer_class, *, name: str | None = None):
    """The response of a list that `StewardPagination` pages, for `extend_schema`."""
    base = name or serializer_class.__name__.removesuffix("Serializer")
    return inline_serializer(
        name=f"Paginated{base}List",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


def document_errors(result, generator, request, public):
    """Postprocessing hook: every operation documents the error statuses it can answer
    (401/403/404 always; 400 with input; 409 for writes), all with the one error body."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_COMPONENT] = ERROR_SCHEMA
    ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = {"401", "403", "404"}
            if method in WRITES or operation.get("parameters") or "requestBody" in operation:
                codes.add("400")
            if method in WRITES:
                codes.add("409")
            responses = operation["responses"]
            for code in codes | {c for c in responses if c.startswith("4")}:
                description = responses.get(code, {}).get("description") or ERROR_TEXT.get(
                    code, "Refused."
                )
                responses[code] = {
                    "description": description,
                    "content": {"application/json": {"schema": ref}},
                }
    return result


"""Kubernetes service accounts: `kubectl get serviceaccounts -A -o json`.

Each ServiceAccount → a `workload` identity, external id `namespace/name`. The purpose comes
from an annotation when there is one (`steward.io/purpose`, `kubernetes.io/description`,
`description`), else "Kubernetes service account in <namespace>". Workload-identity
annotations (EKS IRSA role, GKE service account, Azure client id) become entitlements.
`default` service accounts are skipped unless asked for. Token secrets listed under
`secrets` are recorded by name only (credential metadata); a secret's content is never read —
a field carrying one is refused like anywhere else.
"""

from collections.abc import Mapping

from ..choices import CredentialKind, IdentityKind, RiskTier
from .base import (
    CredentialRow,
    ImportFileError,
    ImportRow,
    parse_datetime,
    secret_errors,
    validate_fields,
)
from .files import check_row_count, load_json

PURPOSE_ANNOTATIONS = ("steward.io/purpose", "kubernetes.io/description", "description")
WORKLOAD_IDENTITY_ANNOTATIONS = {
    "eks.amazonaws.com/role-arn": "aws-iam-role",
    "iam.gke.io/gcp-service-account": "gcp-service-account",
    "azure.workload.identity/client-id": "azure-client-id",
}
# Public identifiers of the object (not checked by the entropy rule).
IDENTIFIER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "name", "namespace")
SKIP_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)


class KubernetesServiceAccountParser:
    format = "k8s"

    def read(self, content: str) -> list[tuple[str, Mapping]]:
        data = load_json(content)
        if not isinstance(data, Mapping):
            raise ImportFileError("Expected the output of kubectl get serviceaccounts -o json.")
        if data.get("kind") == "ServiceAccount":
            data = {"items": [data]}
        items = data.get("items")
        if not isinstance(items, list):
            raise ImportFileError(
                "Expected a ServiceAccountList (kubectl get serviceaccounts -A -o json): "
                "no 'items' list found."
            )
        check_row_count(len(items))
        rows = []
        for n, item in enumerate(items, start=1):
            if not isinstance(item, Mapping):
                raise ImportFileError(f"Item {n} is not an object.")
            meta = item.get("metadata") if isinstance(item.get("metadata"), Mapping) else {}
            where = "/".join(str(meta.get(k) or "?") for k in ("namespace", "name"))
            rows.append((f"item {n} ({where})", item))
        return rows

    def normalize(self, ref: str, raw: Mapping, options: dict) -> ImportRow:
        row = ImportRow(ref=ref)
        meta = raw.get("metadata") if isinstance(raw.get("metadata"), Mapping) else {}
        annotations = meta.get("annotations") or {}
        if not isinstance(annotations, Mapping):
            annotations = {}
            row.errors.append("metadata.annotations: expected an object.")
        _refuse_secrets(row, raw, meta, annotations)
        if raw.get("kind") not in (None, "ServiceAccount"):
            row.errors.append(f"kind: {raw.get('kind')!r} is not a ServiceAccount.")
        name = str(meta.get("name") or "").strip()
        namespace = str(meta.get("namespace") or "").strip()
        if not name or not namespace:
            row.errors.append("metadata.name and metadata.namespace are required.")
        if name == "default" and not options.get("include_default"):
            row.skip = f"The default service account of {namespace} is skipped (not asked for)."
        purpose = next(
            (str(annotations[k]).strip() for k in PURPOSE_ANNOTATIONS if annotations.get(k)), ""
        )
        entitlements = [
            f"{label}:{str(annotations[key]).strip()}"
            for key, label in WORKLOAD_IDENTITY_ANNOTATIONS.items()
            if annotations.get(key)
        ]
        row.fields = {
            "name": name,
            "kind": IdentityKind.WORKLOAD.value,
            "external_id": f"{namespace}/{name}" if name and namespace else "",
            "environment": options.get("environment") or "production",
            "purpose": purpose or f"Kubernetes service account in {namespace}",
            "risk_tier": options.get("risk_tier") or RiskTier.MEDIUM.value,
            "entitlements": entitlements,
        }
        row.managed = (
            ("name",)
            + (("purpose",) if purpose else ())
            + (("entitlements",) if entitlements else ())
        )
        validate_fields(row.fields, row.errors)
        _token_secrets(row, raw, meta, namespace)
        return row


def _refuse_secrets(row: ImportRow, raw: Mapping, meta: Mapping, annotations: Mapping) -> None:
    """Refuse a service account carrying a secret value anywhere but the fields Kubernetes
    manages itself (managedFields, the last-applied annotation, apiVersion)."""
    checked = {k: v for k, v in raw.items() if k not in ("metadata", "apiVersion")}
    checked["metadata"] = {
        k: v for k, v in meta.items() if k not in ("managedFields", "annotations")
    }
    checked["metadata"]["annotations"] = {
        k: v for k, v in annotations.items() if k not in SKIP_ANNOTATIONS
    }
    # Annotation keys contain dots: name them whole, not by their last dotted segment.
    row.refuse_secrets(
        e.replace("metadata.annotations.", "metadata.annotations['", 1).replace(":", "']:", 1)
        if e.startswith("metadata.annotations.")
        else e
        for e in secret_errors(checked, identifier_fields=IDENTIFIER_FIELDS)
    )


def _token_secrets(row: ImportRow, raw: Mapping, meta: Mapping, namespace: str) -> None:
    """The service account's token secrets (references, never values) as credentials."""
    try:
        created = parse_datetime(str(meta.get("creationTimestamp") or ""))
    except ValueError:
        created = None
        row.errors.append("metadata.creationTimestamp: not an ISO 8601 time.")
    secrets = raw.get("secrets") or []
    if not isinstance(secrets, list):
        row.errors.append("secrets: expected a list of secret references.")
        secrets = []
    for ref_ in secrets:
        secret_name = str(ref_.get("name") or "").strip() if isinstance(ref_, Mapping) else ""
        if not secret_name:
            continue
        row.credentials.append(
            CredentialRow(
                key_id=f"secret/{secret_name}",
                kind=CredentialKind.TOKEN.value,
                label=f"Service account token secret {secret_name}",
                issued_at=created,
                storage_location=f"Kubernetes secret {namespace}/{secret_name}",
            )
        )

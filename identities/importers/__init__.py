"""Importers: Steward CSV/JSON, the AWS IAM credential report, Kubernetes service accounts."""

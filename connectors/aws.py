"""AWS IAM through boto3: discovery of users, access keys (age, status, last use), console
passwords and MFA; revocation = `UpdateAccessKey Status=Inactive` (and `DeleteAccessKey`
after the grace period when the connector's policy says so).

The connector's keys come from boto3's default provider chain, or from the environment
variables / shared-config profile the connector NAMES; they never enter the database."""

from __future__ import annotations

import datetime as dt
import os

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.utils import timezone

from .base import (
    ConnectorError,
    DiscoveredKey,
    DiscoveredPrincipal,
    Discovery,
    RevocationResult,
    RevocationTarget,
)

INACTIVE, ACTIVE = "Inactive", "Active"
KEY_ID_PREFIXES = ("AKIA", "ASIA")


def _second(value: dt.datetime | None) -> dt.datetime | None:
    """AWS's credential report gives whole seconds: compare and store at that precision."""
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value.astimezone(dt.UTC).replace(microsecond=0)


def user_name(arn: str) -> str:
    """arn:aws:iam::123456789012:user/path/name → name."""
    head, _, path = arn.partition(":user/")
    if not head.startswith("arn:") or not path:
        raise ConnectorError(f"{arn!r} is not an IAM user ARN.")
    return path.rsplit("/", 1)[-1]


class AwsIamConnector:
    def __init__(self, config):
        self.config = config

    # --- session: the NAME of where the keys are, never the keys -------------------------
    def client(self):
        c = self.config
        try:
            if c.credentials_env:
                names = (
                    f"{c.credentials_env}_ACCESS_KEY_ID",
                    f"{c.credentials_env}_SECRET_ACCESS_KEY",
                )
                missing = [n for n in names if not os.environ.get(n)]
                if missing:
                    raise ConnectorError(f"environment variable(s) not set: {', '.join(missing)}")
                session = boto3.Session(
                    aws_access_key_id=os.environ[names[0]],
                    aws_secret_access_key=os.environ[names[1]],
                    aws_session_token=os.environ.get(f"{c.credentials_env}_SESSION_TOKEN"),
                )
            elif c.aws_profile:
                session = boto3.Session(profile_name=c.aws_profile)
            else:
                session = boto3.Session()
            timeout = settings.CONNECTORS_AWS_TIMEOUT
            return session.client(
                "iam",
                region_name=c.region or None,
                endpoint_url=c.endpoint_url or None,
                # One attempt per call: retries and backoff are the revocation job's.
                config=Config(
                    connect_timeout=timeout,
                    read_timeout=timeout,
                    retries={"max_attempts": 1, "mode": "standard"},
                ),
            )
        except BotoCoreError as exc:
            raise ConnectorError(f"{type(exc).__name__}: {exc}") from exc

    # --- discover --------------------------------------------------------------------------
    def discover(self) -> Discovery:
        iam = self.client()
        try:
            principals = [
                self._principal(iam, user)
                for page in iam.get_paginator("list_users").paginate()
                for user in page["Users"]
            ]
        except (BotoCoreError, ClientError) as exc:
            raise ConnectorError(f"{type(exc).__name__}: {exc}") from exc
        return Discovery(principals=principals, read_at=timezone.now())

    def _principal(self, iam, user: dict) -> DiscoveredPrincipal:
        name = user["UserName"]
        try:
            iam.get_login_profile(UserName=name)
            password = True
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "NoSuchEntity":
                raise
            password = False
        mfa = bool(iam.list_mfa_devices(UserName=name)["MFADevices"])
        keys = []
        listed = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
        for key in sorted(listed, key=lambda k: k["CreateDate"]):
            used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
            last = used.get("AccessKeyLastUsed", {})
            keys.append(
                DiscoveredKey(
                    key_id=key["AccessKeyId"],
                    status=key["Status"],
                    created_at=_second(key["CreateDate"]),
                    last_used_at=_second(last.get("LastUsedDate")),
                    last_used_service=_known(last.get("ServiceName")),
                    last_used_region=_known(last.get("Region")),
                )
            )
        return DiscoveredPrincipal(
            name=name,
            external_id=user["Arn"],
            created_at=_second(user.get("CreateDate")),
            password_enabled=password,
            password_last_used=_second(user.get("PasswordLastUsed")),
            mfa_active=mfa,
            keys=keys,
        )

    # --- revoke ----------------------------------------------------------------------------
    def revoke(self, target: RevocationTarget, action: str) -> RevocationResult:
        if target.kind != "access_key":
            # Never "done" for what we cannot disable: it fails, retries and escalates.
            raise ConnectorError(
                f"the AWS IAM connector disables access keys; {target.label} is a {target.kind}"
            )
        iam = self.client()
        name = user_name(target.principal)
        try:
            listed = iam.list_access_keys(UserName=name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "NoSuchEntity":  # user gone: nothing can sign
                return _result("absent", exc.response)
            raise ConnectorError(f"{type(exc).__name__}: {exc}") from exc
        except BotoCoreError as exc:
            raise ConnectorError(f"{type(exc).__name__}: {exc}") from exc
        key = _match(listed["AccessKeyMetadata"], target)
        if key is None:
            return _result("absent", listed)
        try:
            if action == "delete":
                answer = iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
                changed = True
            elif key["Status"] == INACTIVE:
                answer, changed = listed, False  # already disabled: change nothing
            else:
                answer = iam.update_access_key(
                    UserName=name, AccessKeyId=key["AccessKeyId"], Status=INACTIVE
                )
                changed = True
            # Read the state back: the platform's word, not ours.
            after = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
        except (BotoCoreError, ClientError) as exc:
            raise ConnectorError(f"{type(exc).__name__}: {exc}") from exc
        now = next((k for k in after if k["AccessKeyId"] == key["AccessKeyId"]), None)
        state = "deleted" if now is None else now["Status"]
        if state == ACTIVE:
            raise ConnectorError(f"{key['AccessKeyId']} still reads back Active")
        result = _result(state, answer)
        result.changed = changed
        return result


def _known(value) -> str:
    return "" if value in (None, "N/A") else str(value)


def _match(keys: list[dict], target: RevocationTarget) -> dict | None:
    """The key Steward recorded: by the id discovery matched to it, or its recorded id;
    else by its creation time (the credential report, and so an import, names keys by slot
    and creation time only) — and only when that time names one key: never a guess."""
    key_id = target.source_key_id or (
        target.key_id if target.key_id.startswith(KEY_ID_PREFIXES) else ""
    )
    if key_id:
        return next((k for k in keys if k["AccessKeyId"] == key_id), None)
    issued = _second(target.issued_at)
    found = [k for k in keys if _second(k["CreateDate"]) == issued]
    if len(found) > 1:
        raise ConnectorError(
            f"{len(found)} keys were created at {issued:%Y-%m-%d %H:%M:%S}: sync the platform "
            "so Steward knows which one this credential is."
        )
    return found[0] if found else None


def _result(state: str, response: dict) -> RevocationResult:
    meta = response.get("ResponseMetadata", {})
    return RevocationResult(
        state=state, request_id=meta.get("RequestId", ""), read_at=timezone.now()
    )

"""The contract for every platform without a built-in connector: Steward emits the signed
webhook event `credential.revocation_requested` (core's outbox and webhook delivery: HMAC
signature, retries with backoff) and the platform answers at
`POST /api/v1/revocations/{id}/ack` with `request_id` = the event's `id`.

The event's `subject.id` is the revocation id; its `body` is a JSON document naming what to
revoke (identifiers only, never a secret). See README, "Revocation webhook receiver"."""

from __future__ import annotations

import json

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import notification_kinds
from core.models import Notification, Webhook
from core.notifications import notify
from core.system import system_user

from .base import ConnectorError, RevocationResult, RevocationTarget
from .choices import NotificationKind

EVENT = NotificationKind.REVOCATION_REQUESTED


def subscribed() -> bool:
    hooks = Webhook.objects.filter(active=True).only("kinds")
    return any(notification_kinds.subscribed(h.kinds, EVENT) for h in hooks)


class WebhookConnector:
    def __init__(self, config):
        self.config = config

    def discover(self):
        raise ConnectorError("A webhook platform has no discovery; it acknowledges revocations.")

    def revoke(self, target: RevocationTarget, action: str) -> RevocationResult:
        if not subscribed():
            raise ConnectorError(f"no active webhook subscribes to {EVENT}")
        platform = self.config.platform
        body = {
            "revocation_id": target.job_id,
            "action": action,
            "platform": platform.slug,
            "principal": target.principal,
            "credential": {"key_id": target.key_id, "label": target.label},
            "ack_url": f"/api/v1/revocations/{target.job_id}/ack",
        }
        from .models import RevocationJob

        job = RevocationJob(pk=target.job_id)
        recipient = system_user()
        today = timezone.localdate()
        with transaction.atomic():
            notify(
                kind=EVENT,
                subject=job,
                recipients=[recipient],
                due_on=today,
                title=f"Revoke {target.label} of {target.principal} on {platform}",
                reason=f"{platform} has no built-in connector: it acknowledges revocations.",
                body=json.dumps(body, sort_keys=True),
            )
            sent = Notification.objects.filter(
                Q(kind=EVENT, subject_type=job._meta.label_lower, subject_id=job.pk),
                recipient=recipient,
                due_on=today,
            ).values_list("pk", flat=True)
        return RevocationResult(
            state="requested", request_id=str(sent[0]), awaiting=True, read_at=timezone.now()
        )

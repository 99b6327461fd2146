"""Demo approvals: onboarding requests for the pending identities, exceptions pending and
approved, and one live emergency grant (the dashboard banner, a post-incident review due).

Idempotent: nothing is added once any request exists. Each request goes through the services,
so it is evaluated by the seeded policies; one the policy refuses (an ownership gap) is skipped."""

import contextlib
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from identities.choices import CredentialKind, IdentityStatus
from identities.credentials import credential_record
from identities.models import Identity

from .models import Request
from .services import request_decide, request_submit


def seed(ctx: dict) -> None:
    if Request.objects.exists():
        return
    users = ctx["users"]
    engineer, admin, owner = users["engineer"], users["admin"], users["owner"]
    mine = Identity.objects.filter(team__group__user=engineer).order_by("pk")
    made = 0
    now = timezone.now()

    def attempt(**kwargs):
        nonlocal made
        try:
            request = request_submit(now=now, **kwargs)
        except (ValidationError, PermissionDenied):
            return None
        made += 1
        return request

    onboardings = []
    for identity in Identity.objects.filter(status=IdentityStatus.PENDING).order_by("pk")[:12]:
        onboardings.append(attempt(actor=admin, kind="onboarding", identity=identity,
                justification="Registered in the demo; please review its purpose."))  # fmt: skip
    # a few onboardings approved and their first credential recorded under the grant, so the
    # access evidence shows the whole row: request, approver, policy, credential
    for request in [r for r in onboardings if r][:3]:
        with contextlib.suppress(ValidationError, PermissionDenied):
            request_decide(request_id=request.pk, actor=owner, outcome="approve", now=now,
                           comment="Purpose and owner checked.")  # fmt: skip
            credential_record(
                actor=admin, identity=request.identity, kind=CredentialKind.API_KEY,
                label="first key", key_id=f"demo-onboarding-{request.pk}",
                storage_location=f"vault:secret/data/onboarding/{request.pk}",
                issued_at=now, expires_at=now + timedelta(days=30),
                check_permission=False,
            )  # fmt: skip
    exceptions = []
    for identity in mine.filter(status=IdentityStatus.ACTIVE)[:6]:
        exceptions.append(attempt(
            actor=engineer, kind="exception", identity=identity, duration_hours=24 * 30,
            justification="The vendor SDK cannot rotate keys until v3 ships.",
            excepted_policy="Credentials rotate within their maximum age",
            scope="the vendor API key only",
            compensating_controls="IP allow-list, read-only scope, daily usage review",
        ))  # fmt: skip
    for request in [r for r in exceptions if r][:2]:
        with contextlib.suppress(ValidationError, PermissionDenied):
            request_decide(request_id=request.pk, actor=owner, outcome="approve",
                           comment="Approved for 30 days with the listed controls.")  # fmt: skip
    target = mine.filter(status=IdentityStatus.ACTIVE).order_by("-pk").first()
    if target is not None:
        attempt(actor=engineer, kind="emergency", identity=target,
                requested_end=now + timedelta(hours=2), justification="Payments API failing",
                access_requested="write access to the ledger database",
                incident_reference="INC-2041")  # fmt: skip
    ctx["stdout"].write(f"Opened {made} demo requests.")

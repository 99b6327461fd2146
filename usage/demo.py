"""Demo usage: ~60 days of deterministic usage for a subset of identities, one clear spike,
usage by a suspended identity, some unattributed spend; then the detectors run.

Idempotent: records are upserted (re-seeding changes nothing) and signals are unique."""

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from identities.choices import IdentityStatus
from identities.models import Identity

from .detectors import detect
from .ingest import apply_plan, plan_rows

DAYS = 60
SUBSET = 40


def seed(ctx: dict) -> None:
    users = ctx.get("users") or {}
    actor = users.get("admin") or get_user_model().objects.filter(is_superuser=True).first()
    today = timezone.localdate()
    rng = random.Random(8)
    active = list(Identity.objects.filter(status=IdentityStatus.ACTIVE).order_by("id")[:SUBSET])
    suspended = Identity.objects.filter(status=IdentityStatus.SUSPENDED).order_by("id").first()
    if not active:
        return
    rows = []
    for n, identity in enumerate(active):
        base = rng.choice([2, 5, 12, 40, 90])
        for back in range(DAYS - 1, -1, -1):
            day = today - dt.timedelta(days=back)
            cost = base * (1 + rng.uniform(-0.12, 0.12))
            if n == 0 and back == 1:
                cost = base * 14  # the clear spike, yesterday
            calls = int(cost * 40)
            rows.append((f"{identity.pk}-{day}", _row(identity, day, calls, cost)))
    if suspended is not None:
        for back in range(3):
            day = today - dt.timedelta(days=back)
            rows.append((f"s-{day}", _row(suspended, day, 300, 7.5)))
    for back in range(0, 30, 3):
        day = today - dt.timedelta(days=back)
        rows.append((f"u-{day}", {"day": day.isoformat(), "source": "openai-billing",
                                  "platform": "openai", "external_id": "org-demo/proj-legacy",
                                  "calls": 120, "cost": "18.4000"}))  # fmt: skip
    plan = plan_rows(rows)
    if not plan.has_errors:
        apply_plan(plan, actor=actor)
    result = detect(start=today - dt.timedelta(days=DAYS - 1), end=today)
    stdout = ctx.get("stdout")
    if stdout is not None:
        stdout.write(f"Usage: {plan.counts['create']} records added; {result}.")


def _row(identity, day, calls, cost) -> dict:
    return {
        "day": day.isoformat(),
        "source": "billing-export",
        "identity": identity.pk,
        "calls": calls,
        "tokens": calls * 250,
        "cost": str(Decimal(str(cost)).quantize(Decimal("0.0001"))),
        "currency": "USD",
    }

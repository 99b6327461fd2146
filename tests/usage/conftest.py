import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from governance.services import permissions_sync
from tests.factories import IdentityFactory, TeamFactory, UserFactory
from usage.models import UsageRecord


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def finance(db):
    return UserFactory(username="fran-finance")


@pytest.fixture
def usage_world(governed, owner, finance, engineer):
    """`finance` is the global A of consumption (the other domains' A is `owner`); a team
    with `engineer` in it and one active identity on a platform."""
    governed["consumption"].assignments.filter(scope_kind="global", role="A").update(
        assignee_user=finance
    )
    team = TeamFactory(slug="payments", members=[engineer])
    identity = IdentityFactory(team=team, name="ledger-writer", external_id="payments/ledger")
    permissions_sync()
    return {"team": team, "identity": identity, "platform": identity.platform, "domains": governed}


def add_series(identity, values, *, end: dt.date, source="billing", metric="cost"):
    """Records for `identity` ending on `end`, one per value (None: no record that day)."""
    start = end - dt.timedelta(days=len(values) - 1)
    rows = []
    for i, value in enumerate(values):
        if value is None:
            continue
        fields = {"calls": 0, "tokens": 0, "cost": Decimal(0)}
        fields[metric] = Decimal(str(value)) if metric == "cost" else int(value)
        fields["calls"] = fields["calls"] or 10
        rows.append(UsageRecord(identity=identity, source=source,
                                day=start + dt.timedelta(days=i), **fields))  # fmt: skip
    UsageRecord.objects.bulk_create(rows)
    return rows

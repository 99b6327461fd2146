"""Issue 15.9: usage records and signals are evidence inputs — read-only in Django admin
(viewable; never added, changed or deleted there)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import IdentityFactory
from usage.models import Signal, UsageRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    return client


@pytest.fixture
def usage_rows(admin_user):
    identity = IdentityFactory()
    day = timezone.localdate()
    record = UsageRecord.objects.create(
        day=day, identity=identity, source="aws", external_ref="arn:x", calls=10,
        cost=Decimal("1.00"), currency="USD", ingested_by=admin_user,
    )  # fmt: skip
    signal = Signal.objects.create(
        day=day, kind="spike", identity=identity, subject=f"identity:{identity.pk}",
        summary="spike", cost=Decimal("1.00"),
    )  # fmt: skip
    return record, signal


@pytest.mark.parametrize("model", ["usagerecord", "signal"])
def test_usage_evidence_is_read_only_in_admin(superuser_client, usage_rows, model):
    record, signal = usage_rows
    obj = record if model == "usagerecord" else signal
    base = f"/admin/usage/{model}/"
    assert superuser_client.get(base).status_code == 200  # still viewable
    assert superuser_client.get(f"{base}{obj.pk}/change/").status_code == 200
    assert superuser_client.get(f"{base}add/").status_code == 403
    assert superuser_client.post(f"{base}{obj.pk}/change/", {"cost": "0"}).status_code == 403
    assert superuser_client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = superuser_client.post(
        base, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302, 403)
    obj.refresh_from_db()  # still there, unchanged
    assert obj.cost == Decimal("1.00")

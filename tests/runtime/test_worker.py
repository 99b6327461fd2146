"""The grant-expiry sweep through the real broker and a real worker: a token issued under
a grant is inactive once the sweep has ended the grant (and never outlived it anyway)."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from approvals.choices import GrantStatus
from lifecycle.tasks import expiry_sweep
from runtime.selectors import introspect
from runtime.services import resource_server_create, runtime_policy_update, token_exchange
from tests.approvals_helpers import approved_exception
from tests.worker import celery_worker, wait_for

from .conftest import JWT_BEARER, k8s_claims, sign

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_expiry_sweep_on_a_worker_ends_the_grant_and_its_tokens(workload, admin_user):
    runtime_policy_update(actor=admin_user, reason="gated", grant_scopes=["ledger:write"])
    start = timezone.now() - dt.timedelta(minutes=1)
    # ends ~15 s from now
    grant = approved_exception(workload, start, days=75 / 86400, scopes=["ledger:write"])
    proof = sign("rsa", k8s_claims())
    body = token_exchange(
        data={"grant_type": JWT_BEARER, "assertion": proof, "scope": "ledger:write"}
    )
    token = body["access_token"]
    _, secret = resource_server_create(actor=admin_user, name="Ledger API", client_id="ledger")
    assert introspect(token, client_id="ledger", secret=secret)["active"] is True
    assert body["expires_in"] <= 16  # bounded by the grant's end, not the 15-minute policy
    time.sleep(max(0, (grant.expires_at - timezone.now()).total_seconds()) + 0.5)
    with celery_worker() as (_proc, queue):
        expiry_sweep.apply_async(queue=queue)
        wait_for(lambda: type(grant).objects.get(pk=grant.pk).status == GrantStatus.EXPIRED, 90)
    assert introspect(token, client_id="ledger", secret=secret) == {"active": False}

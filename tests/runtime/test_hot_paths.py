"""Figure 7's hot paths (tests/bench/runtime_bench.py): a bounded number of queries per
exchange and per introspection, and the per-process copies of the policy and the issuer never
outlive a change made by another process (simulated by writes that send no signal)."""

from urllib.parse import urlencode

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from runtime.models import RuntimePolicy, TokenExchange, TrustedIssuer
from runtime.services import resource_server_create

from .conftest import FORM, exchange_form, k8s_claims, sign

pytestmark = pytest.mark.django_db
# The identity with its owner, the system actor and the cache check (1); the evaluation, the
# token and its history row inserted, two of them read back and queued for the ledger (7);
# the savepoint around the writes (2). It was 17 before the caches and the joined owner.
EXCHANGE_QUERIES = 10


def exchange(client, scope="ledger:read"):
    data = exchange_form(sign("rsa", k8s_claims()), scope=scope)
    return client.post(reverse("runtime:token"), urlencode(data), content_type=FORM)


def test_one_exchange_is_a_bounded_number_of_queries(
    client, workload, django_assert_max_num_queries
):
    assert exchange(client).status_code == 200  # this process has now read policy and issuer
    with django_assert_max_num_queries(EXCHANGE_QUERIES):
        response = exchange(client)
    assert response.status_code == 200, response.content


def test_one_introspection_is_one_query(client, workload, admin_user, django_assert_num_queries):
    _, secret = resource_server_create(actor=admin_user, name="Ledger API", client_id="ledger")
    token = exchange(client).json()["access_token"]
    data = {"token": token, "client_id": "ledger", "client_secret": secret}
    with django_assert_num_queries(1):
        response = client.post(reverse("runtime:introspect"), urlencode(data), content_type=FORM)
    assert response.json()["active"] is True


def _changed_elsewhere(model, pk, **changes):
    """What another process's save looks like from here: the row changes, no signal."""
    model.objects.filter(pk=pk).update(updated_at=timezone.now(), **changes)


def test_a_policy_changed_by_another_process_applies_at_once(client, workload):
    assert exchange(client).status_code == 200
    policy = RuntimePolicy.objects.get(key="default")
    _changed_elsewhere(
        RuntimePolicy, policy.pk, grant_scopes=["ledger:*"], version=F("version") + 1
    )
    response = exchange(client)
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"
    assert TokenExchange.objects.order_by("-pk").first().policy_version == policy.version + 1


def test_an_issuer_disabled_by_another_process_is_refused_at_once(client, workload, k8s):
    assert exchange(client).status_code == 200
    _changed_elsewhere(TrustedIssuer, k8s.pk, active=False)
    response = exchange(client)
    assert response.status_code == 400 and "not trusted" in response.json()["error_description"]


def test_keys_refreshed_by_the_worker_are_used_at_once(client, workload, k8s):
    """A JWKS fetch saves only the fetched keys (not updated_at): that is checked too."""
    assert exchange(client).status_code == 200
    TrustedIssuer.objects.filter(pk=k8s.pk).update(
        jwks={}, jwks_url="https://k8s.example/keys", jwks_fetched={"keys": []},
        jwks_fetched_at=timezone.now(),
    )  # fmt: skip
    response = exchange(client)
    assert response.status_code == 400 and "No keys" in response.json()["error_description"]


def test_a_deactivated_accountable_owner_is_a_gap(client, workload, owner):
    workload.risk_tier = "critical"
    workload.save()
    assert exchange(client).status_code == 200
    owner.is_active = False
    owner.save()
    body = exchange(client).json()
    assert body["error"] == "unauthorized_client"
    assert "accountable owner is deactivated" in body["error_description"]


def test_no_accountable_owner_is_a_gap(client, workload, governed):
    workload.risk_tier = "high"
    workload.save()
    governed["identity"].assignments.filter(role="A").delete()
    body = exchange(client).json()
    assert body["error"] == "unauthorized_client"
    assert "(no accountable owner)" in body["error_description"]

"""One revocation through the real broker and a real worker process (Redis in CI)."""

import pytest

from connectors.sync import connector_sync
from connectors.tasks import revocations_sweep
from identities.models import Identity
from lifecycle.services import identity_decommission
from tests.connectors.conftest import worker_env
from tests.connectors.test_aws import make_user
from tests.worker import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_disables_a_decommissioned_identitys_keys_at_the_source(
    aws_connector, moto, governed, admin_user
):
    iam = moto.iam()
    make_user(iam, "ci-deployer", keys=2)
    assert connector_sync(connector=aws_connector).ok
    identity = Identity.objects.get(name="ci-deployer")
    identity_decommission(actor=admin_user, identity=identity, reason="project closed")

    def states():
        keys = iam.list_access_keys(UserName="ci-deployer")["AccessKeyMetadata"]
        return sorted(k["Status"] for k in keys)

    with celery_worker(env=worker_env()) as (_proc, queue):
        revocations_sweep.apply_async(queue=queue)  # beat's tick
        wait_for(lambda: states() == ["Inactive", "Inactive"], 90)
        wait_for(
            lambda: identity.events.filter(related_type="connectors.revocationjob").count() == 2, 30
        )

import pytest
from django.utils import timezone

from approvals.selectors import waiting_count
from tests.approvals_helpers import pending_exception
from tests.factories import IdentityFactory

pytestmark = pytest.mark.django_db


def test_badge_is_cached_and_follows_new_requests(governed, owner, django_assert_max_num_queries):
    identity = IdentityFactory()
    pending_exception(identity, timezone.now())
    assert waiting_count(owner) == 1
    with django_assert_max_num_queries(2):  # the version only: no approver resolution
        assert waiting_count(owner) == 1
    pending_exception(IdentityFactory(), timezone.now())
    assert waiting_count(owner) == 2


def test_badge_follows_raci_changes(governed, owner, admin_user):
    from governance.services import assignment_set
    from tests.factories import UserFactory

    identity = IdentityFactory()
    pending_exception(identity, timezone.now())
    assert waiting_count(owner) == 1
    deputy = UserFactory(username="deputy")
    assignment_set(
        actor=admin_user,
        domain=governed["runtime_policy"],
        scope_kind="identity",
        scope_obj=identity,
        role="A",
        assignee_user=deputy,
        reason="handover",
    )
    assert waiting_count(owner) == 0
    assert waiting_count(deputy) == 1

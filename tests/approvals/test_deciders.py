"""`deciders_of`: who may decide each pending request now, for all of them in one query —
the same people as each user's own "waiting for me" (`waiting_for`, a join per user)."""

import pytest

from approvals import services
from approvals.models import ApprovalPolicy, Request
from approvals.selectors import deciders_of, waiting_for
from tests.approvals.factories import submit_exception
from tests.factories import IdentityFactory, TeamFactory, UserFactory
from tests.governance.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def test_the_acting_a_and_the_active_r_decide_as_each_sees_it(governed, owner, engineer,
                                                              admin_user):  # fmt: skip
    services.policy_update(
        actor=admin_user, policy=ApprovalPolicy.objects.get(kind="exception"), reason="R too",
        approver_roles="AR",
    )  # fmt: skip
    domain = governed["runtime_policy"]
    member, gone = UserFactory(username="rita-r"), UserFactory(username="gus-gone")
    r_user, leaver = UserFactory(username="rob-r"), UserFactory(username="lee-leaver")
    team = TeamFactory(members=[engineer])
    led, other = IdentityFactory(team=team), IdentityFactory(team=team)
    AssignmentFactory(domain=domain, scope_kind="identity", identity=led, role="A",
                      assignee_user=leaver)  # fmt: skip
    r_team = TeamFactory(members=[member, gone])
    AssignmentFactory(domain=domain, scope_kind="identity", identity=led, role="R",
                      assignee_user=None, assignee_team=r_team)  # fmt: skip
    AssignmentFactory(domain=domain, scope_kind="identity", identity=other, role="R",
                      assignee_user=r_user)  # fmt: skip
    first = submit_exception(actor=engineer, identity=led)
    second = submit_exception(actor=engineer, identity=other)
    for user in (leaver, gone):
        user.is_active = False
        user.save(update_fields=["is_active"])

    deciders = deciders_of(Request.objects.filter(status="pending"))
    assert deciders == {
        first.pk: {owner.pk, member.pk},  # the next A up (the global A), the team's active R
        second.pk: {owner.pk, r_user.pk},
    }
    for user in (owner, engineer, admin_user, member, r_user):  # who can sign in to see it
        assert set(waiting_for(user)) == {pk for pk, ids in deciders.items() if user.pk in ids}


def test_the_first_active_a_alone_decides_and_a_policy_of_the_a_leaves_the_r_out(
    governed, owner, engineer
):
    identity = IdentityFactory(team=TeamFactory(members=[engineer]))
    domain = governed["runtime_policy"]
    platform_a = UserFactory(username="pat-platform-a")
    AssignmentFactory(domain=domain, scope_kind="platform", platform=identity.platform, role="A",
                      assignee_user=platform_a)  # fmt: skip
    AssignmentFactory(domain=domain, scope_kind="identity", identity=identity, role="R",
                      assignee_user=UserFactory())  # fmt: skip
    request = submit_exception(actor=engineer, identity=identity)
    assert deciders_of(Request.objects.all()) == {request.pk: {platform_a.pk}}  # not the global A


def test_waiting_for_follows_a_policy_edit_at_once(governed, owner, engineer, admin_user,
                                                   django_assert_num_queries):  # fmt: skip
    """ "Waiting for me" is compiled once per set of policies: an edit that lets the R decide
    is seen by the next call, and a call is two queries (the policies, then the join)."""
    identity = IdentityFactory(team=TeamFactory(members=[engineer]))
    r_user = UserFactory(username="rae-r")
    AssignmentFactory(domain=governed["runtime_policy"], scope_kind="identity",
                      identity=identity, role="R", assignee_user=r_user)  # fmt: skip
    request = submit_exception(actor=engineer, identity=identity)
    assert (waiting_for(owner), waiting_for(r_user)) == ([request.pk], [])  # the A alone
    services.policy_update(
        actor=admin_user, policy=ApprovalPolicy.objects.get(kind="exception"), reason="R too",
        approver_roles="AR",
    )  # fmt: skip
    assert (waiting_for(owner), waiting_for(r_user)) == ([request.pk], [request.pk])
    with django_assert_num_queries(2):
        assert waiting_for(r_user) == [request.pk]

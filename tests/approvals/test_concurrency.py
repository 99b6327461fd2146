"""A decision is applied exactly once under concurrent clicks (PostgreSQL row locks)."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connections

from approvals import services
from approvals.models import ApprovalPolicy, Decision, Grant, Request
from core.errors import Conflict
from tests.approvals.factories import submit_exception
from tests.factories import IdentityFactory, TeamFactory, UserFactory
from tests.governance.factories import AssignmentFactory

THREADS = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_deciders_apply_exactly_one_decision(governed, engineer, admin_user):
    policy = ApprovalPolicy.objects.get(kind="exception")
    services.policy_update(actor=admin_user, policy=policy, reason="A or R", approver_roles="AR")
    deciders = [UserFactory(username=f"r-{n:02d}") for n in range(THREADS)]
    reviewers = TeamFactory(name="Platform security", slug="platsec", members=deciders)
    AssignmentFactory(
        domain=governed["runtime_policy"], role="R", assignee_user=None, assignee_team=reviewers
    )
    identity = IdentityFactory(team=TeamFactory(members=[engineer]), status="active")
    req = submit_exception(actor=engineer, identity=identity)
    assert req.approvals_required == 1

    barrier = threading.Barrier(THREADS)
    results: list = [None] * THREADS

    def click(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            services.request_decide(
                request_id=req.pk,
                actor=deciders[n],
                outcome="approve" if n % 2 else "reject",
                comment=f"click {n}",
            )
            results[n] = "applied"
        except (Conflict, PermissionDenied) as exc:
            results[n] = type(exc).__name__
        except Exception as exc:  # anything else fails the test below
            results[n] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert results.count("applied") == 1, results
    assert all(r in ("applied", "Conflict", "PermissionDenied") for r in results), results
    assert Decision.objects.filter(request=req).count() == 1
    req = Request.objects.get(pk=req.pk)
    winner = Decision.objects.get(request=req)
    assert req.status == ("approved" if winner.outcome == "approve" else "rejected")
    assert Grant.objects.filter(request=req).count() == (1 if winner.outcome == "approve" else 0)
    assert Grant.objects.count() <= 1

"""The approval-policy pages: admins edit (a new version with a reason), auditors read, the
rest are refused; each version shows its author, time, reason and what changed in words; a
request already evaluated keeps the version that evaluated it."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from approvals import services
from approvals.models import ApprovalPolicy
from approvals.policy_versions import policy_list, policy_versions
from tests.approvals.factories import submit_exception
from tests.conftest import PERSONAS

pytestmark = pytest.mark.django_db

READERS = {"admin_user": 200, "auditor": 200, "engineer": 403, "owner": 403, "outsider": 403}
WRITERS = {"admin_user": 200, "auditor": 403, "engineer": 403, "owner": 403, "outsider": 403}


@pytest.fixture
def policy(governed):
    return ApprovalPolicy.objects.get(kind="exception")


def form_data(policy, **overrides) -> dict:
    data = {
        "name": policy.name,
        "description": policy.description,
        "approver_domain": policy.approver_domain_id,
        "approver_roles": policy.approver_roles,
        "max_duration_hours": policy.max_duration_hours,
        "default_duration_hours": policy.default_duration_hours,
        "requires_justification": "on",
        "requires_compensating_controls": "on",
        "pending_expiry_hours": policy.pending_expiry_hours,
        "approvals_low": 1,
        "approvals_medium": 1,
        "approvals_high": 1,
        "approvals_critical": 2,
        "reason": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- service and reads ----------------------------------------------------------------------
def test_an_edit_is_a_new_version_and_an_evaluated_request_keeps_its_own(
    admin_user, engineer, identity, policy
):
    before = submit_exception(actor=engineer, identity=identity)
    services.policy_update(
        actor=admin_user, policy=policy, reason="audit finding 12", max_duration_hours=24 * 60
    )
    after = submit_exception(actor=engineer, identity=identity)
    before.evaluation.refresh_from_db()
    assert before.evaluation.policy_version == 1
    assert before.evaluation.policy_snapshot["max_duration_hours"] == 24 * 90
    assert after.evaluation.policy_version == 2

    newest, first = policy_versions(policy=policy)
    assert (newest.version, newest.author, newest.evaluations) == (2, admin_user, 1)
    assert newest.reason == "audit finding 12"
    assert [(c.label, c.old, c.new) for c in newest.changes] == [
        ("Longest duration", "90 days", "60 days")
    ]
    assert (first.version, first.evaluations, first.changes) == (1, 1, [])


def test_an_edit_that_changes_nothing_makes_no_version(admin_user, policy):
    same = services.policy_update(
        actor=admin_user,
        policy=policy,
        reason="no-op",
        max_duration_hours=policy.max_duration_hours,
    )
    assert same.version == 1
    assert policy.history.count() == 1


def test_auditors_read_policies_but_the_service_refuses_them_a_change(auditor, policy):
    assert list(policy_list(user=auditor)) == list(ApprovalPolicy.objects.order_by("kind"))
    with pytest.raises(PermissionDenied):
        services.policy_update(actor=auditor, policy=policy, reason="x", max_duration_hours=24)


def test_diff_shows_names_and_labels_never_ids_or_keys(admin_user, policy, governed):
    services.policy_update(
        actor=admin_user, policy=policy, reason="route to IAM", approver_roles="AR",
        approver_domain=governed["identity"], approvals_by_risk={"critical": 3, "high": 2},
    )  # fmt: skip
    changes = {c.label: (c.old, c.new) for c in policy_versions(policy=policy)[0].changes}
    assert changes["Approver domain"] == (
        governed["runtime_policy"].name,
        governed["identity"].name,
    )
    assert changes["Who approves"] == ("The accountable owner (A)", "The A or an R")
    assert changes["Approvals by risk tier"] == (
        "Critical: 2; others: 1",
        "High: 2; Critical: 3; others: 1",
    )


# --- pages ----------------------------------------------------------------------------------
@pytest.mark.parametrize("who", PERSONAS)
def test_policy_pages_by_persona(client, request, who, policy):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("approvals:policies")).status_code == READERS[who]
    assert client.get(policy.get_absolute_url()).status_code == READERS[who]
    edit = reverse("approvals:policy-edit", args=[policy.pk])
    assert client.get(edit).status_code == WRITERS[who]
    posted = client.post(edit, form_data(policy, max_duration_hours=24 * 60, reason="shorter"))
    assert posted.status_code == (302 if who == "admin_user" else 403)
    policy.refresh_from_db()
    assert policy.version == (2 if who == "admin_user" else 1)


def test_admin_edits_a_policy_and_the_version_page_says_who_why_and_what(
    client, admin_user, policy
):
    client.force_login(admin_user)
    edit = reverse("approvals:policy-edit", args=[policy.pk])
    response = client.post(edit, form_data(policy, approvals_high=2, reason="SOC 2 finding"))
    assert response.status_code == 302 and response["Location"] == policy.get_absolute_url()
    page = client.get(policy.get_absolute_url()).content.decode()
    assert "version 2" in page and "SOC 2 finding" in page
    assert "Critical: 2; others: 1" in page and "High: 2; Critical: 2; others: 1" in page
    assert admin_user.get_full_name() in page


def test_a_change_without_a_reason_is_refused_and_keeps_what_was_typed(client, admin_user, policy):
    client.force_login(admin_user)
    edit = reverse("approvals:policy-edit", args=[policy.pk])
    response = client.post(edit, form_data(policy, name="Renamed exception policy"))
    assert response.status_code == 422
    html = response.content.decode()
    assert "This field is required" in html and 'value="Renamed exception policy"' in html
    policy.refresh_from_db()
    assert (policy.version, policy.name) == (1, "Policy exception")


def test_a_default_above_the_maximum_is_shown_on_the_form(client, admin_user, policy):
    client.force_login(admin_user)
    edit = reverse("approvals:policy-edit", args=[policy.pk])
    response = client.post(edit, form_data(policy, max_duration_hours=10, reason="tighter"))
    assert response.status_code == 422
    assert "The default cannot be longer than the longest allowed" in response.content.decode()
    policy.refresh_from_db()
    assert policy.version == 1


def test_a_save_that_changes_nothing_says_so(client, admin_user, policy):
    client.force_login(admin_user)
    edit = reverse("approvals:policy-edit", args=[policy.pk])
    response = client.post(edit, form_data(policy, reason="just looking"))
    assert response.status_code == 422
    assert "Nothing changed" in response.content.decode()


def test_policy_pages_stay_within_their_query_bounds(
    client, admin_user, policy, django_assert_max_num_queries
):
    for hours in range(100, 110):
        services.policy_update(
            actor=admin_user, policy=policy, reason=f"try {hours}", max_duration_hours=hours * 24
        )
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("approvals:policies")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(policy.get_absolute_url()).status_code == 200

"""Access reviews: scoping, reviewer assignment (gaps included), decisions, idempotent launches,
the due-date rule, reminders."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from core.errors import Conflict
from core.models import Notification
from governance.services import permissions_sync
from identities.choices import IdentityStatus
from lifecycle.choices import (
    CampaignStatus,
    OverdueAction,
    OverdueRule,
    ReviewDecision,
    ReviewerRule,
)
from lifecycle.models import ReviewCampaign, ReviewItem
from lifecycle.reviews import services
from lifecycle.reviews.assign import scope_identities
from lifecycle.reviews.services import period_start
from lifecycle.reviews.sweep import reviews_sweep
from tests.factories import CredentialFactory, IdentityFactory, TeamFactory, UserFactory
from tests.governance.factories import AssignmentFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture
def world(lifecycle_world, owner, engineer):
    """`owner` is the global A of every domain; team payments has `engineer` as R; plus a
    team 'growth' whose A is `gina`, and identities of different risk tiers."""
    payments = lifecycle_world["team"]
    growth = TeamFactory(slug="growth", name="Growth")
    gina = UserFactory(username="gina")
    AssignmentFactory(domain=lifecycle_world["domains"]["identity"], scope_kind="team",
                      team=growth, role="A", assignee_user=gina)  # fmt: skip
    critical = IdentityFactory(team=payments, risk_tier="critical", name="card-vault")
    low = IdentityFactory(team=growth, risk_tier="low", name="newsletter-bot", kind="bot")
    gone = IdentityFactory(team=growth, status=IdentityStatus.DECOMMISSIONED, name="old")
    pending = IdentityFactory(team=growth, status=IdentityStatus.PENDING, name="new")
    permissions_sync()
    return {
        **lifecycle_world,
        "growth": growth,
        "gina": gina,
        "critical": critical,
        "low": low,
        "medium": lifecycle_world["identity"],
        "gone": gone,
        "pending": pending,
    }


def launch(admin, scope=None, rule=ReviewerRule.ACCOUNTABLE, overdue=OverdueRule.ESCALATE,
           due_days=14):  # fmt: skip
    return services.campaign_create(
        actor=admin, name="Q4 review", starts_on=TODAY, due_on=TODAY + dt.timedelta(days=due_days),
        scope=scope, reviewer_rule=rule, overdue_rule=overdue, now=NOW,
    )  # fmt: skip


def items_of(campaign) -> dict[str, ReviewItem]:
    return {i.identity.name: i for i in campaign.items.select_related("identity", "reviewer")}


# --- scoping ----------------------------------------------------------------------------
def test_scope_reviews_live_identities_only_and_filters_by_team_kind_tier(world):
    names = set(scope_identities({}).values_list("name", flat=True))
    assert names == {"ledger-writer", "card-vault", "newsletter-bot"}
    assert set(scope_identities({"teams": ["growth"]}).values_list("name", flat=True)) == {
        "newsletter-bot"
    }
    assert set(scope_identities({"risk_tiers": ["critical"]}).values_list("name", flat=True)) == {
        "card-vault"
    }
    assert set(scope_identities({"kinds": ["bot"]}).values_list("name", flat=True)) == {
        "newsletter-bot"
    }
    platform = world["critical"].platform.slug
    assert set(scope_identities({"platforms": [platform]}).values_list("name", flat=True)) == {
        "card-vault"
    }


def test_launch_creates_one_item_per_identity_in_scope(world, admin_user):
    campaign = launch(admin_user, scope={"risk_tiers": ["critical", "medium"]})
    assert campaign.status == CampaignStatus.OPEN
    assert set(items_of(campaign)) == {"card-vault", "ledger-writer"}


# --- reviewer assignment ----------------------------------------------------------------
def test_reviewer_is_the_effective_a_with_its_source(world, admin_user, owner):
    items = items_of(launch(admin_user))
    assert items["newsletter-bot"].reviewer == world["gina"]
    assert "team Growth" in items["newsletter-bot"].assigned_reason
    assert items["card-vault"].reviewer == owner
    assert "global" in items["card-vault"].assigned_reason
    assert not any(i.is_gap for i in items.values())


def test_reviewer_rule_r_picks_a_named_r_else_the_a(world, admin_user, engineer, owner):
    items = items_of(launch(admin_user, rule=ReviewerRule.RESPONSIBLE))
    assert items["ledger-writer"].reviewer == engineer
    assert items["ledger-writer"].assigned_reason.startswith("R of identity domain")
    assert items["newsletter-bot"].reviewer == world["gina"]
    assert "no named R" in items["newsletter-bot"].assigned_reason


def test_gap_goes_to_the_global_a_and_is_marked(world, admin_user, owner):
    world["gina"].is_active = False
    world["gina"].save()
    item = items_of(launch(admin_user))["newsletter-bot"]
    assert item.is_gap and item.reviewer == owner
    assert "global A" in item.assigned_reason


def test_gap_without_global_a_goes_to_the_admins(world, admin_user, owner):
    owner.is_active = False
    owner.save()
    items = items_of(launch(admin_user))
    item = items["card-vault"]
    assert item.is_gap and item.reviewer is None
    assert "admins" in item.assigned_reason
    assert services.can_decide(admin_user, item)
    assert Notification.objects.filter(recipient=admin_user, kind="review_assigned").exists()


def test_launch_notifies_each_reviewer_once_linking_the_queue(world, admin_user, owner):
    campaign = launch(admin_user)
    mine = Notification.objects.filter(recipient=owner, kind="review_assigned")
    assert mine.count() == 1
    assert mine.get().link == "/lifecycle/reviews/queue/"
    assert "2 identities" in mine.get().title
    assert campaign.items.count() == 3


def test_only_admins_create_campaigns_and_schedules(world, owner):
    with pytest.raises(PermissionDenied):
        launch(owner)
    with pytest.raises(PermissionDenied):
        services.schedule_create(actor=owner, name="x")


# --- decisions --------------------------------------------------------------------------
@pytest.fixture
def campaign(world, admin_user):
    return launch(admin_user)


def test_keep_attests_with_comment_and_records_a_reviewed_event(campaign, owner):
    item = items_of(campaign)["card-vault"]
    services.item_decide(actor=owner, item_id=item.pk, decision="keep", comment="still needed")
    item.refresh_from_db()
    assert item.decision == ReviewDecision.KEEP and item.decided_by == owner
    assert item.comment == "still needed" and item.decided_at is not None
    event = item.identity.events.get(kind="reviewed")
    assert event.related_id == item.pk and "still needed" in event.summary
    assert item.history.first().history_change_reason.startswith("Keep")


def test_nobody_decides_an_item_assigned_to_someone_else(campaign, admin_user, engineer, world):
    item = items_of(campaign)["card-vault"]  # the owner's
    for user in (admin_user, engineer, world["gina"]):
        with pytest.raises(PermissionDenied):
            services.item_decide(actor=user, item_id=item.pk, decision="keep")
    item.refresh_from_db()
    assert item.decision is None


def test_an_item_is_decided_once(campaign, owner):
    item = items_of(campaign)["card-vault"]
    services.item_decide(actor=owner, item_id=item.pk, decision="keep")
    with pytest.raises(Conflict):
        services.item_decide(actor=owner, item_id=item.pk, decision="decommission", comment="x")


def test_change_records_the_decision_and_needs_a_comment(campaign, owner):
    item = items_of(campaign)["card-vault"]
    with pytest.raises(ValidationError):
        services.item_decide(actor=owner, item_id=item.pk, decision="change")
    services.item_decide(actor=owner, item_id=item.pk, decision="change", comment="drop write")
    item.refresh_from_db()
    assert item.decision == "change"


def test_end_sets_the_identity_end_date(campaign, owner):
    item = items_of(campaign)["card-vault"]
    with pytest.raises(ValidationError):
        services.item_decide(actor=owner, item_id=item.pk, decision="end")
    ends = dt.date.today() + dt.timedelta(days=30)
    services.item_decide(actor=owner, item_id=item.pk, decision="end", ends_on=ends)
    item.refresh_from_db()
    item.identity.refresh_from_db()
    assert item.identity.ends_on == ends and item.ends_on == ends
    assert item.identity.events.filter(kind="updated").exists()


def test_decommission_runs_lifecycle_decommission(campaign, owner):
    item = items_of(campaign)["card-vault"]
    CredentialFactory(identity=item.identity)
    services.item_decide(actor=owner, item_id=item.pk, decision="decommission",
                         comment="replaced by card-vault-2")  # fmt: skip
    item.identity.refresh_from_db()
    assert item.identity.status == IdentityStatus.DECOMMISSIONED
    assert not item.identity.credentials.filter(status="active").exists()
    kinds = set(item.identity.events.values_list("kind", flat=True))
    assert {"decommissioned", "credential_revoked", "reviewed"} <= kinds


def test_a_failed_effect_leaves_the_item_open(world, admin_user, engineer):
    """Under the R rule, an R may not decommission (only the A or an admin does)."""
    campaign = launch(admin_user, rule=ReviewerRule.RESPONSIBLE)
    item = items_of(campaign)["ledger-writer"]
    with pytest.raises(PermissionDenied):
        services.item_decide(actor=engineer, item_id=item.pk, decision="decommission", comment="x")
    item.refresh_from_db()
    assert item.decision is None


def test_bulk_keep_only_low_risk_items_of_the_reviewer(campaign, world):
    gina = world["gina"]
    items = items_of(campaign)
    n = services.items_bulk_keep(
        actor=gina, item_ids=[i.pk for i in items.values()], comment="fine"
    )
    assert n == 1
    kept = ReviewItem.objects.get(pk=items["newsletter-bot"].pk)
    assert kept.decision == "keep" and kept.comment == "fine"
    assert ReviewItem.objects.filter(decision__isnull=True).count() == 2
    assert kept.identity.events.filter(kind="reviewed").count() == 1


def test_admin_reassigns_with_a_reason_and_the_new_reviewer_decides(campaign, admin_user, owner,
                                                                     engineer):  # fmt: skip
    item = items_of(campaign)["card-vault"]
    with pytest.raises(PermissionDenied):
        services.item_reassign(actor=owner, item_id=item.pk, reviewer=engineer, reason="x")
    with pytest.raises(ValidationError):
        services.item_reassign(actor=admin_user, item_id=item.pk, reviewer=engineer, reason=" ")
    services.item_reassign(actor=admin_user, item_id=item.pk, reviewer=engineer, reason="on leave")
    item.refresh_from_db()
    assert item.reviewer == engineer and "on leave" in item.assigned_reason
    with pytest.raises(PermissionDenied):
        services.item_decide(actor=owner, item_id=item.pk, decision="keep")
    services.item_decide(actor=engineer, item_id=item.pk, decision="keep")


def test_campaign_closes_when_every_item_is_decided(campaign, owner, world):
    for item in campaign.items.all():
        services.item_decide(actor=item.reviewer, item_id=item.pk, decision="keep")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED


# --- idempotent launches ----------------------------------------------------------------
def test_period_start_is_calendar_aligned():
    assert period_start(dt.date(2026, 11, 2), 3) == dt.date(2026, 10, 1)
    assert period_start(dt.date(2026, 11, 2), 12) == dt.date(2026, 1, 1)
    assert period_start(dt.date(2026, 1, 31), 1) == dt.date(2026, 1, 1)


def test_a_schedule_launches_once_per_period(world, admin_user):
    schedule = services.schedule_create(
        actor=admin_user, name="Critical quarterly", scope={"risk_tiers": ["critical"]},
        cadence_months=3, due_after_days=14,
    )  # fmt: skip
    reviews_sweep(now=NOW)
    reviews_sweep(now=NOW + dt.timedelta(hours=1))
    campaigns = ReviewCampaign.objects.filter(schedule=schedule)
    assert campaigns.count() == 1
    campaign = campaigns.get()
    assert campaign.period_start == dt.date(2026, 10, 1)
    assert set(items_of(campaign)) == {"card-vault"}
    reviews_sweep(now=dt.datetime(2027, 1, 3, tzinfo=dt.UTC))  # next quarter
    assert campaigns.count() == 2


def test_the_database_refuses_a_second_campaign_for_a_period(world, admin_user):
    schedule = services.schedule_create(
        actor=admin_user, name="Yearly low", scope={"risk_tiers": ["low"]}, cadence_months=12
    )
    fields = {"schedule": schedule, "period_start": dt.date(2026, 1, 1), "name": "x",
              "starts_on": TODAY, "due_on": TODAY}  # fmt: skip
    ReviewCampaign.objects.create(**fields)
    with pytest.raises(IntegrityError):
        ReviewCampaign.objects.create(**fields)


def test_launching_a_campaign_twice_creates_nothing_more(campaign, admin_user):
    before = campaign.items.count()
    assert services.campaign_launch(campaign_id=campaign.pk, actor=admin_user, now=NOW) == 0
    assert campaign.items.count() == before


def test_a_future_campaign_is_launched_by_the_sweep_on_its_start(world, admin_user):
    campaign = services.campaign_create(
        actor=admin_user, name="Later", starts_on=TODAY + dt.timedelta(days=3),
        due_on=TODAY + dt.timedelta(days=20), now=NOW,
    )  # fmt: skip
    assert campaign.status == CampaignStatus.SCHEDULED and not campaign.items.exists()
    reviews_sweep(now=NOW)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED
    reviews_sweep(now=NOW + dt.timedelta(days=5))  # catches up after downtime
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN and campaign.items.count() == 3


# --- reminders and the due-date rule ----------------------------------------------------
def test_reminders_at_lead_times_once_each(campaign, owner):
    reviews_sweep(now=NOW)  # 14 days left: none yet
    assert not Notification.objects.filter(kind__startswith="review_due").exists()
    later = NOW + dt.timedelta(days=8)  # 6 days left → the 7-day reminder
    reviews_sweep(now=later)
    reviews_sweep(now=later)
    assert Notification.objects.filter(kind="review_due_7d", recipient=owner).count() == 1
    reviews_sweep(now=NOW + dt.timedelta(days=13, hours=20))
    assert Notification.objects.filter(kind="review_due_1d", recipient=owner).count() == 1


def overdue_now():
    return NOW + dt.timedelta(days=16)


def test_overdue_escalates_to_the_global_a(world, admin_user, owner):
    campaign = launch(admin_user, overdue=OverdueRule.ESCALATE)
    first = items_of(campaign)["card-vault"]
    services.item_decide(actor=owner, item_id=first.pk, decision="keep")
    reviews_sweep(now=overdue_now())
    reviews_sweep(now=overdue_now())
    items = items_of(campaign)
    assert items["card-vault"].overdue_action == ""
    assert items["newsletter-bot"].overdue_action == "escalated"
    assert Notification.objects.filter(kind="review_escalated", recipient=owner).count() == 1
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN  # escalated items stay open for decisions


def test_overdue_marks_the_identity_as_a_gap(world, admin_user):
    campaign = launch(admin_user, overdue=OverdueRule.GAP)
    reviews_sweep(now=overdue_now())
    items = items_of(campaign)
    assert all(i.is_gap and i.overdue_action == "gap" for i in items.values())
    assert world["low"].events.filter(kind="reviewed", summary__contains="gap").exists()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED


def test_overdue_suspends_the_identity(world, admin_user, owner):
    campaign = launch(admin_user, overdue=OverdueRule.SUSPEND)
    kept = items_of(campaign)["card-vault"]
    services.item_decide(actor=owner, item_id=kept.pk, decision="keep")
    reviews_sweep(now=overdue_now())
    reviews_sweep(now=overdue_now())
    world["low"].refresh_from_db()
    world["critical"].refresh_from_db()
    assert world["low"].status == IdentityStatus.SUSPENDED
    assert world["critical"].status == IdentityStatus.ACTIVE
    assert world["low"].events.filter(kind="suspended").count() == 1
    assert world["low"].history.first().history_change_reason.startswith("access review")


# --- evidence ---------------------------------------------------------------------------
def test_the_report_is_an_evidence_export_in_bundles_mapped_to_controls(campaign, owner, auditor):
    import io
    import zipfile

    from evidence.bundle import bundle_build
    from evidence.catalog import control_get
    from evidence.checks import run_check
    from evidence.exports import EXPORTS

    item = items_of(campaign)["card-vault"]
    services.item_decide(actor=owner, item_id=item.pk, decision="keep", comment="attested", now=NOW)
    rows = list(EXPORTS["reviews"].rows({}, auditor))
    kept = next(r for r in rows if r["identity"] == "card-vault")
    assert kept["decision"] == "keep" and kept["decided_by"] == owner.username
    assert kept["comment"] == "attested" and kept["on_time"] is True
    archive = zipfile.ZipFile(io.BytesIO(bundle_build(user=auditor, filters={}).read()))
    assert "card-vault" in archive.read("reviews.csv").decode()
    for ref in ("PR.AA-05", "GV.RR-02", "NHI1"):
        assert "access_reviews_on_time" in control_get(ref).checks
    late = run_check("access_reviews_on_time", now=overdue_now())
    assert late.status == "fail" and late.total == 3 and len(late.failing) == 2


def test_items_are_never_reassigned_to_an_auditor(admin_user, auditor):
    with pytest.raises(ValidationError) as exc:
        services.item_reassign(actor=admin_user, item_id=0, reviewer=auditor, reason="holiday")
    assert "reviewer" in exc.value.message_dict


def test_a_launch_writes_each_item_and_its_history_row_as_the_ledger_reads_them(world, admin_user):
    """Items and their '+' history rows are written set-based: each item as a reviewer would
    find it, its history naming the launching admin and the campaign (the reason cut to its
    column), and the ledger's digests equal to those of the rows read back."""
    from evidence.ledger import row_digests
    from evidence.models import PendingEntry

    campaign = services.campaign_create(
        actor=admin_user, name="Q" * 150, starts_on=TODAY, due_on=TODAY + dt.timedelta(days=7),
        now=NOW,
    )  # fmt: skip
    items = list(campaign.items.order_by("pk"))
    assert len(items) == 3 and {i.created_at for i in items} == {NOW}
    assert {(i.decision, i.comment, i.decided_at, i.overdue_action) for i in items} == {
        (None, "", None, OverdueAction.NONE)
    }
    history = ReviewItem.history.filter(id__in=[i.pk for i in items])
    assert sorted(history.values_list("id", "history_type", "history_user_id", "reviewer_id")) == [
        (i.pk, "+", admin_user.pk, i.reviewer_id) for i in items
    ]
    reason = f"assigned at launch of '{'Q' * 150}'"[:100]
    assert {h.history_change_reason for h in history} == {reason}
    pks = list(history.values_list("history_id", flat=True))
    pending = PendingEntry.objects.filter(
        source="lifecycle.historicalreviewitem", record_pk__in=pks
    )
    assert dict(pending.values_list("record_pk", "payload_digest")) == row_digests(
        ReviewItem.history.model, pks
    )

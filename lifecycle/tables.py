"""The rotation list's table (core/tables.py): credentials by due date, overdue first."""

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from core.people import person_html
from core.tables import RankedChoiceColumn, StewardTable, when
from identities.choices import RiskTier

from .choices import ReviewDecision


class RotationTable(StewardTable):
    """Credentials annotated with `due` and `max_age_days` (`selectors.rotation_due`)."""

    locked_columns = ("due",)

    due = tables.Column(verbose_name="Due")
    credential = tables.Column(accessor="label", verbose_name="Credential")
    identity = tables.Column(accessor="identity__name", verbose_name="Identity")
    team = tables.Column(accessor="identity__team__name", verbose_name="Team")
    policy = tables.Column(accessor="max_age_days", verbose_name="Policy")
    age = tables.Column(accessor="age_days", verbose_name="Age", order_by=("-issued_at", "pk"))

    class Meta(StewardTable.Meta):
        empty_text = "Nothing due."

    def render_due(self, value):
        overdue = value <= timezone.now()
        return format_html(
            '<span class="pill {}">{}{}</span>',
            "bad" if overdue else "warn",
            "overdue " if overdue else "",
            timezone.localtime(value).strftime("%Y-%m-%d"),
        )

    def render_credential(self, record):
        return format_html(
            '{} <span class="muted small">{}</span>', record.label, record.get_kind_display()
        )

    def render_identity(self, record):
        identity = record.identity
        url = reverse("identities:detail", args=[identity.pk]) + "#credentials"
        return format_html('<a href="{}">{}</a>', url, identity.name)

    def render_policy(self, record):
        return f"max {record.max_age_days} d ({record.identity.get_risk_tier_display()})"

    def render_age(self, value):
        return f"{value} d"


class ReviewItemTable(StewardTable):
    """A campaign's items: identity, its risk in the domain's order, who reviews, the decision."""

    locked_columns = ("identity",)

    identity = tables.Column(
        accessor="identity__name", verbose_name="Identity", order_by=("identity__name", "pk")
    )
    team = tables.Column(accessor="identity__team__name", verbose_name="Team")
    risk = RankedChoiceColumn(
        field="identity__risk_tier", order=RiskTier.values, verbose_name="Risk"
    )
    reviewer = tables.Column(empty_values=(), order_by=("reviewer__username", "pk"))
    decision = RankedChoiceColumn(
        field="decision", order=ReviewDecision.values, empty_values=(), verbose_name="Decision"
    )
    decided_at = tables.Column(verbose_name="When", empty_values=())
    comment = tables.Column(orderable=False, attrs={"td": {"class": "cell-wrap small"}})

    class Meta(StewardTable.Meta):
        empty_text = "No items."

    def render_identity(self, record):
        gap = format_html(' <span class="pill bad">gap</span>') if record.is_gap else ""
        url = reverse("lifecycle:review-item", args=[record.pk])
        return format_html('<a href="{}">{}</a>{}', url, record.identity.name, gap)

    def render_reviewer(self, record):
        who = person_html(record.reviewer, nobody="admins")
        return format_html('{}<div class="muted small">{}</div>', who, record.assigned_reason)

    def render_decision(self, record):
        if record.decision:
            return format_html('<span class="pill">{}</span>', record.get_decision_display())
        if record.overdue_action:
            label = record.get_overdue_action_display()
            return format_html('<span class="pill bad">overdue: {}</span>', label)
        return format_html('<span class="muted">open</span>')

    def render_decided_at(self, record):
        if not record.decided_at:
            return ""
        return format_html("{} by {}", when(record.decided_at), person_html(record.decided_by))

    def render_comment(self, value):
        return value if len(value) <= 120 else value[:119] + "…"

"""The approvals tables (core/tables.py): the inbox, the policies and the identity page's panel;
kinds, risk and statuses sort in the domain's order."""

import django_tables2 as tables
from django.utils.html import format_html

from core.tables import WHEN, PersonColumn, RankedChoiceColumn, StewardTable, when
from core.templatetags.steward import hours_human
from identities.choices import RiskTier
from identities.tables import RISK_PILLS

from .choices import RequestKind, RequestStatus
from .models import ApprovalPolicy, Request
from .policy_versions import approvals_by_risk_text

STATUS_PILLS = {
    RequestStatus.APPROVED: "ok",
    RequestStatus.PENDING: "info",
    RequestStatus.REJECTED: "bad",
    RequestStatus.EXPIRED: "warn",
    RequestStatus.CANCELLED: "warn",
}


class RequestTable(StewardTable):
    htmx_target = "request-table"
    locked_columns = ("number",)
    default_hidden = ("team", "created_at")

    number = tables.Column(
        accessor="pk",
        verbose_name="#",
        linkify=True,
        order_by=("pk",),
        attrs={"td": {"class": "text-nowrap"}},
    )
    kind = RankedChoiceColumn(field="kind", order=RequestKind.values)
    identity = tables.Column(
        accessor="identity__name", verbose_name="Identity", order_by=("identity__name", "pk")
    )
    risk = RankedChoiceColumn(
        field="identity__risk_tier", order=RiskTier.values, pills=RISK_PILLS, verbose_name="Risk"
    )
    team = tables.Column(
        accessor="identity__team__name",
        verbose_name="Team",
        order_by=("identity__team__name", "pk"),
    )
    requester = PersonColumn(order_by=("requester__username", "pk"))
    asked = tables.Column(empty_values=(), orderable=False, verbose_name="Asked")
    status = RankedChoiceColumn(field="status", order=RequestStatus.values, pills=STATUS_PILLS)
    created_at = tables.DateTimeColumn(format=WHEN, verbose_name="Created")
    expires_at = tables.DateTimeColumn(format=WHEN, verbose_name="Decide by")

    class Meta(StewardTable.Meta):
        model = Request
        fields = ()
        empty_text = "No requests."

    def render_number(self, value):
        return f"#{value}"

    def render_asked(self, record):
        return f"{when(record.requested_start)} → {when(record.requested_end)}"

    def render_expires_at(self, value, record):
        return when(value) if record.status == RequestStatus.PENDING else "—"


class PolicyTable(StewardTable):
    """Approval policies: one per request kind, in the order of the kinds."""

    locked_columns = ("name",)

    name = tables.Column(linkify=True, verbose_name="Policy", order_by=("name", "pk"))
    kind = RankedChoiceColumn(field="kind", order=RequestKind.values, verbose_name="Request kind")
    version = tables.Column()
    approvers = tables.Column(
        accessor="approver_roles", verbose_name="Who approves", order_by=("approver_roles", "pk")
    )
    approvals = tables.Column(
        accessor="approvals_by_risk", orderable=False, attrs={"td": {"class": "small"}}
    )
    max_duration_hours = tables.Column(verbose_name="Longest")
    break_glass = tables.Column(verbose_name="Break-glass")

    class Meta(StewardTable.Meta):
        model = ApprovalPolicy
        fields = ()
        empty_text = "No approval policy is configured."

    def render_version(self, value):
        return f"v{value}"

    def render_approvers(self, record):
        return f"{record.get_approver_roles_display()} of {record.approver_domain.name}"

    def render_approvals(self, value):
        return approvals_by_risk_text(value)

    def render_max_duration_hours(self, value):
        return hours_human(value)

    def render_break_glass(self, value):
        return format_html('<span class="pill warn">{}</span>', "Active at once") if value else "No"


class IdentityRequestTable(StewardTable):
    """The identity page's requests and grants panel: its recent requests, newest first (the
    panel is an htmx partial, so its rows are not sorted or paged from the page's URL)."""

    number = tables.Column(accessor="pk", verbose_name="#", linkify=True)
    kind = RankedChoiceColumn(field="kind", order=RequestKind.values)
    requester = PersonColumn()
    status = RankedChoiceColumn(field="status", order=RequestStatus.values, pills=STATUS_PILLS)
    grant = tables.Column(empty_values=(), verbose_name="Grant")

    class Meta(StewardTable.Meta):
        model = Request
        fields = ()
        orderable = False
        empty_text = "No requests."

    def render_number(self, value):
        return f"#{value}"

    def render_grant(self, record):
        grant = getattr(record, "grant", None)
        if grant is None:
            return "—"
        return f"{grant.get_status_display()} until {when(grant.expires_at)}"

"""The approvals inbox's table (core/tables.py): kinds, risk and statuses in the domain's order."""

import django_tables2 as tables

from core.people import PersonColumn
from core.tables import WHEN, RankedChoiceColumn, StewardTable, when
from identities.choices import RiskTier
from identities.tables import RISK_PILLS

from .choices import RequestKind, RequestStatus
from .models import Request

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

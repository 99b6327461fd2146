"""The identity list's table (core/tables.py): risk and status sort in the domain's order."""

import django_tables2 as tables
from django.utils.html import format_html

from core.tables import DayColumn, RankedChoiceColumn, StewardTable

from .choices import Environment, IdentityKind, IdentityStatus, RiskTier
from .models import Identity

RISK_PILLS = {RiskTier.CRITICAL: "bad", RiskTier.HIGH: "warn"}
STATUS_PILLS = {
    IdentityStatus.ACTIVE: "ok",
    IdentityStatus.PENDING: "info",
    IdentityStatus.SUSPENDED: "warn",
    IdentityStatus.REJECTED: "bad",
}


class IdentityTable(StewardTable):
    htmx_target = "identity-table"
    locked_columns = ("name",)

    name = tables.Column(linkify=True, order_by=("name", "pk"))
    kind = RankedChoiceColumn(field="kind", order=IdentityKind.values)
    external_id = tables.Column(
        verbose_name="External id", orderable=False, attrs={"td": {"class": "cell-wrap"}}
    )
    team = tables.Column(accessor="team__name", verbose_name="Team", order_by=("team__name", "pk"))
    platform = tables.Column(
        accessor="platform__name", verbose_name="Platform", order_by=("platform__name", "pk")
    )
    environment = RankedChoiceColumn(
        field="environment", order=Environment.values, verbose_name="Env"
    )
    risk_tier = RankedChoiceColumn(
        field="risk_tier", order=RiskTier.values, pills=RISK_PILLS, verbose_name="Risk"
    )
    status = RankedChoiceColumn(field="status", order=IdentityStatus.values, pills=STATUS_PILLS)
    ends_on = DayColumn(verbose_name="Ends", order_by=("ends_on", "pk"))

    class Meta(StewardTable.Meta):
        model = Identity
        fields = ()
        # What people scan first (risk, status) before the long external id.
        sequence = (
            "name",
            "kind",
            "risk_tier",
            "status",
            "team",
            "platform",
            "environment",
            "ends_on",
            "external_id",
        )
        empty_text = "No identities match."

    def render_external_id(self, value):
        short = value if len(value) <= 60 else value[:59] + "…"
        return format_html("<code>{}</code>", short)

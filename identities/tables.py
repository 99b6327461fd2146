"""The identity list's and identity page's tables (core/tables.py): risk and statuses sort in
the domain's order."""

import django_tables2 as tables
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime

from core.tables import DayColumn, RankedChoiceColumn, StewardTable

from .choices import (
    CredentialKind,
    CredentialStatus,
    Environment,
    IdentityKind,
    IdentityStatus,
    RiskTier,
)
from .models import Credential, Identity

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


CREDENTIAL_PILLS = {
    CredentialStatus.ACTIVE: "ok",
    CredentialStatus.REVOKED: "bad",
    CredentialStatus.EXPIRED: "bad",
}


class CredentialTable(StewardTable):
    """The identity page's credentials (metadata only). The page's own query string sorts and
    pages it under the `cred-` prefix; the row actions read `can_change` from the page."""

    locked_columns = ("label", "actions")
    default_hidden = ("storage_location",)

    label = tables.Column(order_by=("label", "pk"))
    kind = RankedChoiceColumn(field="kind", order=CredentialKind.values)
    storage_location = tables.Column(verbose_name="Stored at", default="—")
    fingerprint = tables.Column(default="—", orderable=False)
    issued_at = tables.DateTimeColumn(format="Y-m-d", verbose_name="Issued")
    age = tables.Column(accessor="issued_at", verbose_name="Age", order_by=("-issued_at", "pk"))
    expires_at = tables.Column(verbose_name="Expires", default="—")
    status = RankedChoiceColumn(
        field="status", order=CredentialStatus.values, pills=CREDENTIAL_PILLS
    )
    actions = tables.TemplateColumn(
        template_name="identities/partials/_credential_actions.html",
        orderable=False,
        verbose_name="Actions",
    )

    class Meta(StewardTable.Meta):
        model = Credential
        fields = ()
        empty_text = "No credentials recorded."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="cred-", **kwargs)

    def render_label(self, value, record):
        if not record.key_id:
            return value
        return format_html('{} <code class="small">{}</code>', value, record.key_id)

    def render_storage_location(self, value):
        return format_html('<code class="small">{}</code>', value)

    def render_fingerprint(self, value, record):
        short = value if len(value) <= 24 else value[:23] + "…"
        tail = format_html(' <span class="muted">…{}</span>', record.last_chars)
        return format_html(
            '<code class="small">{}</code>{}', short, tail if record.last_chars else ""
        )

    def render_age(self, record):
        days = record.age_days
        return f"{days} day{'' if days == 1 else 's'}"

    def render_expires_at(self, value, record):
        day = date_format(localtime(value), "Y-m-d")
        if record.status == CredentialStatus.ACTIVE and record.is_expired:
            return format_html('<span class="pill bad">overdue {}</span>', day)
        return day

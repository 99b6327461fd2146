"""Usage lists' tables (core/tables.py): signals by severity and status in the domain's order."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from core.people import PersonColumn
from core.tables import DayColumn, RankedChoiceColumn, StewardTable

from .choices import Severity, SignalKind, SignalStatus
from .models import Signal, UsageRecord

SEVERITY_PILLS = {Severity.HIGH: "bad", Severity.MEDIUM: "warn", Severity.LOW: "ok"}


def _money(record) -> str:
    return f"{record.cost:,.2f} {record.currency}"


def _who(record, *, with_team: bool):
    if record.identity_id is None:
        return format_html(
            '<span class="pill warn">unattributed</span> <code>{}:{}</code>',
            record.platform_ref,
            record.external_ref,
        )
    if not with_team:
        return record.identity.name
    return format_html(
        '{} <span class="muted small">{}</span>', record.identity.name, record.identity.team.name
    )


class SignalTable(StewardTable):
    htmx_target = "signal-table"
    locked_columns = ("kind",)

    day = DayColumn(order_by=("day", "pk"))
    kind = RankedChoiceColumn(
        field="kind",
        order=SignalKind.values,
        verbose_name="Signal",
        attrs={"td": {"class": "cell-wrap"}},
    )
    identity = tables.Column(empty_values=(), order_by=("identity__name", "pk"))
    severity = RankedChoiceColumn(field="severity", order=Severity.values, pills=SEVERITY_PILLS)
    cost = tables.Column(order_by=("cost", "pk"), attrs={"td": {"class": "text-end text-nowrap"}})
    status = RankedChoiceColumn(field="status", order=SignalStatus.values)
    assignee = PersonColumn(
        verbose_name="Owner", nobody="global A / admins", order_by=("assignee__username", "pk")
    )

    class Meta(StewardTable.Meta):
        model = Signal
        fields = ()
        empty_text = "No signals."

    def render_kind(self, record):
        return format_html(
            '<a href="{}">{}</a><div class="small muted">{}</div>',
            reverse("usage:signal", args=[record.pk]),
            record.get_kind_display(),
            record.summary,
        )

    def render_identity(self, record):
        return _who(record, with_team=True)

    def render_cost(self, record):
        return _money(record)


class UsageRecordTable(StewardTable):
    htmx_target = "record-table"
    locked_columns = ("day",)

    day = DayColumn(order_by=("day", "pk"))
    identity = tables.Column(empty_values=(), order_by=("identity__name", "pk"))
    team = tables.Column(
        accessor="identity__team__name", verbose_name="Team", default="—", orderable=False
    )
    source = tables.Column(order_by=("source", "pk"))
    calls = tables.Column(order_by=("calls", "pk"), attrs={"td": {"class": "text-end"}})
    tokens = tables.Column(order_by=("tokens", "pk"), attrs={"td": {"class": "text-end"}})
    cost = tables.Column(order_by=("cost", "pk"), attrs={"td": {"class": "text-end text-nowrap"}})

    class Meta(StewardTable.Meta):
        model = UsageRecord
        fields = ()
        empty_text = "No records."

    def render_identity(self, record):
        return _who(record, with_team=False)

    def render_cost(self, record):
        return _money(record)

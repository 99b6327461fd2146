"""The ownership gaps list's table (core/tables.py); its headers sort the report in SQL
(`governance.selectors.GapList.SORTS`, one per orderable column)."""

import django_tables2 as tables
from django.utils.html import format_html

from core.people import person_html
from core.tables import StewardTable


class GapTable(StewardTable):
    htmx_target = ""
    locked_columns = ("identity",)

    identity = tables.Column(accessor="identity__name", verbose_name="Identity")
    team = tables.Column(accessor="identity__team__name", verbose_name="Team")
    platform = tables.Column(accessor="identity__platform__name", verbose_name="Platform")
    domain = tables.Column(accessor="domain__name", verbose_name="Domain")
    gap = tables.Column(accessor="reason_label", verbose_name="Gap")
    accountable = tables.Column(
        accessor="raci__accountable", verbose_name="Current A", orderable=False
    )

    class Meta(StewardTable.Meta):
        empty_text = "No ownership gaps."

    def render_identity(self, record):
        identity = record.identity
        return format_html(
            '<a href="{}">{}</a> <span class="muted small">{}</span>',
            identity.get_absolute_url(),
            identity.name,
            identity.get_status_display(),
        )

    def render_gap(self, value):
        return format_html('<span class="pill bad">{}</span>', value)

    def render_accountable(self, record):
        raci = record.raci
        if not raci.accountable:
            return person_html(None, nobody="none")
        return format_html(
            '{} <span class="muted small">({})</span>',
            person_html(raci.accountable),
            raci.accountable_source.inherited_label,
        )

"""The import pages' tables (core/tables.py): recent imports, and a job's planned rows in the
file's order (the job's stored plan, dicts, filtered by action in the view)."""

import django_tables2 as tables
from django.utils.html import format_html, format_html_join

from core.tables import WHEN, RankedChoiceColumn, StewardTable

from ..models import ImportFormat, ImportJob, ImportJobStatus
from .base import CREATE, ERROR, UPDATE

ACTION_PILLS = {CREATE: "ok", UPDATE: "info", ERROR: "bad"}
S = ImportJobStatus
JOB_PILLS = {S.PENDING: "warn", S.PLANNING: "warn", S.READY: "info", S.APPLYING: "warn",
             S.DONE: "ok", S.FAILED: "bad"}  # fmt: skip


class ImportJobTable(StewardTable):
    """Imports the user may open (an admin: everyone's), newest first; statuses sort in the
    order a job goes through them."""

    locked_columns = ("number",)

    number = tables.Column(
        accessor="pk",
        verbose_name="#",
        linkify=("identities:import:job", {"pk": tables.A("pk")}),
        order_by=("pk",),
    )
    filename = tables.Column(verbose_name="File", default="—")
    format = RankedChoiceColumn(field="format", order=ImportFormat.values)
    team = tables.Column(default="—", order_by=("team__name", "pk"))
    platform = tables.Column(default="—", order_by=("platform__name", "pk"))
    status = RankedChoiceColumn(field="status", order=ImportJobStatus.values, pills=JOB_PILLS)
    created_at = tables.DateTimeColumn(format=WHEN, verbose_name="Uploaded")

    class Meta(StewardTable.Meta):
        model = ImportJob
        fields = ()
        empty_text = "No import yet."

    def render_number(self, value):
        return f"#{value}"


class ImportRowTable(StewardTable):
    locked_columns = ("ref",)

    ref = tables.Column(verbose_name="Row", attrs={"td": {"class": "small"}})
    action = tables.Column()
    name = tables.Column(default="—")
    external_id = tables.Column(verbose_name="External id", default="—")
    team = tables.Column(default="—")
    details = tables.Column(
        empty_values=(), verbose_name="Changes / credentials", attrs={"td": {"class": "small"}}
    )
    messages = tables.Column(empty_values=(), attrs={"td": {"class": "small"}})

    class Meta(StewardTable.Meta):
        orderable = False
        empty_text = "No rows."

    def render_action(self, value):
        tone = ACTION_PILLS.get(value, "")
        return format_html('<span class="pill {}">{}</span>', tone, value.capitalize())

    def render_external_id(self, value):
        return format_html("<code>{}</code>", value)

    def render_details(self, record):
        changes = format_html_join(
            "",
            '<div>{}: <span class="muted">{}</span> → {}</div>',
            (
                (field, c.get("from") or "—", c.get("to") or "—")
                for field, c in (record.get("changes") or {}).items()
            ),
        )
        credentials = format_html_join(
            "",
            "<div>{} (<code>{}</code>): {}</div>",
            ((c["label"], c["key_id"], c["action"]) for c in record.get("credentials") or ()),
        )
        findings = _each(
            '<div class="msg msg-warning">Finding for the owner: {}</div>',
            (record.get("findings") or {}).values(),
        )
        return format_html("{}{}{}", changes, credentials, findings)

    def render_messages(self, record):
        errors = _each("<li>{}</li>", record.get("errors") or ())
        warnings = _each('<div class="msg msg-warning">{}</div>', record.get("warnings") or ())
        listed = format_html('<ul class="errorlist">{}</ul>', errors) if errors else ""
        return format_html("{}{}", listed, warnings)


def _each(template: str, values) -> str:
    return format_html_join("", template, ((value,) for value in values))

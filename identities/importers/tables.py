"""An import job's planned rows (core/tables.py), in the file's order: the rows are the job's
stored plan (dicts), filtered by action in the view."""

import django_tables2 as tables
from django.utils.html import format_html, format_html_join

from core.tables import StewardTable

from .base import CREATE, ERROR, UPDATE

ACTION_PILLS = {CREATE: "ok", UPDATE: "info", ERROR: "bad"}


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

"""The inbox's table (core/tables.py): one row per digest (core/inbox.Digest), newest
activity first, paged by inbox_digests itself."""

import django_tables2 as tables
from django.template.defaultfilters import truncatechars
from django.utils.html import format_html

from .tables import DayColumn, StewardTable, when

WRAP = {"td": {"class": "cell-wrap"}}  # long titles and reasons wrap instead of overflowing


class InboxTable(StewardTable):
    locked_columns = ("what",)

    last_at = tables.Column(verbose_name="Last")
    what = tables.Column(accessor="kind", verbose_name="What", attrs=WRAP)
    count = tables.Column(verbose_name="How many", attrs={"td": {"class": "digest-count"}})
    reason = tables.Column(
        accessor="latest__reason", verbose_name="Why you got it", default="", attrs=WRAP
    )
    due_on = DayColumn(verbose_name="Due", default="")
    mark = tables.TemplateColumn(
        template_name="core/partials/_inbox_mark_read.html", verbose_name="", orderable=False
    )

    class Meta(StewardTable.Meta):
        orderable = False
        attrs = {**StewardTable.Meta.attrs, "aria-label": "Notifications"}
        row_attrs = {"class": lambda record: "digest unread" if record.unread else "digest"}
        empty_text = "Nothing here."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, noun="notifications", **kwargs)

    def render_last_at(self, value):
        return when(value)

    def render_what(self, record):
        n = record.latest
        title = format_html('<a href="{}">{}</a>', n.link, n.title) if n.link else n.title
        body = format_html('<div class="muted small">{}</div>', truncatechars(n.body, 160))
        return format_html(
            '<span class="pill">{}</span> {}{}', record.kind_label, title, body if n.body else ""
        )

    def render_count(self, record):
        if record.unread and record.unread != record.count:
            return format_html(
                '{} <span class="muted small">({} unread)</span>', record.count, record.unread
            )
        return record.count

"""The in-app admin's own table (core/tables.py): webhooks, with their delivery backlog."""

import django_tables2 as tables
from django.utils.html import format_html

from .models import Webhook
from .notification_kinds import kind_label
from .tables import StewardTable


class WebhookTable(StewardTable):
    """Webhooks; `failed` and `pending` are counts the list annotates."""

    locked_columns = ("name",)

    name = tables.Column(linkify=True, order_by=("name", "pk"))
    url = tables.Column(verbose_name="URL", attrs={"td": {"class": "cell-wrap"}})
    kinds = tables.Column(orderable=False, attrs={"td": {"class": "cell-wrap small"}})
    key_version = tables.Column(verbose_name="Key")
    pending = tables.Column(verbose_name="Deliveries waiting")
    failed = tables.Column(verbose_name="Gave up")
    active = tables.Column(verbose_name="Status")

    class Meta(StewardTable.Meta):
        model = Webhook
        fields = ()
        empty_text = "No webhook yet."

    def render_url(self, value):
        return format_html('<code class="small">{}</code>', value)

    def render_kinds(self, value):
        return ", ".join(kind_label(k) for k in value) or "every kind"

    def render_key_version(self, value):
        return f"version {value}"

    def render_failed(self, value):
        return format_html('<span class="pill bad">{}</span>', value) if value else "0"

    def render_active(self, value):
        label, tone = ("Active", "ok") if value else ("Paused", "")
        return format_html('<span class="pill {}">{}</span>', tone, label)

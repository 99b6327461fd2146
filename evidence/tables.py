"""The evidence pages' tables (core/tables.py). Both lists are read a page at a time by
their views and not counted (configure_uncounted): the audit browser merges every history
table, newest first; access evidence is the export's rows, oldest first."""

import django_tables2 as tables
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from core.people import PersonColumn, person_html
from core.tables import StewardTable

NONE = mark_safe('<span class="muted">—</span>')


def _lines(rows) -> str:
    """Cell lines, one a line."""
    return format_html_join(mark_safe("<br>"), "{}", ((r,) for r in rows)) if rows else NONE


class ChangeTable(StewardTable):
    """Audit browser rows: selectors.Change."""

    locked_columns = ("what",)

    date = tables.DateTimeColumn(format="Y-m-d H:i:s", verbose_name="When")
    what = tables.Column(empty_values=(), verbose_name="What")
    actor = PersonColumn(verbose_name="Who")
    reason = tables.Column(verbose_name="Why", default="—", attrs={"td": {"class": "cell-wrap"}})
    changes = tables.Column(
        empty_values=(), verbose_name="Changes", attrs={"td": {"class": "cell-wrap"}}
    )

    class Meta(StewardTable.Meta):
        orderable = False
        attrs = {**StewardTable.Meta.attrs, "id": "audit-changes"}
        empty_text = "No changes for these filters."

    def render_what(self, record):
        return format_html(
            '{} <a href="?model={}&amp;object={}">#{}</a> <span class="pill">{}</span>',
            record.model_name,
            record.model,
            record.object_id,
            record.object_id,
            record.kind_label,
        )

    def render_changes(self, record):
        if not record.diffs:
            return format_html('<span class="muted">{}</span>', "no field changes")
        return format_html_join("", '<div class="small"><strong>{}</strong>: {}</div>', (
            (field, _diff(record.kind, old, new)) for field, old, new in record.diffs
        ))  # fmt: skip


def _diff(kind: str, old, new) -> str:
    if kind == "-":
        return format_html("<del>{}</del>", truncatechars(old, 80))
    after = format_html("<ins>{}</ins>", truncatechars("∅" if new is None else new, 80))
    if old is None:
        return after
    return format_html("<del>{}</del> → {}", truncatechars(old, 80), after)


class AccessTable(StewardTable):
    """Access evidence rows: the access export's rows in words (views._in_words). The export
    keeps usernames; `people` ({username: user}, core.people.people_named) gives their names."""

    locked_columns = ("request",)
    uncounted_order = "oldest first"  # the export's order: requests by creation

    request = tables.Column(empty_values=(), verbose_name="Request")
    identity = tables.Column(empty_values=(), verbose_name="Identity")
    requester = tables.Column(empty_values=(), verbose_name="Requester")
    policy = tables.Column(empty_values=(), verbose_name="Policy")
    approvers = tables.Column(empty_values=(), verbose_name="Approved by")
    granted = tables.Column(empty_values=(), verbose_name="Granted")
    credentials = tables.Column(empty_values=(), verbose_name="Credentials")
    ended = tables.Column(empty_values=(), verbose_name="Ended")
    accountable_owner = tables.Column(empty_values=(), verbose_name="Owner then")

    class Meta(StewardTable.Meta):
        orderable = False
        attrs = {**StewardTable.Meta.attrs, "id": "access-evidence"}
        empty_text = "No requests for these filters."

    def __init__(self, *args, people: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = people

    def _person(self, username: str):
        return person_html(self.people.get(username, username))

    def render_request(self, record):
        url = reverse("approvals:request", args=[record["request_id"]])
        return format_html(
            '<a href="{}">#{}</a> {}<br><span class="muted small">{} · {}</span>',
            url,
            record["request_id"],
            record["request_kind"],
            record["request_status"],
            _minute(record["requested_at"]),
        )

    def render_identity(self, record):
        return format_html(
            '{}<br><span class="muted small">{} · {} · {}</span>',
            record["identity"],
            record["external_id"],
            record["team"],
            record["platform"],
        )

    def render_requester(self, record):
        return format_html(
            '{}<br><span class="muted small">{}</span>',
            self._person(record["requester"]),
            truncatechars(record["justification"], 60),
        )

    def render_policy(self, record):
        return format_html(
            '{} v{}<br><span class="muted small">{}</span>',
            record["policy_key"],
            record["policy_version"],
            record["policy_outcome"],
        )

    def render_approvers(self, record):
        return _lines([
            format_html('{} ({}, {}) <span class="muted small">{}</span>',
                        self._person(a["decider"]), a["outcome"], a["entitled_as"],
                        _minute(a["at"]))
            for a in record["approvers"]
        ])  # fmt: skip

    def render_granted(self, record):
        asked = format_html(
            '<span class="muted small">asked {} → {}</span>',
            _minute(record["requested_start"]),
            _minute(record["requested_end"]),
        )
        if not record["grant_id"]:
            return format_html('<span class="muted">no grant</span><br>{}', asked)
        start, end = _minute(record["grant_start"]), _minute(record["grant_end"])
        return format_html("{} → {}<br>{}", start, end, asked)

    def render_credentials(self, record):
        return _lines([
            format_html('<code>{}</code> <span class="muted small">{}{}</span>',
                        c["fingerprint"], str(c["issued_at"])[:10],
                        f" → {str(c['expires_at'])[:10]}" if c["expires_at"] else "")
            for c in record["credentials"]
        ])  # fmt: skip

    def render_ended(self, record):
        if not record["ended_how"]:
            return NONE
        by = format_html(" by {}", self._person(record["ended_by"])) if record["ended_by"] else ""
        return format_html(
            '<span class="pill">{}</span> {}{}',
            record["ended_how"],
            _minute(record["ended_at"]),
            by,
        )

    def render_accountable_owner(self, record):
        return self._person(record["accountable_owner"])


def _minute(value) -> str:
    """An export's ISO time to the minute, as the page shows it ("2026-05-01T09:30")."""
    return str(value or "")[:16]

"""Chargeback: cost per team, platform or identity per month, as a table, a CSV and a
server-rendered SVG chart (no JavaScript library)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils.html import escape

from .selectors import record_scope

GROUPS = {
    "team": ("identity__team__name", "Team"),
    "platform": ("identity__platform__name", "Platform"),
    "identity": ("identity__name", "Identity"),
}
UNATTRIBUTED = "(unattributed)"
PALETTE = ("#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2", "#64748b")


@dataclass
class Chargeback:
    group: str
    months: list[dt.date]
    rows: list[dict]  # {"label", "currency", "cells": [Decimal per month], "total"}

    @property
    def group_label(self) -> str:
        return GROUPS[self.group][1]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, n: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def chargeback(*, user, group: str = "team", months: int = 6, end: dt.date | None = None):
    """One query: sums by month, group and currency over the user's scope."""
    group = group if group in GROUPS else "team"
    months = min(max(months, 1), 24)
    last = month_start(end or dt.date.today())
    first = add_months(last, -(months - 1))
    field, _label = GROUPS[group]
    extra = ["platform_ref"] if group == "platform" else []
    if group == "identity":
        extra = ["identity_id", "platform_ref", "external_ref"]
    rows = (
        record_scope(user)
        .filter(day__gte=first, day__lt=add_months(last, 1))
        .annotate(month=TruncMonth("day"))
        .values("month", field, "currency", *extra)
        .annotate(cost=Sum("cost"))
        .order_by()
    )
    month_list = [add_months(first, i) for i in range(months)]
    index = {m: i for i, m in enumerate(month_list)}
    table: dict[tuple, list] = defaultdict(lambda: [Decimal(0)] * months)
    for r in rows:
        label = r[field]
        if label is None:
            ref = ":".join(x for x in (r.get("platform_ref"), r.get("external_ref")) if x)
            label = f"{UNATTRIBUTED} {ref}".strip()
        elif group == "identity":
            label = f"{label} (#{r['identity_id']})"
        month = r["month"].date() if isinstance(r["month"], dt.datetime) else r["month"]
        table[(label, r["currency"])][index[month_start(month)]] += r["cost"] or 0
    out = [
        {"label": label, "currency": currency, "cells": cells, "total": sum(cells, Decimal(0))}
        for (label, currency), cells in table.items()
    ]
    out.sort(key=lambda r: (-r["total"], r["label"]))
    return Chargeback(group, month_list, out)


def csv_rows(cb: Chargeback):
    yield [cb.group_label, "currency", *(m.strftime("%Y-%m") for m in cb.months), "total"]
    for r in cb.rows:
        yield [r["label"], r["currency"], *(f"{c:.2f}" for c in r["cells"]), f"{r['total']:.2f}"]


def svg_chart(cb: Chargeback, *, width: int = 720, height: int = 260, top: int = 6) -> str:
    """Stacked monthly bars of the largest groups (the rest as 'other'), first currency only.
    Text is escaped; the SVG has a title and a description for screen readers."""
    if not cb.rows:
        return ""
    currency = cb.rows[0]["currency"]
    rows = [r for r in cb.rows if r["currency"] == currency]
    shown, rest = rows[:top], rows[top:]
    series = [(r["label"], r["cells"]) for r in shown]
    if rest:
        other = [sum((r["cells"][i] for r in rest), Decimal(0)) for i in range(len(cb.months))]
        series.append(("other", other))
    totals = [sum((s[1][i] for s in series), Decimal(0)) for i in range(len(cb.months))]
    peak = max(totals) or Decimal(1)
    left, plot_h = 70, height - 30 - 10
    slot = (width - left - 180) / len(cb.months)
    bar = slot * 0.6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="cb-title cb-desc" class="chart" width="100%">',
        f'<title id="cb-title">Cost per {escape(cb.group_label.lower())} per month '
        f"({escape(currency)})</title>",
        f'<desc id="cb-desc">Largest: {escape(", ".join(s[0] for s in series[:3]))}</desc>',
        f'<line x1="{left}" y1="{10 + plot_h}" x2="{width - 180}" y2="{10 + plot_h}" '
        'stroke="#94a3b8"/>',
        f'<text x="{left - 6}" y="16" text-anchor="end" font-size="11">{peak:,.0f}</text>',
        f'<text x="{left - 6}" y="{10 + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
    for i, month in enumerate(cb.months):
        x = left + i * slot + (slot - bar) / 2
        y = 10 + plot_h
        for n, (label, cells) in enumerate(series):
            h = float(cells[i] / peak) * plot_h
            if h <= 0:
                continue
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[n % len(PALETTE)]}"><title>{escape(label)} '
                f"{month:%Y-%m}: {cells[i]:,.2f} {escape(currency)}</title></rect>"
            )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{height - 10}" text-anchor="middle" '
            f'font-size="11">{month:%Y-%m}</text>'
        )
    for n, (label, _cells) in enumerate(series):
        y = 20 + n * 18
        parts.append(
            f'<rect x="{width - 170}" y="{y - 10}" width="12" height="12" '
            f'fill="{PALETTE[n % len(PALETTE)]}"/><text x="{width - 152}" y="{y}" '
            f'font-size="11">{escape(label[:24])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)

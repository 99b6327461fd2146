"""Exports computed by other apps' selectors (gaps, RACI matrix, posture, access reviews):
row streams for every format, CSV through the Python path."""

import datetime as dt
from collections.abc import Iterator

from governance.exports import matrix_rows
from governance.selectors import ownership_gaps

from ..forms import period

# --- ownership gaps and the RACI matrix ---------------------------------------------------
GAP_COLUMNS = [
    "identity_id",
    "identity",
    "external_id",
    "team",
    "platform",
    "status",
    "domain",
    "gap",
    "current_accountable",
]


def gap_rows(filters: dict, user=None) -> Iterator[dict]:
    gap_filters = {k: filters[k] for k in ("team", "platform") if filters.get(k)}
    for gap in ownership_gaps(user=user, filters=gap_filters):
        identity = gap.identity
        if filters.get("identity") and identity.pk != filters["identity"]:
            continue
        yield {
            "identity_id": identity.pk,
            "identity": identity.name,
            "external_id": identity.external_id,
            "team": identity.team.name,
            "platform": identity.platform.name,
            "status": identity.status,
            "domain": gap.domain.key,
            "gap": gap.reason_label,
            "current_accountable": str(gap.raci.accountable) if gap.raci.accountable else None,
        }


def raci_as_of(filters: dict) -> dt.datetime | None:
    return period(filters)[1]


def raci_rows(filters: dict, user=None) -> Iterator[dict]:
    rows = matrix_rows(as_of=raci_as_of(filters))
    header = next(rows)
    for row in rows:
        yield dict(zip(header, row, strict=True))


def raci_columns() -> list[str]:
    from governance.exports import HEADER

    return list(HEADER)


def posture_rows(filters: dict, user=None) -> Iterator[dict]:
    from ..checks import posture

    for control in posture(filters=filters):
        yield control.as_row()


POSTURE_COLUMNS = [
    "framework",
    "control_id",
    "urn",
    "title",
    "status",
    "checks",
    "evaluated",
    "failing",
    "passing",
]


def review_rows(filters: dict, user=None) -> Iterator[dict]:
    """Access review reports: who reviewed what, when, the decision and the comment (the
    campaigns overlapping the period)."""
    from lifecycle.reviews.selectors import report_items, report_rows

    start, end = period(filters)
    scoped = {k: filters.get(k) for k in ("team", "platform", "identity")}
    items = report_items(filters={**scoped, "start": start, "end": end})
    yield from report_rows(items=items)


def review_columns() -> list[str]:
    from lifecycle.reviews.selectors import REPORT_COLUMNS

    return list(REPORT_COLUMNS)

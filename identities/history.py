"""Change history (django-simple-history) rendered as field diffs, without per-row queries."""

from itertools import pairwise

from core.history import readable_diffs

from .models import Credential


def _diffs(records, label: str) -> list[dict]:
    """records: newest first, as simple-history returns them."""
    out = []
    ordered = list(reversed(records))
    for prev, record in pairwise([None, *ordered]):
        if prev is None:
            changes = []  # created
        else:
            delta = record.diff_against(prev)
            meta = record.instance_type._meta
            changes = [(meta.get_field(c.field), c.old, c.new) for c in delta.changes]
            if not changes:
                continue
        out.append(
            {
                "at": record.history_date,
                "by": record.history_user,
                "reason": record.history_change_reason or "",
                "object": label if record.history_type != "+" else f"{label} (created)",
                "changes": changes,
            }
        )
    return out


def history_diffs(identity, limit: int = 200) -> list[dict]:
    """The identity's and its credentials' history, newest first."""
    identity_rows = list(
        identity.history.select_related("history_user").order_by("-history_date", "-history_id")[
            :limit
        ]
    )
    changes = _diffs(identity_rows, "Identity")
    cred_rows = (
        Credential.history.filter(identity_id=identity.pk)
        .select_related("history_user")
        .order_by("id", "-history_date", "-history_id")[:limit]
    )
    by_credential: dict[int, list] = {}
    for row in cred_rows:
        by_credential.setdefault(row.id, []).append(row)
    for rows in by_credential.values():
        changes += _diffs(rows, f"Credential '{rows[0].label}'")
    changes.sort(key=lambda c: c["at"], reverse=True)
    changes = changes[:limit]
    # labels and names instead of choice values and ids, for every row at once
    for change, diffs in zip(changes, readable_diffs([c["changes"] for c in changes]), strict=True):
        change["changes"] = [{"field": f, "old": old, "new": new} for f, old, new in diffs] or [
            {"field": "", "old": "", "new": "created"}
        ]
    return changes

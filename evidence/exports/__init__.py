"""Evidence exports: each is (columns, rows) where rows yields dicts for every format, and,
where the rows are one query, the same cells computed in SQL so that CSV streams from COPY on
PostgreSQL (`csv_copy.export_csv`)."""

from .access import ACCESS_COLUMNS, APPROVERS, access_queryset, access_rows
from .access_sql import access_csv_cells
from .common import Export, identity_scope_q, iso
from .csv_copy import export_csv
from .inventory import (
    CREDENTIAL_COLUMNS,
    LIFECYCLE_COLUMNS,
    credential_csv_cells,
    credential_rows,
    lifecycle_csv_cells,
    lifecycle_rows,
)
from .reports import (
    GAP_COLUMNS,
    POSTURE_COLUMNS,
    gap_rows,
    posture_rows,
    raci_columns,
    raci_rows,
    review_columns,
    review_rows,
)
from .tokens import TOKEN_COLUMNS, token_csv_cells, token_rows

__all__ = [
    "ACCESS_COLUMNS",
    "EXPORTS",
    "Export",
    "access_queryset",
    "access_rows",
    "export_csv",
    "identity_scope_q",
    "iso",
]

EXPORTS = {
    e.key: e
    for e in (
        Export(
            "access",
            "Access evidence",
            ACCESS_COLUMNS,
            access_rows,
            access_csv_cells,
            spread=APPROVERS,
        ),
        Export(
            "lifecycle", "Lifecycle events", LIFECYCLE_COLUMNS, lifecycle_rows, lifecycle_csv_cells
        ),
        Export("raci", "RACI matrix", raci_columns(), raci_rows),
        Export("gaps", "Ownership gaps", GAP_COLUMNS, gap_rows),
        Export(
            "credentials",
            "Credential inventory",
            CREDENTIAL_COLUMNS,
            credential_rows,
            credential_csv_cells,
        ),
        Export("posture", "Framework posture", POSTURE_COLUMNS, posture_rows),
        Export("reviews", "Access reviews", review_columns(), review_rows),
        Export("runtime-tokens", "Runtime tokens", TOKEN_COLUMNS, token_rows, token_csv_cells),
    )
}

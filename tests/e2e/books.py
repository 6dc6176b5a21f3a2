"""Reading the books in the end-to-end tests: what the ledger charged each row, net."""

from __future__ import annotations

from typing import Any

CHARGED_PER_ROW = (
    "SELECT row_id, -SUM(CASE WHEN kind = 'capture' THEN amount ELSE 0 END)"
    " - SUM(CASE WHEN kind = 'refund' THEN amount ELSE 0 END) FROM ledger"
    " WHERE row_id IS NOT NULL GROUP BY row_id"
)


def charged_per_row(db: Any) -> dict[int, int]:
    """{row_id: credits captured less refunded} over every ledger entry naming a row."""
    return dict(db.execute(CHARGED_PER_ROW).fetchall())

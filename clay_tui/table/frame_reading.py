"""What a view and the grid read of a table's frame (``_row_id`` first, then the data columns),
shared by the table and the read-only preview of a table still opening."""

from __future__ import annotations

import polars as pl

from clay_tui.table.values import label_of


class FrameReading:
    """Reading ``self.frame``: its data columns, row count and type labels."""

    frame: pl.DataFrame

    @property
    def columns(self) -> list[str]:
        return self.frame.columns[1:]

    @property
    def row_count(self) -> int:
        return self.frame.height

    def dtype_label(self, column: str) -> str:
        # one column's dtype, not ``frame.schema[column]``: the schema is built afresh per
        # call, so labelling every column of a wide table was quadratic
        try:
            return label_of(self.frame.get_column(column).dtype)
        except pl.exceptions.ColumnNotFoundError:
            raise KeyError(column) from None

    def dtype_labels(self) -> dict[str, str]:
        """Every column's type label in one pass (one ``label_of`` per distinct dtype)."""
        names, dtypes = self.frame.columns[1:], self.frame.dtypes[1:]  # after ROW_ID
        labels = {d: label_of(d) for d in set(dtypes)}
        return {c: labels[d] for c, d in zip(names, dtypes, strict=True)}

"""The runs table: one row per run and stage, sortable, steady across refreshes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.widgets import DataTable

from exo_benchtui.core.views import TABLE_COLUMNS, TableRow
from exo_benchtui.ui.widgets.glyphs import for_terminal, overflow

# The browser page's colours for its good / fair / poor thresholds.
_CLASS_STYLES = {"good": "green", "fair": "yellow", "poor": "red", "": ""}


class RunsTable(DataTable):
    """A DataTable of :class:`TableRow`, sorted by a column the user picks.

    A refresh keeps the row under the cursor and the scroll position, so the
    table does not jump while someone reads it.
    """

    BINDINGS: ClassVar = [("o", "sort_column", "Sort by next column")]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._rows: tuple[TableRow, ...] = ()
        self.sort_column = "time"
        """The column the rows are sorted by."""
        self.sort_reverse = True
        """Newest / largest first."""

    def on_mount(self) -> None:
        for key, heading in TABLE_COLUMNS:
            self.add_column(Text(for_terminal(self.app, heading)), key=key)

    def show(self, rows: Sequence[TableRow]) -> None:
        """Replace the rows, keeping the cursor row and the scroll position."""
        self._rows = tuple(rows)
        self._rebuild()

    def row_for_cursor(self) -> TableRow | None:
        """The row under the cursor, or None when the table is empty."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return next((row for row in self._rows if row.key == key), None)

    def sort_by(self, column: str) -> None:
        """Sort by ``column``; choosing the same column again reverses it."""
        if column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column = column
            self.sort_reverse = column in ("time", "success")
        self._rebuild()

    def action_sort_column(self) -> None:
        """Sort by the next column (the row cursor has no column to point at)."""
        keys = [key for key, _ in TABLE_COLUMNS]
        self.sort_by(keys[(keys.index(self.sort_column) + 1) % len(keys)])

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(str(event.column_key.value))

    def _cells(self, row: TableRow) -> list[Text]:
        def cell(text: str, style: str = "", justify=None) -> Text:
            return Text(for_terminal(self.app, text), style=style, justify=justify)

        series = cell(row.series_label)
        series.truncate(SERIES_COLUMN_CELLS, overflow=overflow(self.app))
        return [
            cell(row.time_text),
            cell(row.commit),
            series,
            cell(row.strategy),
            cell(row.success_text, _CLASS_STYLES[row.success_class], "right"),
            cell(row.ttft_text, justify="right"),
            cell(
                row.ms_per_token_text,
                _CLASS_STYLES[row.ms_per_token_class],
                "right",
            ),
        ]

    def _rebuild(self) -> None:
        current = self.row_for_cursor()
        scroll_x, scroll_y = self.scroll_x, self.scroll_y
        column = self.cursor_column
        rows = sorted(
            self._rows,
            key=lambda row: row.sort_value(self.sort_column),
            reverse=self.sort_reverse,
        )
        if self.sort_reverse:
            # Unknown values stay last whichever way the column is sorted.
            rows = [r for r in rows if r.sort_value(self.sort_column)[0] is False] + [
                r for r in rows if r.sort_value(self.sort_column)[0] is True
            ]
        self.clear()
        for row in rows:
            self.add_row(*self._cells(row), key=row.key)
        if current is not None:
            keys = [row.key for row in rows]
            if current.key in keys:
                self.move_cursor(
                    row=keys.index(current.key), column=column, scroll=False
                )
        self.scroll_to(scroll_x, scroll_y, animate=False, immediate=True)
        for key, heading in TABLE_COLUMNS:
            mark = ""
            if key == self.sort_column:
                mark = " v" if self.sort_reverse else " ^"
            self.columns[key].label = Text(for_terminal(self.app, heading) + mark)


SERIES_COLUMN_CELLS = 48
"""Series labels are cut to this width so the figures stay on screen."""

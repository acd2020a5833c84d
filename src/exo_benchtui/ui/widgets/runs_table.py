"""The runs table: one row per run and stage, sortable, steady across refreshes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.widgets import DataTable

from exo_benchtui.core.views import TABLE_COLUMNS, TableRow
from exo_benchtui.ui.widgets.glyphs import ascii_only, for_terminal

# The browser page's colours for its good / fair / poor thresholds.
_CLASS_STYLES = {"good": "green", "fair": "yellow", "poor": "red", "": ""}

COLUMN_ORDER = ("time", "commit", "series", "success", "ttft", "ms_per_token")
"""The figures before Strategy, which the series label already names: at 80
columns the figures stay on screen and Strategy is the one scrolled off."""
COLUMNS = tuple(
    sorted(
        TABLE_COLUMNS,
        key=lambda column: (
            COLUMN_ORDER.index(column[0])
            if column[0] in COLUMN_ORDER
            else len(COLUMN_ORDER)
        ),
    )
)
"""(key, heading) in the order shown."""

SERIES_COLUMN_CELLS = 48
"""The widest the Series column gets, so the figures stay on screen."""
SERIES_COLUMN_MIN_CELLS = 16
OTHER_COLUMNS_CELLS = 64
"""Time, Commit, Success % and TTFT with their padding, and the scrollbar."""


def series_cells(width: int) -> int:
    """How wide the Series column may be in a table ``width`` cells wide."""
    return max(
        SERIES_COLUMN_MIN_CELLS, min(SERIES_COLUMN_CELLS, width - OTHER_COLUMNS_CELLS)
    )


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
        self._series_cells = SERIES_COLUMN_CELLS
        self._stale = False
        """Rows were given while off screen and are not in the table yet."""
        self._in_table: dict[str, tuple[TableRow, Text]] = {}
        """Each row in the table now, with its first cell (see _update)."""
        self._built_for: tuple | None = None
        """The sort and Series width the table's rows were built for."""

    def on_mount(self) -> None:
        for key, heading in COLUMNS:
            self.add_column(self._heading(key, heading), key=key)
        self._series_cells = series_cells(self.app.size.width)

    def on_resize(self) -> None:
        cells = series_cells(self.app.size.width)
        if cells != self._series_cells:
            self._series_cells = cells
            self._rebuild()

    def _heading(self, key: str, heading: str) -> Text:
        # Every heading keeps room for the sort mark, so choosing a column
        # neither cuts its mark (DataTable sizes a column when rows are
        # added, not when its label changes) nor moves the columns.
        mark = "  "
        if key == self.sort_column:
            up, down = ("^", "v") if ascii_only(self.app) else ("▲", "▼")
            mark = " " + (down if self.sort_reverse else up)
        return Text(for_terminal(self.app, heading) + mark)

    def show(self, rows: Sequence[TableRow]) -> None:
        """Replace the rows, keeping the cursor row and the scroll position.

        Off screen (its tab not chosen) the table only keeps the rows and
        fills itself when it is next shown: refilling 1,000 rows on every
        sync cost more than drawing all four charts.
        """
        self._rows = tuple(rows)
        self._stale = True
        if self.is_on_screen:
            self.bring_up_to_date()

    def bring_up_to_date(self) -> None:
        """Fill the table with the rows last given to :meth:`show`, if not yet."""
        if self._stale:
            self._rebuild()

    def on_show(self) -> None:
        self.bring_up_to_date()

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
        # The old scroll offset means nothing in the new order: from the top,
        # as far down as the cursor's row needs (kept, it left the newest
        # rows hidden above the view after a round of sorts).
        self._rebuild(keep_scroll=False)

    def action_sort_column(self) -> None:
        """Sort by the next column (the row cursor has no column to point at)."""
        keys = [key for key, _ in COLUMNS]
        self.sort_by(keys[(keys.index(self.sort_column) + 1) % len(keys)])

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(str(event.column_key.value))

    def _cells(self, row: TableRow) -> list[Text]:
        def cell(text: str, style: str = "", justify=None) -> Text:
            return Text(for_terminal(self.app, text), style=style, justify=justify)

        series = cell(row.series_label)
        if series.cell_len > self._series_cells and ascii_only(self.app):
            # Rich's ellipsis is "…", which the console font lacks.
            series.truncate(self._series_cells - 3, overflow="crop")
            series.append("...")
        else:
            series.truncate(self._series_cells, overflow="ellipsis")
        cells = {
            "time": cell(row.time_text),
            "commit": cell(row.commit),
            "series": series,
            "strategy": cell(row.strategy),
            "success": cell(
                row.success_text, _CLASS_STYLES[row.success_class], "right"
            ),
            "ttft": cell(row.ttft_text, justify="right"),
            "ms_per_token": cell(
                row.ms_per_token_text,
                _CLASS_STYLES[row.ms_per_token_class],
                "right",
            ),
        }
        return [cells[key] for key, _ in COLUMNS]

    def _rebuild(self, *, keep_scroll: bool = True) -> None:
        self._stale = False
        current = self.row_for_cursor()
        scroll_x, scroll_y = self.scroll_x, self.scroll_y
        column = self.cursor_column
        rows = self._sorted()
        built_for = (self.sort_column, self.sort_reverse, self._series_cells)
        if built_for != self._built_for or not self._update(rows):
            self._refill(rows)
            self._built_for = built_for
        keys = [row.key for row in rows]
        cursor_row = (
            keys.index(current.key) if current and current.key in keys else None
        )
        if keep_scroll:
            if cursor_row is not None:
                self.move_cursor(row=cursor_row, column=column, scroll=False)
            self.scroll_to(scroll_x, scroll_y, animate=False, immediate=True)
        else:
            self.scroll_to(scroll_x, 0, animate=False, immediate=True)
            if cursor_row is not None:
                self.move_cursor(row=cursor_row, column=column, scroll=True)

    MAX_CHANGED_ROWS: ClassVar[int] = 100
    """More changed rows than this and the table is filled again instead."""

    def _update(self, rows: list[TableRow]) -> bool:
        """Change only the rows that changed; False if a refill is better.

        A sync usually brings a run or two: their rows are added, the oldest
        ones leave, and the rest stay. Clearing and refilling 1,000 rows took
        Textual 150 ms and more; this touches a handful. The rows are put in
        order by DataTable.sort, with each row known by its first cell (the
        same Text object from when it was added), as sort sees cells only.
        Known shortcoming: DataTable widens a column for a new row but never
        narrows it when a row leaves, so a column stays as wide as the widest
        row it held until the next refill (a sort, a resize).
        """
        wanted = {row.key: row for row in rows}
        gone = [
            key
            for key, (row, _) in self._in_table.items()
            if wanted.get(key) is not row
        ]
        new = [
            row for row in rows if self._in_table.get(row.key, (None,))[0] is not row
        ]
        if len(gone) + len(new) > self.MAX_CHANGED_ROWS:
            return False
        if not gone and not new:
            return True
        for key in gone:
            self.remove_row(key)
            del self._in_table[key]
        for row in new:
            self._add(row)
        place = {id(self._in_table[row.key][1]): i for i, row in enumerate(rows)}
        self.sort(key=lambda cells: place[id(cells[0])])
        return True

    def _refill(self, rows: list[TableRow]) -> None:
        self.clear()
        self._in_table = {}
        for key, heading in COLUMNS:
            label = self._heading(key, heading)
            self.columns[key].label = label
            # Measured again from the heading: a narrower terminal narrows it.
            self.columns[key].content_width = label.cell_len
        for row in rows:
            self._add(row)

    def _add(self, row: TableRow) -> None:
        cells = self._cells(row)
        self.add_row(*cells, key=row.key)
        self._in_table[row.key] = (row, cells[0])

    def _sorted(self) -> list[TableRow]:
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
        return rows

"""The main screen: status line, summary cards, chart panes and the runs table."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane

from exo_benchtui.core.text import printable
from exo_benchtui.core.views import DashboardView, StatusLine
from exo_benchtui.ui.widgets.cards import SummaryCards
from exo_benchtui.ui.widgets.charts import TrendChart
from exo_benchtui.ui.widgets.glyphs import ascii_only, for_terminal
from exo_benchtui.ui.widgets.runs_table import RunsTable
from exo_benchtui.ui.widgets.status import StatusBar

COMPACT_WIDTH = 120
"""Below this width the cards shrink to two lines and the panes stack."""
COMPACT_HEIGHT = 36
"""Below this height likewise: four panes in a grid would be too short to read."""


class MainScreen(Screen):
    """What the dashboard shows at a glance; it draws the app's current view."""

    BINDINGS: ClassVar = [
        Binding("t", "toggle_table", "Table"),
        Binding("enter", "open_detail", "Detail", show=True, key_display="Enter"),
        Binding("pagedown", "page_panes(1)", "Next pane", show=False),
        Binding("pageup", "page_panes(-1)", "Previous pane", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield SummaryCards(id="cards")
        yield Static(id="series-note")
        with TabbedContent(id="tabs", initial="charts-tab"):
            with (
                TabPane("Charts", id="charts-tab"),
                VerticalScroll(id="charts-scroll"),
                Grid(id="charts"),
            ):
                marker = self.app.console_profile.chart_marker
                for index in range(3):
                    yield TrendChart(marker=marker, id=f"pane-{index}", classes="pane")
                yield TrendChart(marker=marker, id="pane-bars", classes="pane")
            with TabPane("Runs", id="runs-tab"):
                yield RunsTable(id="runs")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "current_view", self._show_view)
        self._apply_size()

    def on_resize(self) -> None:
        self._apply_size()

    def _apply_size(self) -> None:
        # From the terminal's size, which is known before this screen's
        # layout is: the first frame at a new size is already the right one.
        width, height = self.app.size
        compact = width < COMPACT_WIDTH or height < COMPACT_HEIGHT
        self.set_class(compact, "-compact")
        self.query_one(SummaryCards).set_compact(compact)
        # Every key must fit on 80 columns; the compact footer's spacing does.
        self.query_one(Footer).compact = compact

    def action_page_panes(self, direction: int) -> None:
        scroll = self.query_one("#charts-scroll", VerticalScroll)
        target = scroll.scroll_y + direction * max(1, scroll.size.height)
        scroll.scroll_to(y=target, animate=False)

    # -- drawing -----------------------------------------------------------

    def _show_view(self, view: DashboardView | None) -> None:
        if view is None:
            return
        self.query_one(SummaryCards).show(view.cards)
        note = self.query_one("#series-note", Static)
        # One line of fixed size (app.tcss): no layout of the whole screen.
        text = self.app.series_note(view)
        if ascii_only(self.app):
            text = Text(for_terminal(self.app, text.plain), no_wrap=True)
        note.update(text, layout=False)
        charts = [self.query_one(f"#pane-{i}", TrendChart) for i in range(3)]
        bars = self.query_one("#pane-bars", TrendChart)
        status = self.app.sync_status
        if not view.total_runs and status.last_success_at is None:
            # Nothing read yet: say why rather than a bare "no data".
            reason = "Loading…"
            if status.last_error is not None:
                reason = f"No data: {printable(status.last_error.title)}"
            for chart, pane in zip(charts, view.panes, strict=True):
                chart.show_lines(f"{pane.title} ({pane.unit})", (), reason)
            bars.show_lines(view.bars.title, (), reason)
        else:
            for chart, pane in zip(charts, view.panes, strict=True):
                chart.show_pane(pane)
            bars.show_bars(view.bars)

        self.query_one(RunsTable).show(view.rows)

    def show_status(self, line: StatusLine, progress: tuple[int, int] | None) -> None:
        """Called by the app whenever the status words change."""
        self.query_one(StatusBar).show(line, progress)

    # -- actions -----------------------------------------------------------

    def action_toggle_table(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "runs-tab" if tabs.active == "charts-tab" else "charts-tab"
        if tabs.active == "runs-tab":
            self._focus_table()

    def show_table(self) -> None:
        """Switch to the runs table and put the keyboard there."""
        self.query_one(TabbedContent).active = "runs-tab"
        self._focus_table()

    def _focus_table(self) -> None:
        # Filled now rather than on its Show event, a frame later: the
        # first frame of the tab already has the newest rows.
        table = self.query_one(RunsTable)
        table.bring_up_to_date()
        table.focus()

    def action_open_detail(self) -> None:
        tabs = self.query_one(TabbedContent)
        if tabs.active != "runs-tab":
            tabs.active = "runs-tab"
            self._focus_table()
            return
        row = self.query_one(RunsTable).row_for_cursor()
        if row is not None:
            self.app.open_detail(row.run_key)

    def on_data_table_row_selected(self, event: RunsTable.RowSelected) -> None:
        event.stop()
        row = self.query_one(RunsTable).row_for_cursor()
        if row is not None:
            self.app.open_detail(row.run_key)

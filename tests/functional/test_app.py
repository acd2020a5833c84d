"""The dashboard driven through Pilot, over a directory of result documents.

Each test builds the app with ``make_app`` (as the CLI does) on a temporary
directory written from ``tests/builders.py`` documents, so the sync engine,
the store and the screens are all the real ones. Tests wait for workers;
none sleeps.
"""

from __future__ import annotations

import re
from datetime import timedelta

from textual.command import CommandPalette
from textual.widgets import DataTable, OptionList, ProgressBar, TabbedContent

from exo_benchtui.core.text import printable
from exo_benchtui.core.views import format_time
from exo_benchtui.ui.app import BenchApp, make_app
from exo_benchtui.ui.messages import SyncProgressed
from exo_benchtui.ui.screens.detail import DetailScreen
from exo_benchtui.ui.screens.help import HelpScreen
from exo_benchtui.ui.screens.main import MainScreen
from exo_benchtui.ui.screens.problems import ProblemsScreen
from exo_benchtui.ui.screens.series_picker import SeriesPicker
from exo_benchtui.ui.widgets.cards import Card, SummaryCards
from exo_benchtui.ui.widgets.charts import TrendChart
from exo_benchtui.ui.widgets.runs_table import COLUMNS, RunsTable
from exo_benchtui.ui.widgets.status import StatusBar
from tests.builders import document_key, make_document, make_stage
from tests.functional.app_support import (
    app_for,
    fixed_clock,
    history,
    pilot_test,
    plain,
    run_time,
    settings_for,
    settled,
    write_documents,
)


def status_text(app: BenchApp) -> str:
    return app.screen.query_one(StatusBar).text


def card_texts(app: BenchApp) -> list[str]:
    return [str(card.render()) for card in app.screen.query(Card)]


@pilot_test
async def test_first_sync_fills_status_cards_charts_and_table(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        assert isinstance(app.screen, MainScreen)
        status = status_text(app)
        assert str(results_dir) in status
        assert "synced just now" in status
        assert "next in 60 s" in status
        assert "12 runs · 4 series" in status
        cards = card_texts(app)
        # The newest run (11) is Qwen and lost one request of four.
        assert cards[0].splitlines() == ["Success rate", "75.0 %", "▼ -25.0 pp worse"]
        assert cards[1].splitlines()[1:] == ["2,220 ms", "▲ +2.78 % worse"]
        assert cards[4].splitlines() == ["Benchmarks", "12 runs"]
        panes = [app.screen.query_one(f"#pane-{i}", TrendChart) for i in range(3)]
        assert all(pane.empty_reason is None for pane in panes)
        assert app.screen.query_one("#pane-bars", TrendChart).empty_reason is None
        table = app.screen.query_one(RunsTable)
        # Off screen the table only keeps the rows; it fills when shown.
        assert table.row_count == 0
        await pilot.press("t")
        assert table.row_count == 24
        assert app.data_version == app.store.version


async def a_newer_run_arrives(pilot, results_dir):
    """Run 12 of 12 (after the fixture's twelve) is written and read with r."""
    newer = run_time(12, 12)
    write_documents(
        results_dir,
        [(document_key(newer, prefix=""), make_document(completed_at=newer))],
    )
    await pilot.press("r")
    await settled(pilot)
    assert "13 runs" in status_text(pilot.app)
    return newer


@pilot_test
async def test_r_syncs_now_and_the_table_keeps_its_cursor(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        await pilot.press("t")
        table = app.screen.query_one(RunsTable)
        assert table.has_focus
        await pilot.press("down", "down", "down")
        before = table.row_for_cursor()
        version = app.data_version
        # A newer run arrives; it sorts to the top of the table.
        await a_newer_run_arrives(pilot, results_dir)
        assert app.data_version != version
        assert table.row_count == 25
        assert table.row_for_cursor() == before
        assert table.cursor_row == 4


def table_keys(table: RunsTable) -> list[str]:
    return [
        table.coordinate_to_cell_key((i, 0)).row_key.value
        for i in range(table.row_count)
    ]


@pilot_test
async def test_an_open_table_takes_new_rows_in_order_without_a_refill(results_dir):
    app = app_for(results_dir)
    app.table_rows_limit = 5
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        await pilot.press("t")
        table = app.screen.query_one(RunsTable)
        await pilot.press("down")
        before = table.row_for_cursor()
        kept = table.get_row(before.key)[0]
        await a_newer_run_arrives(pilot, results_dir)
        # The newest rows first, the oldest gone, as the view has them.
        assert table_keys(table) == [row.key for row in app.current_view.rows]
        assert table.row_count == 5
        # The row under the cursor stays under it, and was not made again.
        assert table.row_for_cursor() == before
        assert table.get_row(before.key)[0] is kept
        # Sorting by another column still orders every row.
        await pilot.press("o")
        await pilot.pause()
        commits = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert commits == sorted(commits)


@pilot_test
async def test_a_round_of_sorts_leaves_the_newest_rows_in_view(tmp_path):
    # 600 run-stages: sorting puts the cursor's row far down in some orders.
    write_documents(tmp_path, history(300))
    app = app_for(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        await pilot.press("t", "down", "down", "down")
        table = app.screen.query_one(RunsTable)
        before = table.row_for_cursor()
        for _ in COLUMNS:  # every column once, back to newest first
            await pilot.press("o")
            await pilot.pause()
        assert (table.sort_column, table.sort_reverse) == ("time", True)
        assert table.row_for_cursor() == before
        assert table.cursor_row == 3
        # Scrolled back to the top: the newest row is on screen, not above it.
        assert table.scroll_y == 0


@pilot_test
async def test_rows_that_arrive_behind_the_charts_are_there_when_the_table_opens(
    results_dir,
):
    app = app_for(results_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        table = app.screen.query_one(RunsTable)
        newer = await a_newer_run_arrives(pilot, results_dir)
        assert table.row_count == 0
        await pilot.press("t")
        assert table.row_count == 25
        # The newest run first, under the cursor, in the tab's first frame.
        assert table.row_for_cursor() == app.current_view.rows[0]
        assert table.row_for_cursor().time_text == format_time(newer)


@pilot_test
async def test_r_with_nothing_new_does_not_rebuild(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        view = app.current_view
        await pilot.press("r")
        await settled(pilot)
        assert app.current_view is view


@pilot_test
async def test_s_picks_one_series_then_all_again(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        await pilot.press("s")
        assert isinstance(app.screen, SeriesPicker)
        options = app.screen.query_one(OptionList)
        assert options.option_count == 5  # All, then four series
        assert str(options.get_option_at_index(0).prompt) == "All series (4)"
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        chosen = app.current_view.choices[0]
        assert app.series_id == chosen.id
        note = plain(app.screen.query_one("#series-note").content)
        assert note.startswith("Series: " + chosen.label)
        assert "cards follow" not in note  # they follow the chosen series
        assert all(len(pane.lines) == 1 for pane in app.current_view.panes), (
            "one series, one line"
        )
        await pilot.press("s")
        await pilot.press("home", "enter")
        await pilot.pause()
        assert app.series_id is None
        await pilot.press("s", "escape")
        await pilot.pause()
        assert app.series_id is None and isinstance(app.screen, MainScreen)


@pilot_test
async def test_m_switches_latency_and_throughput_to_ttft_and_decode(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        titles = [p.title for p in app.current_view.panes]
        assert titles[1:] == ["Average response time", "Throughput"]
        await pilot.press("m")
        await pilot.pause()
        titles = [p.title for p in app.current_view.panes]
        assert titles[1:] == ["Time to first token", "Decode speed"]
        chart = app.screen.query_one("#pane-1", TrendChart)
        assert "Time to first token (ms)" in str(chart.render())
        await pilot.press("m")
        await pilot.pause()
        assert app.current_view.panes[2].title == "Throughput"


@pilot_test
async def test_t_toggles_the_table(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        tabs = app.screen.query_one(TabbedContent)
        assert tabs.active == "charts-tab"
        await pilot.press("t")
        assert tabs.active == "runs-tab"
        await pilot.press("t")
        assert tabs.active == "charts-tab"


@pilot_test
async def test_enter_opens_the_detail_and_escape_goes_back(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        await pilot.press("t", "enter")
        assert isinstance(app.screen, DetailScreen)
        await settled(pilot)
        screen = app.screen
        assert not screen.loading_shown
        assert screen.detail is not None
        summary = plain(screen.query_one("#detail-summary").content)
        assert "0011c0ffee0011" in summary.replace(" ", "")
        assert "Tensor (MLX IBV)" in summary
        stages = plain(screen.query_one("#detail-stages").content)
        assert "pp256 tg64 ×4 @0.5s" in stages
        failures = screen.query_one("#detail-failures", TrendChart)
        assert failures.empty_reason is None  # run 11 has one failure
        assert "timed out after 60 s" in str(failures.render())
        for chart_id in ("#snap-nodes", "#snap-instances", "#snap-cluster"):
            assert screen.query_one(chart_id, TrendChart).empty_reason is None
        assert "Memory used per node" in str(
            screen.query_one("#snap-memory", TrendChart).render()
        )
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


@pilot_test
async def test_detail_says_when_the_document_is_gone(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        newest = app.store.runs()[-1]
        (results_dir / newest.key).unlink()
        await pilot.press("t", "enter")
        await settled(pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        assert not screen.loading_shown
        message = plain(screen.query_one("#detail-message").content)
        assert message.startswith("Could not read this run again")


@pilot_test
async def test_question_mark_shows_help(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = plain(app.screen.query_one("#help-text").content)
        assert "refresh now" in text and "Access denied" in text
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


@pilot_test
async def test_footer_shows_the_bindings(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        shown = {
            binding.key
            for (_, binding, enabled, _) in app.active_bindings.values()
            if binding.show and enabled
        }
        assert {"q", "r", "s", "m", "t", "question_mark"} <= shown


@pilot_test
async def test_q_quits(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


@pilot_test
async def test_ctrl_c_quits_at_once_even_from_the_runs_table(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("t")  # a focused table has a Ctrl+C of its own
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running
        assert app.return_code == 0


@pilot_test
async def test_command_palette_opens_and_runs_a_command(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


def column(key: str) -> int:
    return [name for name, _ in COLUMNS].index(key)


@pilot_test
async def test_table_sorts_by_any_column(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        await pilot.press("t")
        table = app.screen.query_one(RunsTable)
        table.sort_by("success")  # largest first
        first = table.row_for_cursor()
        values = [
            str(table.get_cell_at((i, column("success"))))
            for i in range(table.row_count)
        ]
        assert values[0] == "100.0" and values[-1] == "75.0"
        table.sort_by("success")  # and reversed
        assert str(table.get_cell_at((0, column("success")))) == "75.0"
        assert table.row_for_cursor() == first
        # The o key moves the sort to the next column on screen: from
        # success to TTFT, then ms/token, Strategy, and round to Time, Commit.
        await pilot.press("o")
        assert table.sort_column == "ttft"
        await pilot.press("o", "o", "o", "o")
        commits = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert commits == sorted(commits)
        assert table.sort_column == "commit"


@pilot_test
async def test_unreadable_documents_are_counted_and_listed(results_dir):
    (results_dir / "broken.json").write_text("{ not json")
    app = app_for(results_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        assert "1 unreadable (press p)" in status_text(app)
        assert app.screen.query_one(StatusBar).has_class("-warning")
        await pilot.press("p")
        assert isinstance(app.screen, ProblemsScreen)
        table = app.screen.query_one(DataTable)
        keys = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert "broken.json" in keys
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


@pilot_test
async def test_empty_directory_says_no_results(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        assert "no results under this prefix" in status_text(app)
        pane = app.screen.query_one("#pane-0", TrendChart)
        assert pane.empty_reason.startswith("No data")
        assert pane.empty_reason != "Loading…"  # the first sync ended it
        assert "No data" in str(pane.render())


@pilot_test
async def test_80x24_compresses_cards_and_stacks_panes(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        screen = app.screen
        assert screen.has_class("-compact")
        cards = screen.query_one(SummaryCards)
        assert cards.region.height == 4
        for card in screen.query(Card):
            assert card.region.right <= 80 and card.region.bottom <= 24
            assert card.region.height == 2
        pane = screen.query_one("#pane-0", TrendChart)
        pane_1 = screen.query_one("#pane-1", TrendChart)
        assert pane_1.region.y >= pane.region.bottom or not pane_1.region
        # One pane a page: PageDown brings the next one to the top.
        scroll = screen.query_one("#charts-scroll")
        # The panes are fitted when the chart area reports its size: let the
        # resize events be handled (a busy machine may need a few rounds).
        for _ in range(20):
            if pane.region.height == scroll.size.height:
                break
            await pilot.pause()
        assert pane.region.height == scroll.size.height
        await pilot.press("pagedown")
        await pilot.pause()
        assert scroll.scroll_y == scroll.size.height
        assert abs(pane_1.region.y - scroll.region.y) <= 1
        # Bigger: four panes in a grid, cards with borders.
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        assert not screen.has_class("-compact")
        pane = screen.query_one("#pane-0", TrendChart)
        pane_1 = screen.query_one("#pane-1", TrendChart)
        assert pane_1.region.y == pane.region.y
        assert pane_1.region.x > pane.region.right - 1
        assert screen.query_one(Card).region.height == 5
        await pilot.resize_terminal(250, 70)
        await pilot.pause()
        assert pane.region.width > 100


@pilot_test
async def test_charts_draw_one_point_equal_values_and_gaps(tmp_path):
    # One run with every figure equal, then a second series with a gap.
    at = run_time(0, 3)
    documents = [(document_key(at, prefix=""), make_document(completed_at=at))]
    for number, seconds in ((1, None), (2, 2.0)):
        when = run_time(number, 3)
        stage = make_stage("pp32_g32", prompt_length=32, avg_time_per_request=seconds)
        documents.append(
            (
                document_key(when, commit=f"{number}" * 40, prefix=""),
                make_document(completed_at=when, stages=[stage]),
            )
        )
    write_documents(tmp_path, documents)
    app = app_for(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        for pane_id in ("#pane-0", "#pane-1", "#pane-2", "#pane-bars"):
            chart = app.screen.query_one(pane_id, TrendChart)
            rendered = str(chart.render())
            assert chart.empty_reason is None
            assert "┤" in rendered  # an axis was drawn


@pilot_test
async def test_markup_and_escapes_from_documents_are_shown_literally(
    tmp_path, monkeypatch
):
    # No "/" in the model: only what follows the last one is in its label.
    evil_model = "[bold red]Evil\x1b[31mRed\x1b]0;pwned\x07"
    evil_error = "[/]boom [bold red]x\x1b[31m\x1b]0;title\x07"
    stage = make_stage(errors=(evil_error, evil_error))
    document = make_document(
        models=(evil_model,), stages=[stage], config_file="[/]cfg[/bold]\x1b[2J"
    )
    write_documents(tmp_path, [(document_key(prefix=""), document)])

    written: list[str] = []
    from textual.drivers import headless_driver

    class RecordingDriver(headless_driver.HeadlessDriver):
        """Headless, but keeps what the app would write to a terminal."""

        @property
        def is_headless(self) -> bool:
            return False

        def write(self, data: str) -> None:
            written.append(data)

    monkeypatch.setattr(headless_driver, "HeadlessDriver", RecordingDriver)
    app = app_for(tmp_path)
    async with app.run_test(size=(200, 50)) as pilot:
        await settled(pilot)
        await pilot.press("t")
        await pilot.pause()
        table_row = [
            str(cell) for cell in app.screen.query_one(RunsTable).get_row_at(0)
        ]
        assert "[bold red]Evil\\x1b[31mRed\\x1b]0;pwned\\x07" in table_row[2]
        await pilot.press("enter")
        await settled(pilot)
        failures = app.screen.query_one("#detail-failures", TrendChart)
        assert printable("[/]boom [bold red]x") in str(failures.render())
        assert "\\x1b[31m" in str(failures.render())
        summary = plain(app.screen.query_one("#detail-summary").content)
        assert "[bold red]Evil\\x1b[31mRed\\x1b]0;pwned\\x07" in summary
        assert "[/]cfg[/bold]\\x1b[2J" in summary
        screen_text = app.export_screenshot()
    output = "".join(written)
    assert output, "the recording driver saw the screen"
    # The data's title sequence and bell never reached the terminal...
    assert "\x1b]0;pwned" not in output and "\x1b]0;title" not in output
    # Textual's own pointer-shape sequences end in BEL; no other BEL may.
    assert "\x07" not in re.sub("\x1b\\]22;[a-z-]*\x07", "", output)
    # ...and its colour sequence only as text: every ESC is the app's own.
    assert "\\x1b[31mRed" in output
    assert "[bold red]Evil" in output
    for piece in output.split("\x1b")[1:]:
        assert piece.startswith(("[", "]", "(", "7", "8", "=", ">", "P", "\\")), piece
    assert "[bold red]Evil" in screen_text.replace("&#160;", " ")


@pilot_test
async def test_status_line_counts_down_with_the_clock(results_dir):
    now = [fixed_clock()]
    app = make_app(settings_for(results_dir), clock=lambda: now[0])
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        assert "synced just now · next in 60 s" in status_text(app)
        now[0] += timedelta(seconds=100)
        # What the once-a-second timer does:
        app._show_status()
        assert "synced 2 min ago · next in 0 s" in status_text(app)


@pilot_test
async def test_a_cold_load_shows_a_progress_bar(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        bar = app.screen.query_one("#status-progress", ProgressBar)
        assert not bar.display
        app.post_message(SyncProgressed(30, 120))
        await pilot.pause()
        assert bar.display
        assert (bar.progress, bar.total) == (30, 120)
        assert "reading 30/120" in status_text(app)


@pilot_test
async def test_the_table_holds_the_newest_rows_and_says_how_many_it_left_out(
    results_dir,
):
    app = app_for(results_dir)
    app.table_rows_limit = 5
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        total = sum(len(run.stages) for run in app.store.runs())
        await pilot.press("t")
        assert app.screen.query_one(RunsTable).row_count == 5
        note = plain(app.series_note(app.current_view))
        assert f"table: newest 5 of {total}" in note

"""Findings of a new-user trial and of the kiosk engineer, driven through Pilot.

Each test builds the app with ``make_app`` over a directory of documents from
``tests/builders.py``, as in ``test_app.py``; none sleeps.
"""

from __future__ import annotations

import re

import pytest
from textual.command import CommandPalette
from textual.widgets import Static

from exo_benchtui.ui.app import make_app
from exo_benchtui.ui.screens.detail import DetailScreen, short_names
from exo_benchtui.ui.screens.help import HelpScreen
from exo_benchtui.ui.screens.kiosk import HeadlineFigure, KioskScreen
from exo_benchtui.ui.screens.main import MainScreen
from exo_benchtui.ui.screens.series_picker import SeriesPicker
from exo_benchtui.ui.widgets.charts import PLAIN_MARKERS, TrendChart, integer_ticks
from exo_benchtui.ui.widgets.runs_table import COLUMNS, RunsTable
from exo_benchtui.ui.widgets.status import StatusBar
from tests.builders import document_key, encode, make_document, make_stage
from tests.functional.app_support import (
    app_for,
    pilot_test,
    plain,
    settled,
)
from tests.functional.kiosk_fixtures import (
    FakeClock,
    kiosk_settings,
    write_history,
)

# -- 1. the kiosk keeps Textual's app-level keys away ------------------------


@pilot_test
async def test_kiosk_ignores_ctrl_q_and_ctrl_p(results_dir):
    app = app_for(results_dir, kiosk=True)
    async with app.run_test(size=(80, 25)) as pilot:
        await settled(pilot)
        assert isinstance(app.screen, KioskScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.screen, KioskScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, KioskScreen)
        assert not any(isinstance(s, CommandPalette) for s in app.screen_stack)


@pilot_test
async def test_dashboard_still_quits_on_ctrl_q(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


# -- 7. the palette offers the dashboard's own commands -----------------------


@pilot_test
async def test_palette_lists_the_app_commands_first(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert titles[:6] == [
            "Refresh now",
            "Pick series",
            "Switch metric set",
            "Show runs table",
            "Show problems",
            "Help",
        ]
        assert "Quit" in titles  # Textual's own stay too


@pilot_test
async def test_palette_command_runs(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"pick series")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SeriesPicker)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("ctrl+p")
        await pilot.press(*"show runs table")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.screen.query_one("#tabs").active == "runs-tab"


# -- 6. help says how to close it ---------------------------------------------


@pilot_test
async def test_help_says_how_to_close_and_what_the_table_follows(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(plain(app.screen.query_one("#help-text").content).split())
        assert "Escape or ? closes this help" in text
        assert "only the selected series' runs" in text
        await pilot.press("question_mark")
        assert isinstance(app.screen, MainScreen)


# -- 2. legends under the plot, never over its data ---------------------------


def chart_lines(chart: TrendChart) -> list[str]:
    return str(chart.render()).split("\n")


@pilot_test
async def test_legend_is_drawn_under_the_plot(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        chart = app.screen.query_one("#pane-0", TrendChart)
        lines = chart_lines(chart)
        assert len(lines) == chart.size.height
        labels = [entry.label for entry in chart.legend]
        assert len(labels) == 4  # the four series of the history
        axis_row = max(i for i, line in enumerate(lines) if "11-20" in line)
        # Every entry's marker is below the x axis's dates, none among the
        # data rows, and each is followed by the start of a series' name.
        markers = {entry.marker for entry in chart.legend}
        assert markers == {"■"}
        rows = [i for i, line in enumerate(lines) if "■" in line]
        assert rows and min(rows) > axis_row
        shown = [cell for i in rows for cell in lines[i].split("■")[1:]]
        assert len(shown) == len(labels)
        for cell, label in zip(shown, labels, strict=True):
            assert label.startswith(cell.strip().removesuffix("…")), (cell, label)
        # The top data row is the 100 % tick, and nothing covers its line.
        top = next(line for line in lines if "100.0" in line)
        assert not any(label[:10] in top for label in labels)


@pilot_test
async def test_bars_legend_names_successful_and_failed(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        chart = app.screen.query_one("#pane-bars", TrendChart)
        assert [entry.label for entry in chart.legend] == ["successful", "failed"]
        assert "successful" in chart_lines(chart)[-1]


@pilot_test
async def test_without_colour_series_differ_by_marker(results_dir, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_for(results_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        chart = app.screen.query_one("#pane-0", TrendChart)
        markers = [entry.marker for entry in chart.legend]
        assert markers == list(PLAIN_MARKERS[:4])
        # Four series fit two legend rows of two columns, labels cut to fit.
        legend = chart_lines(chart)[-2:]
        for entry in chart.legend:
            found = [
                re.search(rf"{re.escape(entry.marker)} (\S.*?)(?:  |$)", row)
                for row in legend
            ]
            shown = next(match.group(1) for match in found if match)
            assert entry.label.startswith(shown.removesuffix("…")), shown
        # The plot draws each series with its own marker, not braille.
        plot = "\n".join(chart_lines(chart)[:-2])
        assert "+" in plot and "o" in plot


@pilot_test
async def test_ascii_console_legend_is_ascii(results_dir):
    app = app_for(results_dir, ascii=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        chart = app.screen.query_one("#pane-0", TrendChart)
        assert chart.legend
        for entry in chart.legend:
            assert entry.marker.isascii() and entry.label.isascii()
        legend = "\n".join(chart_lines(chart)[-3:])
        assert legend.isascii()


# -- 3. counts have whole-number ticks ---------------------------------------


@pytest.mark.parametrize(
    ("high", "slots", "expected"),
    [
        (1, 5, [0, 1]),
        (0.4, 5, [0, 1]),
        (4, 5, [0, 1, 2, 3, 4]),
        (4, 2, [0, 2, 4]),
        (8, 3, [0, 5, 10]),
        (37, 5, [0, 10, 20, 30, 40]),
    ],
)
def test_integer_ticks(high, slots, expected):
    assert integer_ticks(high, slots) == expected


def numbers_left_of_axis(chart: TrendChart) -> list[str]:
    """The y tick labels: what stands before the axis on each row."""
    found = []
    for line in chart_lines(chart):
        head, bar, _ = line.partition("┤")
        if bar and head.strip():
            found.append(head.strip())
    return found


@pilot_test
async def test_detail_counts_have_integer_ticks(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        await pilot.press("t", "enter")
        await settled(pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        for chart_id in ("#snap-nodes", "#snap-instances", "#snap-cluster"):
            ticks = numbers_left_of_axis(screen.query_one(chart_id, TrendChart))
            assert ticks, chart_id
            assert all(tick.isdigit() for tick in ticks), (chart_id, ticks)
        # The failure bars count along x: the bottom row holds the ticks.
        failures = chart_lines(screen.query_one("#detail-failures", TrendChart))
        x_ticks = failures[-1].split()
        assert x_ticks == ["0", "1"]  # the newest run has one failed request


@pilot_test
async def test_request_bars_have_integer_ticks(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        ticks = numbers_left_of_axis(app.screen.query_one("#pane-bars", TrendChart))
        assert ticks and all(tick.isdigit() for tick in ticks), ticks
        assert max(int(tick) for tick in ticks) >= 8  # 8 requests a run


# -- 4. peer ids read as short node names -------------------------------------

PEER_A = "12D3KooWAbCdEfGhIjKlMnOpQrStUvWxYz123456789abcdeQzidXB"
PEER_B = "12D3KooWZyXwVuTsRqPoNmLkJiHgFeDcBa987654321zyxwvuQzidXC"
PEER_C = "12D3KooWSameEndSameEndSameEndSameEndSameEndSameEn9QzidXB"


def test_short_names_use_the_last_characters():
    names = short_names([PEER_A, PEER_B, "instance-0"])
    assert names == {
        PEER_A: "node …QzidXB",
        PEER_B: "node …QzidXC",
        "instance-0": "instance-0",
    }


def test_short_names_stay_unique():
    names = short_names([PEER_A, PEER_C])
    assert names[PEER_A] != names[PEER_C]
    assert PEER_A.endswith(names[PEER_A].removeprefix("node …"))
    assert PEER_C.endswith(names[PEER_C].removeprefix("node …"))


@pilot_test
async def test_detail_legends_name_nodes_shortly(tmp_path):
    stage = make_stage("pp64_g64")
    body = encode(make_document(stages=[stage]))
    body = body.replace(b"12D3KooWNodeA", PEER_A.encode())
    body = body.replace(b"12D3KooWNodeB", PEER_B.encode())
    (tmp_path / document_key(prefix="")).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / document_key(prefix="")).write_bytes(body)
    app = app_for(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        await pilot.press("t", "enter")
        await settled(pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        for chart_id in ("#snap-nodes", "#snap-memory"):
            chart = screen.query_one(chart_id, TrendChart)
            labels = [entry.label for entry in chart.legend]
            assert labels == ["node …QzidXB", "node …QzidXC"], chart_id
            assert "12D3KooW" not in str(chart.render())


# -- 5. the runs table at 80 columns -----------------------------------------


@pilot_test
async def test_runs_table_at_80_columns_shows_success_and_ttft(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("t")
        await pilot.pause()
        table = app.screen.query_one(RunsTable)
        region = table.scrollable_content_region.width
        widths = {
            column.key.value: column.get_render_width(table)
            for column in table.ordered_columns
        }
        keys = [column.key.value for column in table.ordered_columns]
        end_of_ttft = sum(widths[key] for key in keys[: keys.index("ttft") + 1])
        assert end_of_ttft <= region, (widths, region)
        # The long series labels are cut with an ellipsis, not the figures.
        series = [
            table.get_cell_at((i, keys.index("series"))) for i in range(table.row_count)
        ]
        assert any(cell.plain.endswith("…") for cell in series)
        assert all(cell.cell_len <= widths["series"] - 2 for cell in series)


@pilot_test
async def test_runs_table_series_cut_with_three_dots_in_ascii(results_dir):
    app = app_for(results_dir, ascii=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("t")
        await pilot.pause()
        table = app.screen.query_one(RunsTable)
        keys = [column.key.value for column in table.ordered_columns]
        series = [
            table.get_cell_at((i, keys.index("series"))).plain
            for i in range(table.row_count)
        ]
        assert any(text.endswith("...") for text in series)
        assert all(text.isascii() for text in series)


@pytest.mark.parametrize("key", [key for key, _ in COLUMNS])
def test_every_column_shows_its_sort_mark(results_dir, key):
    @pilot_test
    async def check(results_dir):
        app = app_for(results_dir)
        async with app.run_test(size=(160, 48)) as pilot:
            await settled(pilot)
            await pilot.press("t")
            table = app.screen.query_one(RunsTable)
            if table.sort_column != key:
                table.sort_by(key)
            await pilot.pause()
            mark = "▼" if table.sort_reverse else "▲"
            heading = table.columns[key].label.plain
            assert heading.rstrip().endswith(mark), heading
            # The whole heading, mark included, fits the column's width.
            assert table.columns[key].get_render_width(table) >= len(heading) + 2
            table.sort_by(key)  # reversed: the other mark
            await pilot.pause()
            other = "▲" if mark == "▼" else "▼"
            assert table.columns[key].label.plain.rstrip().endswith(other)
            others = [k for k, _ in COLUMNS if k != key]
            for name in others:
                label = table.columns[name].label.plain
                assert "▲" not in label and "▼" not in label

    check(results_dir)


# -- 8. the status line names the endpoint and keeps what matters in view -----


@pilot_test
async def test_status_line_shows_endpoint_and_source_last(results_dir):
    app = app_for(results_dir, endpoint_url="http://127.0.0.1:5555")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        text = app.screen.query_one(StatusBar).text
        assert text.endswith(f" · {results_dir} @ 127.0.0.1:5555")
        # What the 78 cells of an 80-column line show: freshness and counts.
        seen = text[:78]
        assert "synced just now" in seen
        assert "12 runs · 4 series" in seen


@pilot_test
async def test_status_line_without_endpoint_names_the_source_alone(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        text = app.screen.query_one(StatusBar).text
        assert text.startswith("synced just now")
        assert text.endswith(f" · {results_dir}")
        assert "@" not in text


# -- 9. the kiosk at 80x25 ----------------------------------------------------


@pilot_test
async def test_kiosk_at_80x25_titles_every_chart_and_fits_the_changes(tmp_path):
    write_history(tmp_path / "docs")
    app = make_app(kiosk_settings(tmp_path / "docs", tmp_path), clock=FakeClock())
    async with app.run_test(size=(80, 25)) as pilot:
        await settled(pilot)
        screen = app.screen
        assert isinstance(screen, KioskScreen)
        charts = list(screen.query(TrendChart))
        assert len(charts) == 3
        for chart in charts:
            title_row = chart_lines(chart)[0]
            assert title_row.strip(), chart.id  # plotext drew a title
            assert title_row.rstrip().endswith(")"), title_row  # with its unit
        for figure in screen.query(HeadlineFigure):
            change = figure.query_one(".figure-change", Static)
            words = str(change.render())
            assert words, figure.id
            assert len(words) <= change.content_size.width, words
            assert "(" not in words or words.endswith(")")  # never cut mid-way

"""Chart legends: a few rows of equal columns, markers in their line's colour.

The pane tests draw five series whose response times are constant and far
apart (1 to 5 s), so each line is one horizontal row of the plot, higher for
a slower series: a test can tell which line is which from its row alone.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from exo_benchtui.core.views import ChartLine
from exo_benchtui.ui.widgets.charts import (
    LEGEND_GAP,
    PLAIN_MARKERS,
    TrendChart,
    cut_cells,
    distinct_parts_first,
    legend_grid,
)
from tests.builders import document_key, make_document, make_stage
from tests.functional.app_support import (
    FIXED_NOW,
    app_for,
    pilot_test,
    settled,
    write_documents,
)

SERIES = 5
"""Series n (1 to 5) answers every request in n seconds."""


def model_of(number: int) -> str:
    return f"mlx-community/Model{number}-Instruct-with-a-long-name"


@pytest.fixture
def five_series(tmp_path: Path) -> Path:
    """Three runs of each of five models, one stage each, constant figures."""
    directory = tmp_path / "results"
    documents = []
    for run in range(3):
        for number in range(1, SERIES + 1):
            at = FIXED_NOW - timedelta(hours=30 - 10 * run, minutes=number)
            commit = f"{run:02d}{number:02d}".ljust(40, "a")
            stage = make_stage(avg_time_per_request=float(number))
            document = make_document(
                completed_at=at,
                commit=commit,
                models=(model_of(number),),
                stages=[stage],
            )
            documents.append((document_key(at, commit, prefix=""), document))
    write_documents(directory, documents)
    return directory


def response_chart(app) -> TrendChart:
    return next(
        chart
        for chart in app.screen.query(TrendChart)
        if chart._data is not None and "response" in chart._data.title
    )


def split_rows(chart: TrendChart) -> tuple[Text, list[str], int]:
    """The chart as drawn, its lines, and how many of them the legend takes."""
    drawn = chart.render()
    assert isinstance(drawn, Text)
    lines = drawn.plain.split("\n")
    # The plot ends with the dates under its frame; the legend follows.
    dates_row = 1 + max(i for i, line in enumerate(lines) if "└" in line)
    return drawn, lines, len(lines) - 1 - dates_row


def number_of(label: str) -> int:
    return next(n for n in range(1, SERIES + 1) if f"Model{n}-" in label)


def is_braille(char: str) -> bool:
    return "\u2800" <= char <= "\u28ff"


def line_rows(drawn: Text, plot_rows: int, marker: str | None) -> dict[str, set]:
    """Which plot rows each colour (or each marker, without colour) is drawn on."""
    rows: dict = {}
    plain = drawn.plain
    for span in drawn.spans:
        row = plain.count("\n", 0, span.start)
        cells = plain[span.start : span.end]
        if row >= plot_rows or not isinstance(span.style, Style):
            continue
        if marker is None and any(is_braille(c) for c in cells):
            rows.setdefault(span.style.color.get_truecolor(), set()).add(row)
    if marker is not None:
        for row, line in enumerate(plain.split("\n")[:plot_rows]):
            left = min((line.find(c) for c in "┤│" if c in line), default=-1)
            if left < 0 or line.rfind("│") <= left:
                continue
            for char in set(line[left + 1 : line.rfind("│")]) - {" "}:
                rows.setdefault(char, set()).add(row)
    return rows


def shown_labels(legend: list[str]) -> list[str]:
    """The labels in the legend's rows, in reading order."""
    return [label.strip() for line in legend for label in line.split("■")[1:]]


def legend_marker_styles(drawn: Text, first_legend_row: int) -> list[Style]:
    plain = drawn.plain
    start = sum(len(line) + 1 for line in plain.split("\n")[:first_legend_row])
    return [
        span.style
        for span in drawn.spans
        if span.start >= start and isinstance(span.style, Style) and span.style.color
    ]


@pilot_test
async def test_five_series_legend_fits_two_rows_at_80x24(five_series):
    app = app_for(five_series)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        chart = response_chart(app)
        _, lines, legend_rows = split_rows(chart)
        assert len(chart.legend) == SERIES
        assert 1 <= legend_rows <= 2
        # The plot has every other row of the pane.
        assert len(lines) == chart.size.height
        assert all(cell_len(line) <= chart.size.width for line in lines)
        legend = lines[-legend_rows:]
        # Every series is named by its own model, cut with an ellipsis.
        for number in range(1, SERIES + 1):
            assert sum(f"Model{number}-" in line for line in legend) == 1
        assert "…" in "".join(legend)
        # Side by side in columns of equal width.
        starts = [i for i, char in enumerate(legend[0]) if char == "■"]
        assert len(starts) >= 3
        steps = {b - a for a, b in itertools.pairwise(starts)}
        assert len(steps) == 1


@pilot_test
async def test_each_legend_marker_has_its_lines_colour(five_series):
    app = app_for(five_series)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        chart = response_chart(app)
        drawn, lines, legend_rows = split_rows(chart)
        plot_rows = len(lines) - legend_rows
        rows = line_rows(drawn, plot_rows, marker=None)
        styles = legend_marker_styles(drawn, plot_rows)
        assert len(styles) == SERIES
        for entry, style in zip(chart.legend, styles, strict=True):
            assert style == entry.style
            # One horizontal line in this colour, and the slower the series
            # the higher it is (rows count from the top).
            colour = style.color.get_truecolor()
            assert len(rows[colour]) == 1, entry.label
        by_height = sorted(
            chart.legend, key=lambda e: min(rows[e.style.color.get_truecolor()])
        )
        assert [number_of(e.label) for e in by_height] == [5, 4, 3, 2, 1]


@pilot_test
async def test_without_colour_each_legend_marker_is_its_lines_marker(
    five_series, monkeypatch
):
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_for(five_series)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        chart = response_chart(app)
        drawn, lines, legend_rows = split_rows(chart)
        plot_rows = len(lines) - legend_rows
        rows = line_rows(drawn, plot_rows, marker="any")
        markers = [entry.marker for entry in chart.legend]
        assert markers == list(PLAIN_MARKERS[:SERIES])
        legend = "\n".join(lines[-legend_rows:])
        for entry in chart.legend:
            assert f"{entry.marker} Model{number_of(entry.label)}-" in legend
        by_height = sorted(chart.legend, key=lambda e: min(rows[e.marker]))
        assert [number_of(e.label) for e in by_height] == [5, 4, 3, 2, 1]


@pilot_test
async def test_ascii_console_legend_cuts_with_three_dots(five_series):
    app = app_for(five_series, ascii=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        chart = response_chart(app)
        _, lines, legend_rows = split_rows(chart)
        legend = "\n".join(lines[-legend_rows:])
        assert legend.isascii()
        assert legend.count("...") == SERIES


@pilot_test
async def test_legend_is_laid_out_again_on_resize(five_series):
    app = app_for(five_series)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        _, lines, legend_rows = split_rows(response_chart(app))
        before = shown_labels(lines[-legend_rows:])
        await pilot.resize_terminal(200, 50)
        await settled(pilot)
        chart = response_chart(app)
        _, lines, legend_rows = split_rows(chart)
        assert len(lines) == chart.size.height
        assert all(cell_len(line) <= chart.size.width for line in lines)
        assert 1 <= legend_rows <= 2
        # Wider panes: wider columns, so every label is cut less.
        after = shown_labels(lines[-legend_rows:])
        assert len(after) == len(before) == SERIES
        for wide, narrow in zip(after, before, strict=True):
            assert len(wide) > len(narrow)
            assert wide.startswith(narrow.removesuffix("…"))


@pilot_test
async def test_one_series_named_by_the_title_has_no_legend(five_series):
    app = app_for(five_series)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        chart = response_chart(app)
        line = ChartLine("one", "Model1", (1.0, 2.0), (3.0, 4.0))
        chart.show_lines("Model1: response time (ms)", [line])
        await pilot.pause()
        chart.render()
        assert chart.legend == ()
        chart.show_lines("Running tasks per node", [line])
        await pilot.pause()
        chart.render()
        assert [entry.label for entry in chart.legend] == ["Model1"]


# -- the layout on its own -----------------------------------------------------


@pytest.mark.parametrize(
    ("count", "natural", "width", "max_rows", "expected"),
    [
        # Whole entries fit side by side: one row, columns as wide as the widest.
        (2, 12, 78, 2, (2, 12)),
        # Spread evenly: five in two rows are three and two, not four and one.
        (5, 30, 98, 3, (3, 30)),
        # Too long to fit whole: columns of at least the readable width.
        (5, 70, 78, 2, (3, 24)),
        # Fewer rows allowed than readable columns need: narrower columns.
        (5, 70, 40, 2, (3, 12)),
        # Even the narrowest columns leave entries out.
        (9, 70, 30, 1, (3, 8)),
    ],
)
def test_legend_grid(count, natural, width, max_rows, expected):
    columns, cells = legend_grid(count, natural, width, max_rows)
    assert (columns, cells) == expected
    assert columns * cells + LEGEND_GAP * (columns - 1) <= width


def test_distinct_parts_come_first():
    labels = ["Qwen · warmup · pp50", "Qwen · cooldown · pp50", "Llama · simple"]
    assert distinct_parts_first(labels) == [
        "warmup · Qwen · pp50",
        "cooldown · Qwen · pp50",
        "Llama · simple",
    ]


def test_cut_cells_counts_terminal_cells():
    assert cut_cells("short", 10, "…") == "short"
    assert cut_cells("abcdefghij", 6, "...") == "abc..."
    # A wide character is two cells: never half of one.
    assert cut_cells("漢字漢字", 6, "…") == "漢字…"
    assert cell_len(cut_cells("漢字漢字", 6, "…")) <= 6

"""Chart panes drawn with textual-plotext, fed from :mod:`exo_benchtui.core.views`.

One widget, :class:`TrendChart`, draws every chart of the app (trend lines,
stacked request bars, horizontal failure bars) so the main, detail and kiosk
screens look alike and console mode only has to change its ``marker``.

The figure is rebuilt from the stored data on every render, at the widget's
current size, so a resize redraws with ticks that fit. Labels reach plotext
through :func:`printable`: plotext writes them into an ANSI string that
textual-plotext parses back with ``Text.from_ansi``, so an ESC from the data
would otherwise become a real escape sequence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from exo_benchtui.core.text import printable
from exo_benchtui.core.views import (
    BarsView,
    ChartLine,
    ChartPane,
    per_column,
    time_ticks,
)
from exo_benchtui.ui.widgets.glyphs import ellipsis, for_terminal

SERIES_COLOURS = ("cyan", "magenta", "orange", "green", "blue", "red", "white")
"""Plotext colour names, one per series in order; all in the 16-colour set.
plotext calls ANSI colour 3 (yellow) "orange"; it has no "yellow" and draws
that name uncoloured."""

RICH_COLOURS = {
    "cyan": "cyan",
    "magenta": "magenta",
    "orange": "yellow",
    "green": "green",
    "blue": "blue",
    "red": "red",
    "white": "bright_white",
}
"""The Rich colour of each plotext colour name we draw with: the same ANSI
colour number (plotext's "orange" is ANSI 3, its "white" ANSI 15), so a legend
marker and its line go through the terminal's palette alike."""

PLAIN_MARKERS = ("*", "+", "o", "x", "#", "%", "@")
"""Without colour, series are told apart by these markers (chart and legend)."""

LEGEND_MIN_PLOT_ROWS = 6
"""The legend gives way (is cut) before the plot gets shorter than this."""

LEGEND_ROW_SHARE = 6
"""The legend takes at most one row per this many rows of the pane (2 of 15)."""

LEGEND_GAP = 2
"""Blank cells between two legend columns."""

LEGEND_READABLE_COLUMN = 20
"""Legend columns this wide still name a series: labels are cut to fit them
rather than given a row each."""

LEGEND_MIN_COLUMN = 8
"""Narrowest legend column: a marker, a space and a few letters of the label."""


@dataclass(frozen=True, slots=True)
class LegendEntry:
    """One series in the legend under a chart."""

    marker: str
    colour: str
    """The plotext colour name the series is drawn in."""
    label: str
    cut_from: str = ""
    """What to cut when the label does not fit (the label when empty)."""

    @property
    def style(self) -> Style:
        """The marker's style: the colour of the series' line, in Rich terms."""
        return Style(color=RICH_COLOURS[self.colour])


@dataclass(frozen=True, slots=True)
class _Lines:
    title: str
    lines: tuple[ChartLine, ...]
    empty_reason: str | None
    counts: bool = False
    axis: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class _Stacked:
    bars: BarsView


@dataclass(frozen=True, slots=True)
class _Horizontal:
    title: str
    labels: tuple[str, ...]
    counts: tuple[int, ...]


class TrendChart(PlotextPlot):
    """A chart pane: lines over time, stacked bars, or horizontal bars."""

    DEFAULT_CSS = """
    TrendChart {
        width: 1fr;
        height: 1fr;
        min-height: 6;
        background: $surface;
        color: $foreground;
    }
    """

    def __init__(
        self,
        *,
        marker: str = "braille",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.marker = marker
        """The plotext marker for lines: braille by default, ASCII on a console."""
        self._data: _Lines | _Stacked | _Horizontal | None = None
        self._empty_reason: str | None = "Loading…"
        self._legend: list[LegendEntry] = []
        self._title_text = ""

    # -- feeding -----------------------------------------------------------

    def show_pane(self, pane: ChartPane) -> None:
        """Draw one pane of the main view."""
        title = f"{pane.title} ({pane.unit})" if pane.unit else pane.title
        self.show_lines(
            title,
            pane.lines,
            pane.empty_reason,
            axis=pane.axis,
        )

    def show_lines(
        self,
        title: str,
        lines: Sequence[ChartLine],
        empty_reason: str | None = None,
        *,
        counts: bool = False,
        axis: tuple[float, float] | None = None,
    ) -> None:
        """Draw lines over time; ``empty_reason`` is shown instead when set.

        ``counts``: the values are whole numbers (tasks), so the y axis has
        integer ticks from zero. ``axis``: the y axis's fixed range.
        """
        if empty_reason is None and not any(line.has_known for line in lines):
            empty_reason = "No data"
        self._data = _Lines(
            printable(title, one_line=True),
            tuple(lines),
            None,
            counts=counts,
            axis=axis,
        )
        self._empty_reason = empty_reason
        self.refresh()

    def show_bars(self, bars: BarsView) -> None:
        """Draw successful and failed requests per run as stacked bars."""
        self._data = _Stacked(bars)
        self._empty_reason = bars.empty_reason
        self.refresh()

    def show_horizontal(
        self, title: str, labels: Sequence[str], counts: Sequence[int]
    ) -> None:
        """Draw counts per label as horizontal bars (failure reasons)."""
        self._data = _Horizontal(
            printable(title, one_line=True),
            tuple(printable(label, one_line=True) for label in labels),
            tuple(counts),
        )
        self._empty_reason = None if labels else "No failures"
        self.refresh()

    def show_message(self, message: str) -> None:
        """Show words instead of a chart (loading, or why there is none)."""
        self._data = None
        self._empty_reason = message
        self.refresh()

    @property
    def empty_reason(self) -> str | None:
        """The words shown instead of a chart, or None when one is drawn."""
        return self._empty_reason

    # -- drawing -----------------------------------------------------------

    @property
    def legend(self) -> tuple[LegendEntry, ...]:
        """The series named under the chart as last drawn."""
        return tuple(self._legend)

    def render(self) -> RenderResult:
        width, height = self.size.width, self.size.height
        if self._empty_reason is not None or self._data is None or width < 10:
            self._legend = []
            return self._words(self._empty_reason or "No data")
        # A fresh figure each time: plotext's clear_figure() keeps some layout
        # state from the previous size, which made the same data draw
        # differently after a resize. The old figure is released whole.
        self._plot = Plot()
        plt = self.plt
        if isinstance(self._data, _Lines):
            self._legend = self._line_legend(self._data)
        elif isinstance(self._data, _Stacked):
            self._legend = self._bar_legend()
        else:
            self._legend = []
        # The legend goes under the plot, never over its top rows (plotext's
        # own legend hid the 100 % line of the success chart).
        max_rows = min(height - LEGEND_MIN_PLOT_ROWS, height // LEGEND_ROW_SHARE)
        legend = self._legend_text(width, max(0, max_rows))
        plot_height = height - len(legend)
        plt.plotsize(width, plot_height)
        if isinstance(self._data, _Lines):
            self._draw_lines(self._data, width, plot_height)
        elif isinstance(self._data, _Stacked):
            self._draw_stacked(self._data.bars, width, plot_height)
        else:
            self._draw_horizontal(self._data, width)
        # PlotextPlot.render sizes the figure to the whole widget: size it here.
        plt._set_size(width, plot_height)
        # No colours of plotext's own: the widget's CSS shows through. Its
        # themes coloured every cell, and Rich reading all of that ANSI back
        # was about 15 ms of a redraw of the four panes.
        plt.theme("clear")
        # plotext ends the figure with a newline, which would push the
        # legend's last line out of the widget.
        chart = Text.from_ansi(plt.build().rstrip("\n"))
        rows = chart.plain.split("\n")
        if self._title_text and len(rows) > 1 and not rows[0].strip():
            # plotext leaves out a title wider than the plot beside the y
            # labels (the kiosk's middle chart at 80 columns had none): cut
            # it to the room the frame's top line shows, and draw again.
            margin = len(rows[1]) - len(rows[1].lstrip())
            plt.title(self._cut_title(self._title_text, max(4, width - margin)))
            chart = Text.from_ansi(plt.build().rstrip("\n"))
        if legend:
            chart.append("\n")
            chart.append_text(Text("\n").join(legend))
        return chart

    # -- the legend --------------------------------------------------------

    def _plain(self) -> bool:
        """No colour: series differ by marker instead."""
        profile = getattr(self.app, "console_profile", None)
        return profile is not None and profile.colours == "none"

    def _series_marker(self, index: int) -> str:
        if self._plain():
            return PLAIN_MARKERS[index % len(PLAIN_MARKERS)]
        return self.marker

    def _line_legend(self, data: _Lines) -> list[LegendEntry]:
        named = [(i, line) for i, line in enumerate(data.lines) if line.label]
        # An unnamed single line (the kiosk), or one the title already
        # names, needs no legend.
        if len(named) == 1 and printable(named[0][1].label, one_line=True) in (
            data.title
        ):
            return []
        labels = [line.label for _, line in named]
        return [
            LegendEntry(
                self._legend_marker(index),
                SERIES_COLOURS[index % len(SERIES_COLOURS)],
                self._shown(line.label),
                self._shown(reordered),
            )
            for (index, line), reordered in zip(
                named, distinct_parts_first(labels), strict=True
            )
        ]

    def _bar_legend(self) -> list[LegendEntry]:
        return [
            LegendEntry(self._legend_marker(0, bars=True), "green", "successful"),
            LegendEntry(self._legend_marker(1, bars=True), "red", "failed"),
        ]

    def _legend_marker(self, index: int, *, bars: bool = False) -> str:
        if self._plain():
            return _BAR_MARKERS[index] if bars else self._series_marker(index)
        if self.marker == "braille":
            return "■"
        return self.marker

    def _legend_text(self, width: int, max_rows: int) -> list[Text]:
        """The entries in columns of equal width, in at most ``max_rows`` lines.

        As few lines as let every label show whole; when that takes more
        than ``max_rows``, the columns narrow and the labels are cut.
        """
        if not self._legend or max_rows < 1:
            return []
        entries = self._legend
        natural = max(cell_len(f"{e.marker} {e.label}") for e in entries)
        columns, column_cells = legend_grid(len(entries), natural, width, max_rows)
        # Too many series for the room even at the narrowest columns: the
        # first ones are named, the rest only drawn.
        entries = entries[: columns * max_rows]
        dots = ellipsis(self.app)
        rows: list[Text] = []
        for start in range(0, len(entries), columns):
            row = Text(no_wrap=True, end="")
            for column, entry in enumerate(entries[start : start + columns]):
                row.pad_right(column * (column_cells + LEGEND_GAP) - row.cell_len)
                row.append(entry.marker, entry.style)
                row.append(" ")
                room = column_cells - cell_len(entry.marker) - 1
                # Text, never markup: labels come from documents.
                label = entry.label
                if cell_len(label) > room:
                    label = entry.cut_from or label
                row.append(cut_cells(label, room, dots))
            rows.append(row)
        return rows

    def _shown(self, text: str) -> str:
        """Printable, and in ASCII on a console: plotext writes it as it is."""
        return for_terminal(self.app, printable(text, one_line=True))

    def _cut(self, text: str, cells: int) -> str:
        if len(text) <= cells:
            return text
        dots = ellipsis(self.app)
        return text[: max(1, cells - len(dots))] + dots

    def _words(self, message: str) -> Text:
        title = ""
        if isinstance(self._data, _Lines | _Horizontal):
            title = self._data.title
        elif isinstance(self._data, _Stacked):
            title = printable(self._data.bars.title, one_line=True)
        text = Text()
        if title:
            text.append(self._shown(title) + "\n\n", style="bold")
        text.append(for_terminal(self.app, printable(message)))
        return text

    def _title(self, title: str, width: int) -> None:
        self._title_text = self._cut_title(self._shown(title), max(4, width - 2))
        self.plt.title(self._title_text)

    def _cut_title(self, title: str, cells: int) -> str:
        """Cut to ``cells``, keeping a ``(unit)`` at the end whole."""
        words, bracket, unit = title.rpartition(" (")
        if len(title) <= cells or not bracket or len(unit) + 6 > cells:
            return self._cut(title, cells)
        tail = f" ({unit}"
        return self._cut(words, cells - len(tail)) + tail

    def _draw_lines(self, data: _Lines, width: int, height: int) -> None:
        plt = self.plt
        self._title(data.title, width)
        segments = [line.segments() for line in data.lines]
        xs = [x for found in segments for seg_x, _ in found for x in seg_x]
        start, end = (min(xs), max(xs)) if xs else (0.0, 0.0)
        for index, found in enumerate(segments):
            colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
            # One point a cell, though braille has two dot columns a cell:
            # plotext's time grows with the points (it is most of a
            # redraw), and a trend reads as well at half that width.
            for seg_x, seg_y in per_column(found, start, end, width):
                # No label: plotext's legend would sit over the data.
                plt.plot(seg_x, seg_y, marker=self._series_marker(index), color=colour)
        if xs:
            ticks, labels = time_ticks(start, end, max(2, width // 16))
            plt.xticks(ticks, labels)
            if start == end:
                # A single instant: give the axis some width to draw in.
                plt.xlim(start - 3600, end + 3600)
        known = [y for found in segments for _, seg_y in found for y in seg_y]
        if data.axis is not None:
            plt.ylim(*data.axis)
        elif known and data.counts:
            ticks = integer_ticks(max(known), max(2, (height - 4) // 2))
            plt.yticks(ticks, [str(tick) for tick in ticks])
            plt.ylim(0, ticks[-1])
        elif known and min(known) == max(known):
            # All-equal values: plotext would squash the axis to nothing.
            pad = abs(known[0]) * 0.1 or 1.0
            plt.ylim(known[0] - pad, known[0] + pad)

    def _draw_stacked(self, bars: BarsView, width: int, height: int) -> None:
        plt = self.plt
        # Below four cells a bar, plotext's gaps round away and neighbours
        # merge into one block: draw only the newest bars that fit.
        fits = max(1, (width - 10) // 4)
        title = bars.title
        if len(bars.x) > fits:
            bars = replace(
                bars,
                labels=bars.labels[-fits:],
                x=bars.x[-fits:],
                successful=bars.successful[-fits:],
                failed=bars.failed[-fits:],
            )
            title = f"Requests per run (last {fits})"
        self._title(title, width)
        positions = list(range(1, len(bars.x) + 1))
        marker: str | list[str] | None = None
        if self._plain():
            marker = list(_BAR_MARKERS)
        elif self.marker != "braille":
            marker = self.marker
        plt.stacked_bar(
            positions,
            [list(bars.successful), list(bars.failed)],
            color=["green", "red"],
            # At 0.8 the one-cell gaps between neighbours rounded away and
            # runs of equal bars merged into one wide block.
            width=0.5,
            marker=marker,
        )
        totals = [
            ok + bad for ok, bad in zip(bars.successful, bars.failed, strict=True)
        ]
        if totals:
            ticks = integer_ticks(max(totals), max(2, (height - 4) // 2))
            plt.yticks(ticks, [str(tick) for tick in ticks])
            plt.ylim(0, ticks[-1])
        # One tick per date, at its first run, thinned to fit: repeated labels
        # made plotext's tick layout depend on string hashing (set order).
        firsts: list[int] = []
        seen: set[str] = set()
        for position, label in zip(positions, bars.labels, strict=True):
            if label not in seen:
                seen.add(label)
                firsts.append(position)
        every = max(1, len(firsts) * 7 // max(1, width - 8))
        shown = firsts[::every]
        plt.xticks(shown, [bars.labels[p - 1] for p in shown])

    def _draw_horizontal(self, data: _Horizontal, width: int) -> None:
        plt = self.plt
        self._title(data.title, width)
        room = max(8, width // 3)
        labels = [self._cut(self._shown(label), room) for label in data.labels]
        plt.bar(
            labels,
            list(data.counts),
            orientation="horizontal",
            color="red",
            width=0.6,
            marker=None if self.marker == "braille" else self.marker,
        )
        if data.counts:
            ticks = integer_ticks(max(data.counts), max(2, (width - room) // 8))
            plt.xticks(ticks, [str(tick) for tick in ticks])
            plt.xlim(0, ticks[-1])


_BAR_MARKERS = ("#", "x")
"""Without colour: successful and failed requests in the stacked bars."""


def legend_grid(
    count: int, natural_cells: int, width: int, max_rows: int
) -> tuple[int, int]:
    """(columns, cells per column) for ``count`` legend entries in ``width``.

    ``natural_cells`` is the widest entry whole. As many columns as fit
    entries whole, or at least columns :data:`LEGEND_READABLE_COLUMN` wide
    (labels cut), for the fewest rows, spread evenly over them. When that is
    more than ``max_rows`` rows, narrower columns, but none narrower than
    :data:`LEGEND_MIN_COLUMN`, so some entries may not fit at all.
    """

    def fitting(cells: int) -> int:
        return max(1, (width + LEGEND_GAP) // (cells + LEGEND_GAP))

    columns = max(fitting(natural_cells), fitting(LEGEND_READABLE_COLUMN))
    rows = math.ceil(count / columns)
    if rows > max_rows:
        columns = min(math.ceil(count / max_rows), fitting(LEGEND_MIN_COLUMN))
    else:
        columns = math.ceil(count / rows)
    cells = (width - LEGEND_GAP * (columns - 1)) // columns
    return columns, min(natural_cells, cells)


def distinct_parts_first(labels: Sequence[str]) -> list[str]:
    """Each label with the `` · `` parts no other label has moved to the front.

    For labels about to be cut: ``Qwen · warmup · pp50`` and ``Qwen ·
    cooldown · pp50`` both cut to ``Qwen ·…``; ``warmup · Qwen · pp50`` does
    not. The order is otherwise kept.
    """
    split = [label.split(" · ") for label in labels]
    reordered = []
    for index, parts in enumerate(split):
        others = {part for j, o in enumerate(split) if j != index for part in o}
        own = [part for part in parts if part not in others]
        reordered.append(" · ".join(own + [p for p in parts if p in others]))
    return reordered


def cut_cells(text: str, cells: int, dots: str) -> str:
    """``text`` in at most ``cells`` terminal cells, ending in ``dots`` if cut."""
    if cell_len(text) <= cells:
        return text
    if cells <= cell_len(dots):
        return set_cell_size(text, max(0, cells))
    # set_cell_size pads with a space where it splits a wide character.
    return set_cell_size(text, cells - cell_len(dots)).rstrip() + dots


def integer_ticks(high: float, slots: int) -> list[int]:
    """Whole-number ticks from 0 to at least ``high``, at most about ``slots``.

    Counts (requests, tasks) have no 0.25 of a thing; the step is 1, 2 or 5
    times a power of ten.
    """
    top = max(1, math.ceil(high))
    rough = top / max(1, slots)
    step = 1
    while step < rough:
        step = _next_step(step)
    last = math.ceil(top / step) * step
    return list(range(0, last + 1, step))


def _next_step(step: int) -> int:
    """1, 2, 5, 10, 20, 50, …"""
    power = 10 ** (len(str(step)) - 1)
    lead = step // power
    return {1: 2, 2: 5, 5: 10}[lead] * power

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

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from exo_benchtui.core.text import printable
from exo_benchtui.core.views import BarsView, ChartLine, ChartPane, time_ticks
from exo_benchtui.ui.widgets.glyphs import ellipsis, for_terminal

SERIES_COLOURS = ("cyan", "magenta", "yellow", "green", "blue", "red", "white")
"""Plotext colour names, one per series in order; all in the 16-colour set."""


@dataclass(frozen=True, slots=True)
class _Lines:
    title: str
    lines: tuple[ChartLine, ...]
    empty_reason: str | None


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

    # -- feeding -----------------------------------------------------------

    def show_pane(self, pane: ChartPane) -> None:
        """Draw one pane of the main view."""
        title = f"{pane.title} ({pane.unit})" if pane.unit else pane.title
        self.show_lines(title, pane.lines, pane.empty_reason)

    def show_lines(
        self,
        title: str,
        lines: Sequence[ChartLine],
        empty_reason: str | None = None,
    ) -> None:
        """Draw lines over time; ``empty_reason`` is shown instead when set."""
        if empty_reason is None and not any(line.known for line in lines):
            empty_reason = "No data"
        self._data = _Lines(printable(title, one_line=True), tuple(lines), None)
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

    def render(self) -> RenderResult:
        width, height = self.size.width, self.size.height
        if self._empty_reason is not None or self._data is None or width < 10:
            return self._words(self._empty_reason or "No data")
        # A fresh figure each time: plotext's clear_figure() keeps some layout
        # state from the previous size, which made the same data draw
        # differently after a resize. The old figure is released whole.
        self._plot = Plot()
        plt = self.plt
        plt.plotsize(width, height)
        if isinstance(self._data, _Lines):
            self._draw_lines(self._data, width)
        elif isinstance(self._data, _Stacked):
            self._draw_stacked(self._data.bars, width)
        else:
            self._draw_horizontal(self._data, width)
        return super().render()

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

    def _draw_lines(self, data: _Lines, width: int) -> None:
        plt = self.plt
        plt.title(self._shown(data.title))
        label_room = max(8, width - 16)
        xs: list[float] = []
        for index, line in enumerate(data.lines):
            colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
            label = self._cut(self._shown(line.label), label_room)
            for number, (seg_x, seg_y) in enumerate(line.segments()):
                xs.extend(seg_x)
                plt.plot(
                    seg_x,
                    seg_y,
                    marker=self.marker,
                    color=colour,
                    # One legend entry per series, not per segment.
                    label=label if number == 0 else None,
                )
        if xs:
            start, end = min(xs), max(xs)
            ticks, labels = time_ticks(start, end, max(2, width // 16))
            plt.xticks(ticks, labels)
            if start == end:
                # A single instant: give the axis some width to draw in.
                plt.xlim(start - 3600, end + 3600)
        known = [y for line in data.lines for y in line.known]
        if known and min(known) == max(known):
            # All-equal values: plotext would squash the axis to nothing.
            pad = abs(known[0]) * 0.1 or 1.0
            plt.ylim(known[0] - pad, known[0] + pad)

    def _draw_stacked(self, bars: BarsView, width: int) -> None:
        plt = self.plt
        plt.title(self._shown(bars.title))
        positions = list(range(1, len(bars.x) + 1))
        plt.stacked_bar(
            positions,
            [list(bars.successful), list(bars.failed)],
            labels=["successful", "failed"],
            color=["green", "red"],
            width=0.8,
            marker=None if self.marker == "braille" else self.marker,
        )
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
        plt.title(self._shown(data.title))
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

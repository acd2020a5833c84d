"""What the dashboard shows, computed from the store without any UI.

:func:`build_view` turns a :class:`ResultStore`, a series selection and a
metric set into one frozen :class:`DashboardView`: the summary cards, the
chart panes, the request bars and the runs table. The Textual screens, the
kiosk screen and the benchmarks all draw from it, so what is shown is
decided (and tested) here, once.

Every string that came from a document has already been through
:func:`~exo_benchtui.core.text.printable` in these records; the UI still
wraps them in ``rich.text.Text`` so they are never parsed as markup.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum

from exo_benchtui.core import metrics
from exo_benchtui.core.errors import SourceError
from exo_benchtui.core.model import Run, StageFigures
from exo_benchtui.core.store import ResultStore, SeriesPoint
from exo_benchtui.core.text import counted, printable

MAX_SERIES_SHOWN = 5
"""With all series selected, the charts draw this many, most recently active."""

MAX_BARS = 40
"""The request bars show this many runs, the most recent ones."""

MAX_TABLE_ROWS = 1_000
"""The runs table holds this many run-stages, the newest ones.

Textual's DataTable measures every row when its rows change (about 0.2 ms a
row on the development machine), so 30,000 rows froze the screen for seconds
on each refresh; picking a series narrows the table to that series' runs.
"""


class MetricSet(Enum):
    """Which pair of figures the second and third chart panes plot."""

    LATENCY = "latency"
    """Average response time and throughput, as the browser page showed."""
    TTFT_DECODE = "ttft"
    """Time to first token and decode speed."""

    def other(self) -> MetricSet:
        """The set the ``m`` key switches to."""
        if self is MetricSet.LATENCY:
            return MetricSet.TTFT_DECODE
        return MetricSet.LATENCY


# The attributes of StageFigures each metric set plots, in pane order.
_PANE_ATTRIBUTES = {
    MetricSet.LATENCY: ("success_rate_pct", "avg_response_ms", "throughput_tps"),
    MetricSet.TTFT_DECODE: ("success_rate_pct", "ttft_ms", "decode_tps"),
}
_CARD_ATTRIBUTES = ("success_rate_pct", "avg_response_ms", "ttft_ms", "decode_tps")
# Short enough for a card a fifth of an 80-column screen wide.
_CARD_TITLES = {
    "success_rate_pct": "Success rate",
    "avg_response_ms": "Avg response",
    "ttft_ms": "First token",
    "decode_tps": "Decode speed",
}


def metric_for(attribute: str) -> metrics.Metric:
    """The catalogue entry of ``core.metrics`` that plots ``attribute``."""
    catalogue = metrics.METRICS
    entries = catalogue.values() if isinstance(catalogue, dict) else catalogue
    for metric in entries:
        if metric.attribute == attribute:
            return metric
    raise KeyError(f"no metric plots StageFigures.{attribute}")


def verdict_name(change: object | None) -> str:
    """``better``, ``worse``, ``same`` or ``unknown`` for a ``compare`` result."""
    if change is None:
        return "unknown"
    verdict = change.verdict
    name = getattr(verdict, "name", None) or str(getattr(verdict, "value", verdict))
    return name.lower()


# -- records -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardView:
    """One summary card."""

    title: str
    value_text: str
    """The figure, formatted, with ``-`` where there is none."""
    unit: str
    arrow: str = ""
    """``▲``, ``▼``, ``=`` or empty, from ``core.metrics.compare``."""
    arrow_ascii: str = ""
    """The same as ``^``, ``v``, ``=`` for consoles without ▲ and ▼."""
    amount: str = ""
    """The change against the previous run of the series: ``+2.0 %``."""
    words: str = ""
    """The verdict in words, so the meaning survives without colour."""
    verdict: str = ""
    """``better``, ``worse``, ``same``, ``unknown``, or empty for a count."""

    def change_text(self, *, ascii_only: bool = False, short: bool = False) -> str:
        """``▲ +2.0 % worse``; ``short`` leaves the amount out."""
        arrow = self.arrow_ascii if ascii_only else self.arrow
        if short and self.verdict == "same":
            return arrow  # "=" alone says it; the words would not fit
        amount = "" if short else self.amount
        return " ".join(part for part in (arrow, amount, self.words) if part)


@dataclass(frozen=True, slots=True)
class ChartLine:
    """One series on one chart: x in Unix seconds, y with None for gaps."""

    series_id: str
    label: str
    x: tuple[float, ...]
    y: tuple[float | None, ...]
    _segments: list[tuple[list[float], list[float]]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def segments(self) -> list[tuple[list[float], list[float]]]:
        """The runs of consecutive known values, so a gap is drawn as a gap.

        Worked out once per line (a line is kept from one build to the next
        while its series is unchanged, see :class:`LineCache`); the lists
        are shared, not to be changed.
        """
        if self._segments is None:
            # Frozen for everyone else; this is a cache of what x and y give.
            object.__setattr__(self, "_segments", self._find_segments())
        return self._segments

    def _find_segments(self) -> list[tuple[list[float], list[float]]]:
        found: list[tuple[list[float], list[float]]] = []
        xs: list[float] = []
        ys: list[float] = []
        for x, y in zip(self.x, self.y, strict=True):
            if y is None or not math.isfinite(y):
                if xs:
                    found.append((xs, ys))
                xs, ys = [], []
                continue
            xs.append(x)
            ys.append(y)
        if xs:
            found.append((xs, ys))
        return found

    @property
    def has_known(self) -> bool:
        """At least one value to draw (stops at the first)."""
        return any(y is not None and math.isfinite(y) for y in self.y)


def per_column(
    segments: list[tuple[list[float], list[float]]],
    start: float,
    end: float,
    columns: int,
) -> list[tuple[list[float], list[float]]]:
    """``segments`` (from :meth:`ChartLine.segments`) at most one point a column.

    ``[start, end]`` is the chart's x range, drawn in ``columns`` columns.
    The points that fall in one column become one, their mean (x and y), so
    a line of 2,000 runs draws as fast as one of 100: the cost of a chart
    follows its width, not the length of the history. For a success rate the
    mean is the share of requests that succeeded over the column's runs: one
    failed run among thirty is a notch of about three points, not a fall
    (drawing each column's lowest run instead made most columns a
    full-height stroke and cost a redraw 55 ms more CPU). The last point of
    a segment (the newest run) is kept as it is, never averaged away.
    """
    if columns < 1 or end <= start:
        return segments
    column_width = (end - start) / columns
    return [_per_column(xs, ys, start, column_width) for xs, ys in segments]


def _per_column(
    xs: list[float], ys: list[float], start: float, column_width: float
) -> tuple[list[float], list[float]]:
    out_x: list[float] = []
    out_y: list[float] = []
    last = len(xs) - 1
    first = 0
    while first < last:
        column = (xs[first] - start) // column_width
        end = first + 1
        while end < last and (xs[end] - start) // column_width == column:
            end += 1
        count = end - first
        out_x.append(math.fsum(xs[first:end]) / count)
        out_y.append(math.fsum(ys[first:end]) / count)
        first = end
    out_x.append(xs[last])
    out_y.append(ys[last])
    return out_x, out_y


@dataclass(frozen=True, slots=True)
class ChartPane:
    """One chart pane: a title with its unit, lines, or why it is empty."""

    title: str
    unit: str
    lines: tuple[ChartLine, ...]
    higher_is_better: bool = True
    axis: tuple[float, float] | None = None
    """The y axis's fixed range, or None to fit it to the data."""

    @property
    def empty_reason(self) -> str | None:
        """Words for the pane when there is nothing to draw, else None."""
        if not self.lines:
            return "No data: no runs for this selection yet"
        if not any(line.has_known for line in self.lines):
            return f"No data: the runs shown have no {self.title.lower()}"
        return None


@dataclass(frozen=True, slots=True)
class BarsView:
    """Successful and failed requests per run, oldest first."""

    title: str
    labels: tuple[str, ...]
    """Short time labels for the x axis, one per run."""
    x: tuple[float, ...]
    """Unix seconds of each run."""
    successful: tuple[int, ...]
    failed: tuple[int, ...]
    left_out: int = 0
    """Older runs not drawn."""

    @property
    def empty_reason(self) -> str | None:
        if not self.x:
            return "No data: no runs for this selection yet"
        if not any(self.successful) and not any(self.failed):
            return "No data: the runs shown have no request counts"
        return None


@dataclass(frozen=True, slots=True)
class TableRow:
    """One run-stage in the runs table."""

    key: str
    """A unique row key: the object key and the stage index."""
    run_key: str
    completed_at: datetime
    time_text: str
    commit: str
    series_label: str
    strategy: str
    success_pct: float | None
    success_text: str
    success_class: str
    """``good``, ``fair``, ``poor`` or empty where unknown."""
    ttft_ms: float | None
    ttft_text: str
    ms_per_token: float | None
    ms_per_token_text: str
    ms_per_token_class: str

    def sort_value(self, column: str) -> tuple:
        """A key that sorts this row by ``column``; unknown values last."""
        value = {
            "time": self.completed_at.timestamp(),
            "commit": self.commit,
            "series": self.series_label.lower(),
            "strategy": self.strategy.lower(),
            "success": self.success_pct,
            "ttft": self.ttft_ms,
            "ms_per_token": self.ms_per_token,
        }[column]
        return (value is None, value if value is not None else 0)


TABLE_COLUMNS = (
    ("time", "Time (UTC)"),
    ("commit", "Commit"),
    ("series", "Series"),
    ("strategy", "Strategy"),
    ("success", "Success %"),
    ("ttft", "TTFT ms ± std"),
    ("ms_per_token", "ms/token ± std"),
)
"""(sort column, heading) of the runs table, in order."""


@dataclass(frozen=True, slots=True)
class SeriesChoice:
    """A series the picker offers."""

    id: str
    label: str
    runs: int
    latest_at: datetime


@dataclass(frozen=True, slots=True)
class DashboardView:
    """Everything the main screen shows, for one store version."""

    version: int
    series_id: str | None
    """The selected series, or None for all."""
    metric_set: MetricSet
    cards_series_label: str
    """Which series the metric cards follow, or empty when there is none."""
    cards: tuple[CardView, ...]
    panes: tuple[ChartPane, ...]
    """Success rate, then the two panes of the metric set."""
    bars: BarsView
    rows: tuple[TableRow, ...]
    """Newest first, at most ``MAX_TABLE_ROWS`` of them."""
    shown_series: tuple[SeriesChoice, ...]
    left_out_series: int
    """Series not drawn because only the most recently active are."""
    choices: tuple[SeriesChoice, ...]
    """Every series, most recently active first, for the picker."""
    total_runs: int
    series_count: int
    active_configurations: int
    last_run_at: datetime | None
    unreadable: int
    """Documents that could not be read at all."""
    rows_left_out: int = 0
    """Older run-stages of the selection not in ``rows``."""


# -- formatting ----------------------------------------------------------------


def format_number(value: float | None, digits: int = 1) -> str:
    """A figure for a card or cell; ``-`` where there is none."""
    if value is None or not math.isfinite(value):
        return "-"
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.{digits}f}"
    # A small negative value rounds to "-0.0": zero has no sign.
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def format_time(at: datetime) -> str:
    """``2025-11-12 02:20`` in UTC."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def format_ago(then: datetime, now: datetime) -> str:
    """How long ago, for people: ``just now``, ``2 min ago``, ``3 h ago``."""
    seconds = (now - then).total_seconds()
    if seconds < 0:
        return "in the future"
    if seconds < 45:
        return "just now"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = seconds / 3600
    if hours < 48:
        return f"{round(hours)} h ago"
    return f"{round(hours / 24)} days ago"


def format_in(seconds: float) -> str:
    """A countdown: ``in 45 s``, ``in 2 min``."""
    seconds = max(0, math.ceil(seconds))
    if seconds < 90:
        return f"in {seconds} s"
    return f"in {round(seconds / 60)} min"


def time_ticks(start: float, end: float, count: int) -> tuple[list[float], list[str]]:
    """About ``count`` evenly spread x-axis ticks between two Unix times.

    The labels carry the date, and the hour when the span is under two
    days; under ten minutes (one run's snapshots) only the time of day.
    """
    count = max(1, count)
    if end <= start:
        at = datetime.fromtimestamp(start, UTC)
        return [start], [at.strftime("%m-%d %H:%M")]
    span_s = end - start
    if span_s < 600:
        pattern = "%H:%M:%S"  # a run's own snapshots span seconds to minutes
    elif span_s < 2 * 86400:
        pattern = "%m-%d %H:%M"
    else:
        pattern = "%m-%d"
    positions = [start + span_s * i / max(1, count - 1) for i in range(count)]
    labels = [datetime.fromtimestamp(p, UTC).strftime(pattern) for p in positions]
    if count > 1 and len(set(labels)) < len(labels):
        # Short spans would repeat a date; drop the duplicates.
        seen: set[str] = set()
        kept = [
            (p, s)
            for p, s in zip(positions, labels, strict=True)
            if not (s in seen or seen.add(s))
        ]
        positions = [p for p, _ in kept]
        labels = [s for _, s in kept]
    return positions, labels


def success_class(success_pct: float | None) -> str:
    """The browser page's colours: ≥ 95 % good, ≥ 80 % fair, else poor."""
    if success_pct is None:
        return ""
    if success_pct >= 95:
        return "good"
    if success_pct >= 80:
        return "fair"
    return "poor"


def ms_per_token_class(ms_per_token: float | None) -> str:
    """The browser page's colours: < 50 ms good, < 100 ms fair, else poor."""
    if ms_per_token is None:
        return ""
    if ms_per_token < 50:
        return "good"
    if ms_per_token < 100:
        return "fair"
    return "poor"


def _with_std(value: float | None, std: float | None) -> str:
    if value is None:
        return "-"
    if std is None:
        return format_number(value)
    return f"{format_number(value)} ± {format_number(std)}"


# -- building ------------------------------------------------------------------


def _card(attribute: str, latest, previous) -> CardView:
    metric = metric_for(attribute)
    title = _CARD_TITLES[attribute]
    if latest is None:
        return CardView(title, "-", metric.unit, words="no runs", verdict="unknown")
    value = metric.value(latest)
    before = metric.value(previous) if previous is not None else None
    change = metrics.compare(value, before, metric)
    amount = ""
    if change.verdict is not metrics.Verdict.SAME:
        # Percentage points read best as a delta; others as a percent change,
        # which reads the same whatever the size of the figure.
        amount = change.pct_text
        if change.metric.delta_unit or not amount:
            amount = change.delta_text
    return CardView(
        title,
        format_number(value),
        metric.unit,
        arrow=change.arrow,
        arrow_ascii=change.arrow_ascii,
        amount=amount,
        words=change.words,
        verdict=verdict_name(change),
    )


def _cards_series(store: ResultStore, series_id: str | None) -> str | None:
    if series_id is not None:
        return series_id
    runs = store.runs()
    for run in reversed(runs):
        if run.stages:
            return run.stages[0].series.id
    return None


def _choices(store: ResultStore) -> tuple[SeriesChoice, ...]:
    return tuple(
        SeriesChoice(s.id, printable(s.label, one_line=True), s.runs, s.latest_at)
        for s in store.series()
    )


def legend_labels(labels: list[str]) -> list[str]:
    """Series labels without the parts every one of them shares.

    ``Kimi · pp64/tg64 · Tensor`` and ``Qwen · pp64/tg64 · Tensor`` become
    ``Kimi`` and ``Qwen``: a legend has little room, and what all lines
    share tells them apart no better.
    """
    if len(labels) < 2:
        return list(labels)
    split = [label.split(" · ") for label in labels]
    shared = set(split[0]).intersection(*split[1:])
    kept = [" · ".join(p for p in parts if p not in shared) for parts in split]
    return [short or full for short, full in zip(kept, labels, strict=True)]


def _row(run: Run, index: int, stage: StageFigures, label: str) -> TableRow:
    return TableRow(
        key=f"{run.key}#{index}",
        run_key=run.key,
        completed_at=run.completed_at,
        time_text=format_time(run.completed_at),
        commit=printable(run.short_commit, one_line=True) or "-",
        series_label=label,
        strategy=printable(run.strategy or "", one_line=True) or "-",
        success_pct=stage.success_rate_pct,
        success_text=format_number(stage.success_rate_pct),
        success_class=success_class(stage.success_rate_pct),
        ttft_ms=stage.ttft_ms,
        ttft_text=_with_std(stage.ttft_ms, stage.ttft_std_ms),
        ms_per_token=stage.ms_per_token,
        ms_per_token_text=_with_std(stage.ms_per_token, stage.ms_per_token_std),
        ms_per_token_class=ms_per_token_class(stage.ms_per_token),
    )


class LineCache:
    """The chart lines of each series, kept from one build to the next.

    A line depends on its series' points, and the store hands back the same
    tuple of points until the series changes (a new run appends to one
    series and leaves the others' tuples as they were), so a refresh builds
    the lines of the series that changed and reuses the rest, with the
    segments the charts worked out from them. The app keeps one cache.
    """

    def __init__(self) -> None:
        self._lines: dict[tuple[str, str, str], tuple[object, ChartLine]] = {}
        self._used: dict[tuple[str, str, str], tuple[object, ChartLine]] = {}
        self._times: dict[str, tuple[object, tuple[float, ...]]] = {}

    def line(
        self,
        series_id: str,
        points: tuple[SeriesPoint, ...],
        attribute: str,
        label: str,
    ) -> ChartLine:
        """The line of ``attribute`` over ``points``, labelled ``label``."""
        key = (series_id, attribute, label)
        cached = self._used.get(key) or self._lines.get(key)
        if cached is None or cached[0] is not points:
            ys = tuple(getattr(stage, attribute) for _, stage in points)
            xs = self._xs(series_id, points)
            cached = (points, ChartLine(series_id, label, xs, ys))
        self._used[key] = cached
        return cached[1]

    def _xs(self, series_id: str, points: tuple[SeriesPoint, ...]) -> tuple[float, ...]:
        # Every pane's line of a series has the same times: worked out once.
        cached = self._times.get(series_id)
        if cached is None or cached[0] is not points:
            xs = tuple(run.completed_at.timestamp() for run, _ in points)
            cached = self._times[series_id] = (points, xs)
        return cached[1]

    def forget_unused(self) -> None:
        """Keep only the lines asked for since the last call."""
        self._lines, self._used = self._used, {}
        shown = {series_id for series_id, _, _ in self._lines}
        self._times = {k: v for k, v in self._times.items() if k in shown}


class RowCache:
    """The table rows of each run, kept from one build to the next.

    A run's rows depend on the run alone, and the store hands back the same
    frozen :class:`Run` until its document changes, so a refresh that brought
    one new run builds that run's rows and reuses the rest: with 10,000 runs
    rebuilding every row took most of a second. The app keeps one cache.
    """

    def __init__(self) -> None:
        self._rows: dict[str, tuple[Run, tuple[TableRow, ...]]] = {}

    def rows(self, run: Run, labels: dict[str, str]) -> tuple[TableRow, ...]:
        """One row per stage of ``run``, in stage order."""
        cached = self._rows.get(run.key)
        if cached is not None and cached[0] is run:
            return cached[1]
        rows = tuple(
            _row(run, index, stage, labels.get(stage.series.id, ""))
            for index, stage in enumerate(run.stages)
        )
        self._rows[run.key] = (run, rows)
        return rows

    def forget_all_but(self, runs: tuple[Run, ...]) -> None:
        """Drop the rows of runs the store no longer has."""
        if len(self._rows) > len(runs):
            keep = {run.key for run in runs}
            for key in [key for key in self._rows if key not in keep]:
                del self._rows[key]


def _bars(runs: tuple[Run, ...], series_id: str | None, limit: int) -> BarsView:
    def counted_stages(run: Run) -> list[StageFigures]:
        return [s for s in run.stages if series_id is None or s.series.id == series_id]

    # Only the newest ``limit`` runs are drawn; the older ones are only counted.
    counted: list[tuple[Run, int, int]] = []
    matching = 0
    for run in reversed(runs):
        if len(counted) == limit:
            if series_id is None:
                # Every run with a stage counts: no need to look inside them.
                matching = sum(1 for older in runs if older.stages)
                break
            matching += 1 if counted_stages(run) else 0
            continue
        stages = counted_stages(run)
        if not stages:
            continue
        matching += 1
        ok = sum(s.successful or 0 for s in stages)
        failed = sum(s.failed or 0 for s in stages)
        counted.append((run, ok, failed))
    left_out = matching - len(counted)
    counted.reverse()
    title = "Requests per run"
    if left_out:
        title += f" (last {len(counted)})"
    return BarsView(
        title=title,
        labels=tuple(run.completed_at.strftime("%m-%d") for run, _, _ in counted),
        x=tuple(run.completed_at.timestamp() for run, _, _ in counted),
        successful=tuple(ok for _, ok, _ in counted),
        failed=tuple(failed for _, _, failed in counted),
        left_out=left_out,
    )


def build_view(
    store: ResultStore,
    *,
    series_id: str | None = None,
    metric_set: MetricSet = MetricSet.LATENCY,
    max_series: int = MAX_SERIES_SHOWN,
    max_bars: int = MAX_BARS,
    row_cache: RowCache | None = None,
    line_cache: LineCache | None = None,
    max_rows: int = MAX_TABLE_ROWS,
) -> DashboardView:
    """Everything the main screen shows for ``store`` as it is now.

    ``row_cache`` and ``line_cache`` keep the table rows and the chart lines
    between builds (see :class:`RowCache`, :class:`LineCache`); without them
    everything is built again.

    ``series_id`` None means all series: the charts then draw the
    ``max_series`` most recently active ones (and count the rest in
    ``left_out_series``), and the cards follow the series of the most recent
    run's first stage. A ``series_id`` the store does not know gives empty
    panes and cards rather than an error, since a sync may have removed it.
    """
    version = store.version
    choices = _choices(store)
    if series_id is None:
        shown = choices[:max_series]
        left_out = max(0, len(choices) - max_series)
    else:
        shown = tuple(c for c in choices if c.id == series_id)
        left_out = 0
    points = {choice.id: store.series_points(choice.id) for choice in shown}
    legend = legend_labels([choice.label for choice in shown])

    lines_of = line_cache if line_cache is not None else LineCache()
    panes = []
    for attribute in _PANE_ATTRIBUTES[metric_set]:
        metric = metric_for(attribute)
        lines = tuple(
            lines_of.line(c.id, points[c.id], attribute, legend[i])
            for i, c in enumerate(shown)
        )
        panes.append(
            ChartPane(
                metric.title,
                metric.unit,
                lines,
                metric.higher_is_better,
                metric.axis,
            )
        )

    lines_of.forget_unused()

    followed = _cards_series(store, series_id)
    latest, previous = store.latest_pair(followed) if followed else (None, None)
    latest_stage = latest[1] if latest else None
    previous_stage = previous[1] if previous else None
    cards = [_card(a, latest_stage, previous_stage) for a in _CARD_ATTRIBUTES]
    runs = store.runs()
    last_run_at = runs[-1].completed_at if runs else None
    cards.append(CardView("Benchmarks", str(len(runs)), "runs"))
    active_configurations = store.active_configurations
    cards.append(CardView("Configurations", str(active_configurations), "active"))
    cards.append(
        CardView(
            "Last benchmark",
            last_run_at.strftime("%m-%d %H:%M") if last_run_at else "-",
            "UTC" if last_run_at else "",
        )
    )
    followed_label = next((c.label for c in choices if c.id == followed), "")

    cache = row_cache if row_cache is not None else RowCache()
    cache.forget_all_but(runs)
    labels = {choice.id: choice.label for choice in choices}
    rows: list[TableRow] = []
    for run in reversed(runs):
        if len(rows) >= max_rows:
            break
        for stage, row in zip(run.stages, cache.rows(run, labels), strict=True):
            if series_id is None or stage.series.id == series_id:
                rows.append(row)
    del rows[max_rows:]
    if series_id is None:
        matching = sum(len(run.stages) for run in runs)
    else:
        matching = len(store.series_points(series_id))
    return DashboardView(
        version=version,
        series_id=series_id,
        metric_set=metric_set,
        cards_series_label=followed_label,
        cards=tuple(cards),
        panes=tuple(panes),
        bars=_bars(runs, series_id, max_bars),
        rows=tuple(rows),
        rows_left_out=matching - len(rows),
        shown_series=shown,
        left_out_series=left_out,
        choices=choices,
        total_runs=len(runs),
        series_count=len(choices),
        active_configurations=active_configurations,
        last_run_at=last_run_at,
        unreadable=store.unreadable_count,
    )


# -- sync status -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """How fresh the data on screen is; the app keeps one as a reactive."""

    source: str = ""
    """Where the results come from, for people."""
    last_success_at: datetime | None = None
    stale_since: datetime | None = None
    """When syncs started failing; None while they succeed."""
    last_error: SourceError | None = None
    """The last whole-sync failure, until the next success."""
    next_sync_at: datetime | None = None
    progress: tuple[int, int] | None = None
    """(documents done, total) while a sync reads documents."""
    syncing: bool = False
    listed: int | None = None
    """Objects the last successful sync listed under the prefix."""


@dataclass(frozen=True, slots=True)
class StatusLine:
    """The status line in words, with a severity for its colour."""

    text: str
    severity: str
    """``ok``, ``warning`` or ``error``."""


def status_line(
    status: SyncStatus,
    view: DashboardView | None,
    now: datetime,
) -> StatusLine:
    """The one-line state of the app: freshness, counts and the last error.

    The error states each say what happened and what to do; the data on
    screen stays, so a failure says since when it is stale.
    """
    parts = [printable(status.source, one_line=True)]
    severity = "ok"
    if status.last_success_at is not None:
        parts.append(f"synced {format_ago(status.last_success_at, now)}")
    elif status.last_error is None:
        parts.append("loading…" if status.syncing else "not synced yet")
    if status.progress is not None:
        done, total = status.progress
        parts.append(f"reading {done}/{total}")
    elif status.syncing:
        parts.append("syncing…")
    elif status.next_sync_at is not None:
        remaining = (status.next_sync_at - now).total_seconds()
        parts.append(f"next {format_in(remaining)}")
    if view is not None:
        runs = counted(view.total_runs, "run")
        parts.append(f"{runs} · {view.series_count} series")
        if view.unreadable:
            parts.append(f"{view.unreadable} unreadable (press p)")
            severity = "warning"
    if status.last_error is not None:
        error = status.last_error
        words = printable(error.title, one_line=True)
        if status.stale_since is not None and status.last_success_at is not None:
            words += f", stale since {format_time(status.stale_since)}"
        if error.hint:
            words += f": {printable(error.hint, one_line=True)}"
        parts.append(words)
        severity = "error"
    elif (
        status.last_success_at is not None
        and view is not None
        and view.total_runs == 0
        and not view.unreadable
    ):
        parts.append("no results under this prefix: check the source location")
        severity = "warning"
    return StatusLine(" · ".join(part for part in parts if part), severity)

"""The wall screen: one series at a time, big numbers, readable across a room.

Nobody sits at the keyboard, so nothing here waits for input: the screen
cycles through the series every ``settings.cycle_s``, announces a run that
just arrived for a minute, and shows a banner when the data has gone stale.
Stray key presses do nothing; only ``q`` twice within two seconds, or
Ctrl+C, quits.

Between refreshes the only work is one timer a second (the clock, which
also moves the cycle and ends the announcement), and it touches a widget
only when the words it would show changed. The charts and figures are
created once and fed new data, so memory stays flat over weeks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Digits, Static

from exo_benchtui.core import metrics
from exo_benchtui.core.model import Run
from exo_benchtui.core.series import series_label
from exo_benchtui.core.store import ResultStore, SeriesSummary
from exo_benchtui.core.text import printable
from exo_benchtui.core.views import (
    ChartLine,
    SyncStatus,
    format_ago,
    format_time,
    verdict_name,
)
from exo_benchtui.terminal import ConsoleProfile, detect_profile
from exo_benchtui.ui.console import BlockDigits
from exo_benchtui.ui.widgets.charts import TrendChart

QUIT_WINDOW_S = 2.0
"""The second ``q`` must come within this many seconds of the first."""
NEWS_S = 60.0
"""How long a run that just arrived is announced."""
STALE_AFTER_REFRESHES = 3
"""The data is stale when the last good sync is this many refreshes old."""

HEADLINE_METRICS = (metrics.SUCCESS_RATE, metrics.AVG_RESPONSE, metrics.DECODE)
"""The big numbers, and the charts under them, in order."""


@dataclass(frozen=True, slots=True)
class Headline:
    """One big number of the series on show, with its change in words."""

    title: str
    value_text: str
    """Only digits, ``.`` and ``-``: what ``Digits`` can draw."""
    unit: str
    change_text: str
    verdict: str
    """``better``, ``worse``, ``same`` or ``unknown``: the colour class."""
    shorter_changes: tuple[str, ...] = ()
    """``change_text`` with less detail, for a narrow figure: longest first."""


def headlines(
    store: ResultStore, series_id: str, *, ascii_only: bool
) -> list[Headline]:
    """The latest figures of a series against its previous run."""
    latest, previous = store.latest_pair(series_id)
    found = []
    for metric in HEADLINE_METRICS:
        value = metric.value(latest[1]) if latest else None
        before = metric.value(previous[1]) if previous else None
        change = metrics.compare(value, before, metric)
        value_text = "-" if change.latest is None else metrics.format_number(value)
        found.append(
            Headline(
                metric.title,
                value_text,
                metric.unit,
                _change_words(change, ascii_only=ascii_only),
                verdict_name(change),
                _shorter_changes(change, ascii_only=ascii_only),
            )
        )
    return found


def _shorter_changes(change: metrics.Change, *, ascii_only: bool) -> tuple[str, ...]:
    """Without the percentage, then the verdict and arrow alone: an 80-column
    wall cut ``no change = +0 pp (+0 %)`` mid-way."""
    arrow = change.arrow_ascii if ascii_only else change.arrow
    variants = []
    if change.pct_text:
        variants.append(
            " ".join(p for p in (change.words, arrow, change.delta_text) if p)
        )
    variants.append(" ".join(p for p in (change.words, arrow) if p))
    return tuple(variants)


def _change_words(change: metrics.Change, *, ascii_only: bool) -> str:
    """``worse ^ +100 ms (+4.8 %)``: the verdict first, so a narrow figure
    that cuts the line still says whether it is good news."""
    arrow = change.arrow_ascii if ascii_only else change.arrow
    parts = [change.words, arrow, change.delta_text]
    if change.pct_text:
        parts.append(f"({change.pct_text})")
    return " ".join(part for part in parts if part)


class HeadlineFigure(Vertical):
    """A title, a number in large characters with its unit, and the change."""

    def __init__(self, *, big_digits: bool, id: str | None = None) -> None:
        super().__init__(id=id, classes="figure")
        self._block_digits = big_digits
        self._shown: Headline | None = None

    def compose(self) -> ComposeResult:
        yield Static(classes="figure-title")
        with Horizontal(classes="figure-row"):
            if self._block_digits:
                yield BlockDigits("-", classes="figure-number")
            else:
                yield Digits("-", classes="figure-number")
            yield Static(classes="figure-unit")
        yield Static(classes="figure-change")

    def show(self, headline: Headline) -> None:
        if headline == self._shown:
            return
        self._shown = headline
        self.query_one(".figure-title", Static).update(Text(headline.title))
        number = self.query_one(".figure-number")
        assert isinstance(number, Digits | BlockDigits)
        number.update(headline.value_text)
        self.query_one(".figure-unit", Static).update(Text(headline.unit))
        change = self.query_one(".figure-change", Static)
        self._fit_change()
        for verdict in ("better", "worse", "same", "unknown"):
            change.set_class(verdict == headline.verdict, f"-{verdict}")

    def on_resize(self) -> None:
        self._fit_change()

    def _fit_change(self) -> None:
        """The most detailed change text that fits the figure's width."""
        headline = self._shown
        if headline is None:
            return
        change = self.query_one(".figure-change", Static)
        room = self.content_size.width
        words = headline.change_text
        if room > 0:
            for shorter in headline.shorter_changes:
                if Text(words).cell_len <= room:
                    break
                words = shorter
        change.update(Text(words))


class KioskScreen(Screen):
    """Big numbers and the charts of one series at a time, for a wall."""

    CSS_PATH = Path(__file__).parent.parent / "kiosk.tcss"

    BINDINGS = [
        Binding("q", "quit_request", show=False),
        # The dashboard's keys would open pickers and help over the wall
        # screen with nobody there to close them.
        Binding(
            "s,m,p,t,r,question_mark,enter,escape,tab,shift+tab,space",
            "ignore",
            show=False,
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._series: tuple[SeriesSummary, ...] = ()
        self._index = 0
        self._shown_id: str | None = None
        self._shown_at: datetime | None = None
        self._known_keys: frozenset[str] | None = None
        self._news_until: datetime | None = None
        self._quit_pressed_at: datetime | None = None
        self._started_at: datetime | None = None
        self._tick_timer: Timer | None = None
        self._profile: ConsoleProfile | None = None
        self._texts: dict[str, str | None] = {}

    # -- set-up ------------------------------------------------------------

    @property
    def profile(self) -> ConsoleProfile:
        if self._profile is None:
            profile = getattr(self.app, "console_profile", None)
            self._profile = profile if profile is not None else detect_profile()
        return self._profile

    def compose(self) -> ComposeResult:
        ascii_only = self.profile.ascii_only
        yield Static(id="kiosk-stale")
        yield Static(id="kiosk-news")
        yield Static(id="kiosk-series")
        with Horizontal(id="kiosk-figures"):
            for metric in HEADLINE_METRICS:
                yield HeadlineFigure(big_digits=ascii_only, id=f"figure-{metric.name}")
        with Horizontal(id="kiosk-charts"):
            for metric in HEADLINE_METRICS:
                yield TrendChart(
                    marker=self.profile.chart_marker,
                    id=f"chart-{metric.name}",
                    classes="kiosk-chart",
                )
        yield Static(id="kiosk-clock")

    def on_mount(self) -> None:
        self._started_at = self.app.clock()
        self.watch(self.app, "data_version", self._data_changed, init=False)
        self.watch(self.app, "sync_status", self._status_changed, init=False)
        self._set_text("#kiosk-news", None)
        self._data_changed()
        self._show_freshness(self._started_at)
        self._tick_timer = self.set_interval(1.0, self.tick, name="kiosk clock")

    # -- the once-a-second tick --------------------------------------------

    @property
    def cycle_s(self) -> float:
        return float(getattr(self.app.settings, "cycle_s", 20.0))

    @property
    def refresh_s(self) -> float:
        refresh_s = getattr(self.app, "refresh_s", None)
        if refresh_s is None:
            refresh_s = getattr(self.app.settings, "refresh_s", 60.0)
        return float(refresh_s)

    def tick(self) -> None:
        """Move the cycle on when its time is up, end an old announcement,
        and update the clock and the staleness banner; called every second."""
        now = self.app.clock()
        if (
            len(self._series) > 1
            and self._shown_at is not None
            and (now - self._shown_at).total_seconds() >= self.cycle_s
        ):
            self._index = (self._index + 1) % len(self._series)
            self._show_series(now)
        if self._news_until is not None and now >= self._news_until:
            self._news_until = None
            self._set_text("#kiosk-news", None)
        self._show_freshness(now)

    # -- data --------------------------------------------------------------

    def _data_changed(self, _version: int | None = None) -> None:
        store: ResultStore = self.app.store
        now = self.app.clock()
        keys = store.keys()
        arrived: list[Run] = []
        if self._known_keys:
            for key in keys - self._known_keys:
                run = store.get(key)
                if run is not None and run.stages:
                    arrived.append(run)
        # The first load (or the first non-empty one) is history, not news.
        self._known_keys = keys
        self._series = store.series()
        ids = [summary.id for summary in self._series]
        if arrived:
            newest = max(arrived, key=lambda run: (run.completed_at, run.key))
            self._announce(newest, len(arrived), now)
            wanted = newest.stages[0].series.id
        else:
            wanted = self._shown_id
        self._index = ids.index(wanted) if wanted in ids else 0
        self._show_series(now, restart=bool(arrived))

    def _status_changed(self, _status: SyncStatus) -> None:
        self._show_freshness(self.app.clock())

    def _show_series(self, now: datetime, *, restart: bool = False) -> None:
        """Draw the series at ``self._index``; its time on screen starts now
        when it is another series than before, or when ``restart``."""
        ascii_only = self.profile.ascii_only
        if not self._series:
            self._shown_id = None
            self._set_text("#kiosk-series", "No results yet")
            for metric in HEADLINE_METRICS:
                figure = self.query_one(f"#figure-{metric.name}", HeadlineFigure)
                figure.show(Headline(metric.title, "-", metric.unit, "", "unknown"))
                chart = self.query_one(f"#chart-{metric.name}", TrendChart)
                chart.show_message("No results yet")
            return
        summary = self._series[self._index]
        if restart or self._shown_at is None or self._shown_id != summary.id:
            self._shown_at = now
        self._shown_id = summary.id
        label = self._safe(summary.label)
        position = f"{self._index + 1}/{len(self._series)}"
        self._set_text("#kiosk-series", f"[{position}]  {label}")
        store: ResultStore = self.app.store
        for headline, metric in zip(
            headlines(store, summary.id, ascii_only=ascii_only),
            HEADLINE_METRICS,
            strict=True,
        ):
            figure = self.query_one(f"#figure-{metric.name}", HeadlineFigure)
            figure.show(self._safe_headline(headline))
        points = store.series_points(summary.id)
        xs = tuple(run.completed_at.timestamp() for run, _ in points)
        for metric in HEADLINE_METRICS:
            # No legend: one series, already named in large at the top.
            line = ChartLine(
                summary.id,
                "",
                xs,
                tuple(metric.value(stage) for _, stage in points),
            )
            title = self._safe(f"{metric.title} ({metric.unit})")
            self.query_one(f"#chart-{metric.name}", TrendChart).show_lines(
                title,
                [line],
                axis=metric.axis,
            )

    def _announce(self, run: Run, count: int, now: datetime) -> None:
        self._news_until = now + timedelta(seconds=NEWS_S)
        label = self._safe(series_label(run.stages[0].series))
        words = f"New result: {label}, commit {run.short_commit or '?'}"
        words += f", finished {format_time(run.completed_at)} UTC"
        if count > 1:
            words += f" (and {count - 1} more)"
        self._set_text("#kiosk-news", words)

    # -- freshness and the clock -------------------------------------------

    def _show_freshness(self, now: datetime) -> None:
        status: SyncStatus = self.app.sync_status
        self._set_text("#kiosk-stale", self.stale_text(status, now))
        parts = [f"{now:%H:%M} UTC"]
        if status.last_success_at is not None:
            parts.append(f"synced {format_ago(status.last_success_at, now)}")
        elif status.syncing:
            parts.append("loading")
        if self._quit_pressed_at is not None:
            if (now - self._quit_pressed_at).total_seconds() <= QUIT_WINDOW_S:
                parts.append("press q again to quit")
            else:
                self._quit_pressed_at = None
        self._set_text("#kiosk-clock", "  -  ".join(parts))

    def stale_text(self, status: SyncStatus, now: datetime) -> str | None:
        """The banner's words, or None while the data is fresh.

        Stale means the last successful sync is older than
        ``STALE_AFTER_REFRESHES`` refresh intervals (or, before any success,
        that long has passed since the screen opened).
        """
        limit = timedelta(seconds=STALE_AFTER_REFRESHES * self.refresh_s)
        last = status.last_success_at
        since = last if last is not None else self._started_at
        if since is None or now - since <= limit:
            return None
        if last is not None:
            words = (
                f"STALE DATA: last successful sync {format_time(last)} UTC "
                f"({format_ago(last, now)})"
            )
        else:
            words = (
                f"NO DATA: no successful sync since start at {format_time(since)} UTC"
            )
        error = status.last_error
        if error is not None:
            why = printable(str(error), one_line=True)
            if status.stale_since is not None:
                words += f"; failing since {format_time(status.stale_since)} UTC"
            words += f". Why: {why}"
        elif status.syncing:
            words += ". Why: the current sync has not finished"
        else:
            words += ". Why: no sync has run since"
        return self._safe(words)

    # -- keys ----------------------------------------------------------------

    def action_quit_request(self) -> None:
        now = self.app.clock()
        pressed = self._quit_pressed_at
        if (
            pressed is not None
            and 0 <= (now - pressed).total_seconds() <= QUIT_WINDOW_S
        ):
            self.app.exit()
            return
        self._quit_pressed_at = now
        self._show_freshness(now)

    def action_ignore(self) -> None:
        """Stray keys: nothing happens."""

    # -- helpers -------------------------------------------------------------

    def _safe(self, text: str) -> str:
        """Untrusted or decorated text as this terminal can show it, one line."""
        return self.profile.text(printable(text, one_line=True))

    def _safe_headline(self, headline: Headline) -> Headline:
        return Headline(
            self._safe(headline.title),
            headline.value_text,
            self._safe(headline.unit),
            self._safe(headline.change_text),
            headline.verdict,
            tuple(self._safe(words) for words in headline.shorter_changes),
        )

    def _set_text(self, selector: str, words: str | None) -> None:
        """Show ``words`` in a line widget, hidden when None; only on change,
        so a tick that changes nothing writes nothing to the terminal."""
        if selector in self._texts and self._texts[selector] == words:
            return
        self._texts[selector] = words
        widget = self.query_one(selector, Static)
        widget.display = words is not None
        # Long words wrap (the banner's "why", a long series label) rather
        # than end in an ellipsis, which the console's font does not have.
        wrap = selector != "#kiosk-clock"
        widget.update(Text(words or "", no_wrap=not wrap, overflow="crop"))

"""The Textual app and :func:`make_app`, the one factory for the CLI and tests.

The app owns the sync loop (a thread worker every ``refresh_s``) and the
state every screen watches: ``data_version`` (the store version on screen),
``sync_status`` and ``current_view``. Failures become what the user sees in
one place, :meth:`BenchApp.show_failure`.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from rich.text import Text
from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import Worker, WorkerState, get_current_worker

from exo_benchtui.core.errors import BenchTuiError, FailureKind, SourceError
from exo_benchtui.core.store import ResultStore
from exo_benchtui.core.text import printable
from exo_benchtui.core.views import (
    MAX_TABLE_ROWS,
    DashboardView,
    LineCache,
    MetricSet,
    RowCache,
    StatusLine,
    SyncStatus,
    build_view,
    status_line,
)
from exo_benchtui.terminal import ConsoleProfile, detect_profile
from exo_benchtui.ui.console import CONSOLE_TCSS, ConsoleLoading, apply_console_profile
from exo_benchtui.ui.messages import (
    DetailFailed,
    DetailLoaded,
    ResultsSynced,
    SyncFailed,
    SyncProgressed,
)
from exo_benchtui.ui.widgets.glyphs import overflow

if TYPE_CHECKING:
    from exo_benchtui.core.sync import SyncEngine
    from exo_benchtui.settings import Settings

MIN_REFRESH_S = 5.0
"""The shortest refresh interval; shorter would hammer the bucket."""

_HERE = Path(__file__).parent


def _utc_now() -> datetime:
    return datetime.now(UTC)


class BenchApp(App):
    """The dashboard: a sync loop over a store, and screens that draw it."""

    TITLE = "exo-bench-tui"

    BINDINGS: ClassVar = [
        Binding("q", "quit", "Quit"),
        Binding("r", "refresh", "Refresh"),
        Binding("s", "pick_series", "Series"),
        Binding("m", "switch_metrics", "Metrics"),
        Binding("p", "problems", "Problems", show=False),
        Binding("question_mark", "help", "Help"),
        # Textual's own Ctrl+C only says to press Ctrl+Q; here it quits, as
        # a terminal program is expected to (the README says so).
        Binding("ctrl+c", "quit_now", show=False, priority=True),
    ]

    data_version: reactive[int] = reactive(-1, init=False)
    """The store version that the screens show."""
    sync_status: reactive[SyncStatus] = reactive(SyncStatus, init=False)
    """How fresh the data is, the last error, and the next sync."""
    current_view: reactive[DashboardView | None] = reactive(
        None, init=False, always_update=True
    )
    """What the main screen draws, rebuilt when the data or the selection moved."""
    series_id: reactive[str | None] = reactive(None, init=False)
    """The selected series, or None for all."""
    metric_set: reactive[MetricSet] = reactive(MetricSet.LATENCY, init=False)
    """Which figures the second and third panes plot."""

    def __init__(
        self,
        settings: Settings,
        engine: SyncEngine,
        store: ResultStore,
        *,
        clock: Callable[[], datetime] = _utc_now,
        console_profile: ConsoleProfile | None = None,
        css_paths: list[Path] | None = None,
    ) -> None:
        super().__init__(css_path=css_paths or [_HERE / "app.tcss"])
        self.settings = settings
        self.engine = engine
        self.store = store
        self.clock = clock
        """Aware UTC now; injectable so tests are deterministic."""
        self.console_profile = console_profile or detect_profile(ascii_flag=False)
        """What the terminal can show (ASCII only, colours); see ui/console.py."""
        self.refresh_s = max(MIN_REFRESH_S, float(settings.refresh_s))
        self._sync_timer: Timer | None = None
        self._row_cache = RowCache()
        self._line_cache = LineCache()
        self.table_rows_limit = MAX_TABLE_ROWS
        """The runs table holds this many run-stages, the newest."""
        self._shown_status: tuple | None = None
        self.sync_status = SyncStatus(source=str(settings.source))

    # -- start-up ----------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Textual binds Ctrl+Q and Ctrl+P at app level with priority, so the
        # kiosk screen's own bindings cannot catch them: a passer-by at the
        # wall must not quit it or open the palette (q twice still quits).
        return not (action in ("quit", "command_palette") and self._on_kiosk())

    def _on_kiosk(self) -> bool:
        from exo_benchtui.ui.screens.kiosk import KioskScreen

        return bool(self.screen_stack) and isinstance(self.screen, KioskScreen)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette's commands: the dashboard's own first, then Textual's."""
        yield SystemCommand("Refresh now", "Read the source again now", self.start_sync)
        yield SystemCommand(
            "Pick series", "Show all series, or one", self.action_pick_series
        )
        yield SystemCommand(
            "Switch metric set",
            "Middle panes: latency & throughput, or TTFT & decode",
            self.action_switch_metrics,
        )
        yield SystemCommand(
            "Show runs table", "Every run and stage, sortable", self.action_runs_table
        )
        yield SystemCommand(
            "Show problems", "Documents that could not be read", self.action_problems
        )
        yield SystemCommand("Help", "Keys and what the screen shows", self.action_help)
        yield from super().get_system_commands(screen)

    def get_loading_widget(self) -> Widget:
        if self.console_profile.console_mode:
            # The spinner's glyphs are not on the console and it redraws
            # sixteen times a second, too often for a slow SSH link.
            return ConsoleLoading()
        return super().get_loading_widget()

    def action_quit_now(self) -> None:
        """Quit at once, from any screen (kiosk included)."""
        self.exit()

    def on_mount(self) -> None:
        if self.settings.kiosk:
            from exo_benchtui.ui.screens.kiosk import KioskScreen

            self.push_screen(KioskScreen())
        else:
            from exo_benchtui.ui.screens.main import MainScreen

            self.push_screen(MainScreen())
        self._rebuild_view()
        # The countdown and "2 min ago" move with the clock, nothing else does.
        self.set_interval(1.0, self._show_status)
        self.start_sync()

    # -- the sync loop -----------------------------------------------------

    def start_sync(self) -> None:
        """Start a sync now unless one is running."""
        if self._sync_timer is not None:
            self._sync_timer.stop()
            self._sync_timer = None
        if any(w.group == "sync" and w.is_running for w in self.workers):
            return
        self.sync_status = _replace(self.sync_status, syncing=True, next_sync_at=None)
        self._sync_worker()

    @work(thread=True, exclusive=True, name="sync", group="sync", exit_on_error=False)
    def _sync_worker(self) -> None:
        worker = get_current_worker()
        version = self.store.version
        try:
            report = self.engine.sync(
                progress=lambda done, total: self.post_message(
                    SyncProgressed(done, total)
                ),
                cancelled=lambda: worker.is_cancelled,
            )
        except SourceError as error:
            self.post_message(SyncFailed(error, self.clock()))
            return
        if self.store.version != version:
            _settle_heap()
        self.post_message(ResultsSynced(report))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "sync" and event.state == WorkerState.ERROR:
            # A bug rather than a source failure: still say so and keep going.
            error = SourceError(
                "Sync failed unexpectedly",
                printable(repr(worker.error), one_line=True),
                hint=f"see the log file {self.settings.log_file}",
                kind=FailureKind.TRANSIENT,
            )
            self.post_message(SyncFailed(error, self.clock()))

    def on_sync_progressed(self, message: SyncProgressed) -> None:
        self.sync_status = _replace(
            self.sync_status, progress=(message.done, message.total)
        )

    def on_results_synced(self, message: ResultsSynced) -> None:
        report = message.report
        if report.cancelled:
            # Stopped early on request: nothing new is known about the source.
            self.sync_status = _replace(self.sync_status, progress=None, syncing=False)
            self._schedule_next()
            return
        last_success = report.last_success_at or report.finished_at or self.clock()
        first_success = self.sync_status.last_success_at is None
        self.sync_status = _replace(
            self.sync_status,
            last_success_at=last_success,
            stale_since=None,
            last_error=None,
            progress=None,
            syncing=False,
            listed=report.listed,
        )
        if first_success or self.store.version != self.data_version:
            # The first success also ends "Loading…", even with nothing found.
            self._rebuild_view()
        self._schedule_next()

    def on_sync_failed(self, message: SyncFailed) -> None:
        previous = self.sync_status
        stale_since = self.engine.stale_since
        if stale_since is None:
            stale_since = previous.stale_since or message.at
        self.sync_status = _replace(
            previous,
            last_error=message.error,
            stale_since=stale_since,
            progress=None,
            syncing=False,
        )
        self.show_failure(message.error, repeated=previous.last_error is not None)
        never_read = previous.last_success_at is None
        if never_read or self.store.version != self.data_version:
            self._rebuild_view()
        self._schedule_next()

    def _schedule_next(self) -> None:
        # The engine backs off while syncs keep failing.
        delay_s = max(MIN_REFRESH_S, self.engine.next_delay_s(self.refresh_s))
        self.sync_status = _replace(
            self.sync_status, next_sync_at=self.clock() + timedelta(seconds=delay_s)
        )
        self._sync_timer = self.set_timer(delay_s, self.start_sync)

    # -- what the user sees ------------------------------------------------

    def show_failure(self, error: BenchTuiError, *, repeated: bool = False) -> None:
        """The one place a failure becomes something on screen.

        The status line always carries the last sync error until a success
        (it is drawn from ``sync_status``); a toast is added the first time,
        short for what retries by itself, longer for what needs the user.
        """
        if repeated:
            return
        # str(): the one wording of a failure, its hint a capitalised sentence.
        words = printable(str(error), one_line=True)
        transient = error.kind is FailureKind.TRANSIENT
        self.notify(
            # Textual's notify renders markup, so escape it by going through Text.
            Text(words).markup,
            title=printable(error.title, one_line=True),
            severity="warning" if transient else "error",
            timeout=8 if transient else 20,
        )

    def watch_sync_status(self) -> None:
        self._show_status()

    def source_text(self) -> str:
        """Where the results come from, with the endpoint when not AWS's own.

        The demo's bucket has the real bucket's name; ``@ 127.0.0.1:PORT``
        says it is not the real one.
        """
        words = printable(str(self.settings.source), one_line=True)
        endpoint = self.settings.endpoint_url
        if endpoint:
            # Host and port only: a user:password in the URL is never shown.
            parts = urlsplit(endpoint)
            host = parts.hostname or "?"
            if parts.port:
                host = f"{host}:{parts.port}"
            words += f" @ {printable(host, one_line=True)}"
        return words

    def _show_status(self) -> None:
        status = self.sync_status
        # The source goes last: at 80 columns the line is cut from the
        # right, and freshness, counts and errors matter more than where.
        line = status_line(_replace(status, source=""), self.current_view, self.clock())
        line = StatusLine(f"{line.text} · {self.source_text()}", line.severity)
        shown = (line, status.progress)
        if shown == self._shown_status:
            return
        self._shown_status = shown
        from exo_benchtui.ui.screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen) and screen.is_mounted:
                screen.show_status(line, status.progress)

    def _rebuild_view(self) -> None:
        self.current_view = build_view(
            self.store,
            series_id=self.series_id,
            metric_set=self.metric_set,
            row_cache=self._row_cache,
            line_cache=self._line_cache,
            max_rows=self.table_rows_limit,
        )
        self.data_version = self.current_view.version
        self._shown_status = None
        self._show_status()

    def watch_series_id(self) -> None:
        self._rebuild_view()

    def watch_metric_set(self) -> None:
        self._rebuild_view()

    def series_note(self, view: DashboardView) -> Text:
        """The line under the cards: what the cards and charts follow."""
        text = Text(no_wrap=True, overflow=overflow(self))
        if view.series_id is None:
            text.append("All series")
            if view.left_out_series:
                text.append(
                    f" (charts show the {len(view.shown_series)} most recently "
                    f"active; {view.left_out_series} more with s)"
                )
        else:
            text.append("Series: ")
            text.append(view.shown_series[0].label if view.shown_series else "gone")
        if view.rows_left_out:
            shown = len(view.rows)
            text.append(f" · table: newest {shown:,} of {shown + view.rows_left_out:,}")
        if view.cards_series_label and view.series_id is None:
            text.append(" · cards follow ")
            text.append(view.cards_series_label)
        names = {
            MetricSet.LATENCY: "latency & throughput",
            MetricSet.TTFT_DECODE: "TTFT & decode",
        }
        text.append(f" · {names[view.metric_set]} (m)")
        return text

    # -- actions -----------------------------------------------------------

    def action_refresh(self) -> None:
        self.start_sync()

    def action_switch_metrics(self) -> None:
        self.metric_set = self.metric_set.other()

    def action_pick_series(self) -> None:
        from exo_benchtui.ui.screens.series_picker import SeriesPicker

        view = self.current_view
        choices = view.choices if view else ()

        def chosen(series_id: str | bool | None) -> None:
            if series_id is not False:
                self.series_id = series_id

        self.push_screen(SeriesPicker(choices, self.series_id), chosen)

    def action_runs_table(self) -> None:
        """Show the runs table on the main screen (from the palette)."""
        from exo_benchtui.ui.screens.main import MainScreen

        for screen in reversed(self.screen_stack):
            if isinstance(screen, MainScreen):
                while self.screen is not screen:
                    self.pop_screen()
                screen.show_table()
                return

    def action_help(self) -> None:
        from exo_benchtui.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_problems(self) -> None:
        from exo_benchtui.ui.screens.problems import ProblemsScreen

        self.push_screen(ProblemsScreen(self.store.problems()))

    def open_detail(self, key: str) -> None:
        """Open the detail screen of one run; its document is read again."""
        from exo_benchtui.ui.screens.detail import DetailScreen

        run = self.store.get(key)
        if run is None:
            self.notify("That run is no longer in the results.", severity="warning")
            return
        self.push_screen(DetailScreen(run))
        self._load_detail(key)

    @work(
        thread=True, exclusive=True, name="detail", group="detail", exit_on_error=False
    )
    def _load_detail(self, key: str) -> None:
        try:
            detail = self.engine.fetch_detail(key)
        except BenchTuiError as error:
            self.post_message(DetailFailed(key, error))
            return
        except Exception as error:
            wrapped = SourceError(
                "Could not read the run again",
                printable(repr(error), one_line=True),
                kind=FailureKind.TRANSIENT,
            )
            self.post_message(DetailFailed(key, wrapped))
            return
        self.post_message(DetailLoaded(key, detail))

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        from exo_benchtui.ui.screens.detail import DetailScreen

        screen = self.screen
        if isinstance(screen, DetailScreen) and screen.run.key == message.key:
            screen.show_detail(message.detail)

    def on_detail_failed(self, message: DetailFailed) -> None:
        from exo_benchtui.ui.screens.detail import DetailScreen

        screen = self.screen
        if isinstance(screen, DetailScreen) and screen.run.key == message.key:
            screen.show_error(message.error)
        self.show_failure(message.error)


def _settle_heap() -> None:
    """After a sync that changed the store: collect, then freeze the survivors.

    The runs live until a later sync drops them, and they are most of the
    heap: left to the collector, every full collection walked all of them
    again (15 ms at 10,000 runs), often in the middle of a redraw. Freezing
    also freezes whatever else is alive at that moment (the charts' plotext
    figures, Textual's caches), and frozen cycles are never collected when
    they die, so each time the last freeze is undone and the whole heap
    collected first: what died since is freed, and garbage never outlives
    the next changed sync.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _replace(status: SyncStatus, **changes: Any) -> SyncStatus:
    return replace(status, **changes)


def make_app(
    settings: Settings,
    *,
    engine: SyncEngine | None = None,
    store: ResultStore | None = None,
    clock: Callable[[], datetime] | None = None,
) -> BenchApp:
    """The app for ``settings``; the CLI and the tests both build it here.

    Without an ``engine`` one is built from the settings' source; without a
    ``store`` the engine's (or a new empty one) is used. ``clock`` returns
    aware UTC and defaults to the real time.
    """
    clock = clock or _utc_now
    if store is None:
        store = getattr(engine, "store", None) or ResultStore()
    if engine is None:
        from exo_benchtui.core.sources import open_source
        from exo_benchtui.core.sync import SyncEngine

        source = open_source(settings.source, settings.source_options())
        engine = SyncEngine(source, store, workers=settings.workers, clock=clock)
    profile = detect_profile(ascii_flag=settings.ascii)
    css_paths = [_HERE / "app.tcss"]
    if profile.console_mode:
        css_paths.append(CONSOLE_TCSS)
    app = BenchApp(
        settings,
        engine,
        store,
        clock=clock,
        console_profile=profile,
        css_paths=css_paths,
    )
    apply_console_profile(app, profile)
    return app

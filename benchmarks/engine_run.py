"""One repetition of our engine in a fresh process: cold, warm, incremental, views.

A fresh process per repetition makes the cold sync really cold (no client,
connection pool or parsed runs left over) and makes the peak RSS that of a
process that did nothing but load N runs.

Steps, against the S3 responder at ``--endpoint-url`` listing N documents:
1. cold sync with ``--workers`` (time, request counts, peak RSS);
2. warm sync with nothing changed (time, request counts);
3. ten new documents appear (the responder's admin call), incremental sync;
4. ``--view-reps`` times: bump the store's version, then time the store
   reindex alone and ``core.views.build_view`` on top of it;
5. with ``--redraw-reps``: the dashboard itself, headless at 160x48, on this
   engine and store. Its own first sync reads ``APP_DOCUMENTS`` new
   documents (so the app's after-sync path runs as in production); then,
   each time, one more run lands in the store and the time is taken from
   the app's rebuild of its view (cards, series, charts, table rows) to
   the end of the screen update that drew the last of the four chart panes,
   after half a second of idle each time, as when a sync has just ended.

Request counts are taken both from the engine's report and from the server,
and must agree. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import tempfile
import time
from pathlib import Path
from urllib.request import Request, urlopen

import corpus
from exo_benchtui.core.documents import parse_document
from exo_benchtui.core.model import StoredObject
from exo_benchtui.core.sources import SourceOptions, open_source
from exo_benchtui.core.store import ResultStore
from exo_benchtui.core.sync import SyncEngine
from exo_benchtui.core.views import LineCache, RowCache, build_view

NEW_DOCUMENTS = 10
APP_DOCUMENTS = 5
"""New documents the dashboard's own first sync reads (step 5)."""
SCREEN = (160, 48)
_SOURCE = f"s3://{corpus.BUCKET}/{corpus.PREFIX}"


def _rss_kb() -> int:
    """Resident set size now, from /proc (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _admin(endpoint_url: str, **changes: int) -> dict:
    query = "&".join(f"{name}={value}" for name, value in changes.items())
    request = Request(f"{endpoint_url}/__admin/state?{query}", method="POST")
    with urlopen(request, timeout=10) as reply:
        return json.load(reply)


def _timed_sync(engine: SyncEngine, endpoint_url: str) -> dict:
    before = _admin(endpoint_url)["counts"]
    started = time.perf_counter()
    cpu_started = time.process_time()
    report = engine.sync()
    duration_s = time.perf_counter() - started
    cpu_s = time.process_time() - cpu_started
    after = _admin(endpoint_url)["counts"]
    return {
        "duration_s": duration_s,
        "cpu_s": cpu_s,
        "lists": report.list_requests,
        "gets": report.get_requests,
        "server_lists": after["list"] - before["list"],
        "server_gets": after["get"] - before["get"],
        "added": _count(report.added),
        "updated": _count(report.updated),
        "removed": _count(report.removed),
        "problems": len(report.problems),
        "bytes": report.bytes_read,
    }


def _count(value: int | object) -> int:
    """SyncReport counts may be ints or collections of keys."""
    return value if isinstance(value, int) else len(value)


def _bump(store: ResultStore) -> None:
    """Move the store's version without changing what it holds."""
    key = min(store.keys())
    identity, outcome = store.identity(key), store.outcome(key)
    store.remove(key)
    store.put(identity, outcome)


IDLE_S = 0.5
"""The app waits this long before each redraw, as it does for a sync."""


class _Paints:
    """When each screen update ended, and how many chart panes were drawn by then.

    Timing only: the benchmark wraps ``TrendChart.render`` and the screen's
    update (``Screen._on_timer_update``, where Textual renders the dirty
    widgets and writes the frame) in this process, so a redraw's end is the
    end of the update that drew the last of the four panes. Waiting for it
    with ``wait_for_refresh()`` instead added a whole further update, up to
    30 ms that no one sees.
    """

    def __init__(self) -> None:
        from textual.screen import Screen

        from exo_benchtui.ui.widgets.charts import TrendChart

        self.drawn = 0
        self.ends: list[tuple[float, float, int]] = []
        render, update = TrendChart.render, Screen._on_timer_update
        paints = self

        def counted_render(chart):
            paints.drawn += 1
            return render(chart)

        def timed_update(screen):
            update(screen)
            paints.ends.append((time.perf_counter(), time.process_time(), paints.drawn))

        TrendChart.render = counted_render
        Screen._on_timer_update = timed_update

    async def after(self, drawn: int) -> tuple[float, float]:
        """(wall, CPU) at the end of the first update with ``drawn`` panes."""
        while True:
            for wall, cpu, count in self.ends:
                if count >= drawn:
                    return wall, cpu
            await asyncio.sleep(0.002)


async def _redraws(
    engine: SyncEngine, endpoint_url: str, visible: int, reps: int
) -> dict:
    """Step 5: the app's redraw after one new run, ``reps`` times."""
    from exo_benchtui.settings import Settings
    from exo_benchtui.ui.app import make_app
    from exo_benchtui.ui.widgets.charts import TrendChart

    paints = _Paints()
    store = engine.store
    _admin(endpoint_url, visible=visible + NEW_DOCUMENTS + APP_DOCUMENTS)
    with tempfile.TemporaryDirectory() as logs:
        settings = Settings(
            source=_SOURCE,
            endpoint_url=endpoint_url,
            region="us-east-1",
            refresh_s=3600.0,
            log_file=Path(logs) / "bench.log",
        )
        app = make_app(settings, engine=engine)
        async with app.run_test(headless=True, size=SCREEN) as pilot:
            while app.sync_status.syncing or app.data_version != store.version:
                await pilot.pause(0.01)
            await pilot.pause()
            charts = len(app.screen.query(TrendChart))
            wall_s, cpu_s = [], []
            newest = visible + NEW_DOCUMENTS + APP_DOCUMENTS - 1
            for rep in range(reps):
                # A later run of the newest run's configuration, so its series
                # is one the charts draw and every pane changes; the source
                # never lists it (the next sync is an hour away).
                document = corpus.make_document(
                    newest + corpus.CONFIGURATIONS * (rep + 1)
                )
                outcome = parse_document(
                    document.key, document.body, object_metadata=document.metadata
                )
                await asyncio.sleep(IDLE_S)
                store.put(StoredObject(document.key, None, None), outcome)
                paints.ends.clear()
                drawn = paints.drawn + charts
                started = time.perf_counter()
                cpu_started = time.process_time()
                app._rebuild_view()  # what the app runs on ResultsSynced
                ended, cpu_ended = await paints.after(drawn)
                wall_s.append(ended - started)
                cpu_s.append(cpu_ended - cpu_started)
                shown = {choice.id for choice in app.current_view.shown_series}
                if app.data_version != store.version or not shown.intersection(
                    stage.series.id for stage in outcome.run.stages
                ):
                    raise RuntimeError("the redraw did not chart the new run")
            runs = len(store.runs())
            app.exit()
    return {"wall_s": wall_s, "cpu_s": cpu_s, "charts": charts, "runs": runs}


def run(
    endpoint_url: str, workers: int, visible: int, view_reps: int, redraw_reps: int
) -> dict:
    options = SourceOptions(
        region="us-east-1", endpoint_url=endpoint_url, workers=workers
    )
    source = open_source(_SOURCE, options)
    store = ResultStore()
    # The product gives a whole sync a deadline (then keeps what it read and
    # goes on next cycle); a cold load of 10,000 documents can outlast it,
    # and here we want the time of the whole load, in one sync.
    engine = SyncEngine(source, store, workers=workers, deadline_s=3600.0)
    gc.collect()
    baseline_kb = _rss_kb()

    cold = _timed_sync(engine, endpoint_url)
    cold["peak_rss_kb"] = _peak_rss_kb()
    gc.collect()
    cold["rss_after_kb"] = _rss_kb()
    cold["runs"] = len(store.runs())

    warm = _timed_sync(engine, endpoint_url)
    _admin(endpoint_url, visible=visible + NEW_DOCUMENTS)
    incremental = _timed_sync(engine, endpoint_url)

    reindex_s, view_s, view_cpu_s, first_view_s = [], [], [], []
    # The app keeps one row cache: its first build makes every table row, and
    # each later build only the rows of runs that changed. The bump removes
    # a run and puts it back, so every build here reindexes the store whole
    # and builds every chart line again: the slow path of a recompute.
    row_cache, line_cache = RowCache(), LineCache()
    if view_reps:
        _bump(store)
        started = time.perf_counter()
        build_view(store, row_cache=row_cache, line_cache=line_cache)
        first_view_s.append(time.perf_counter() - started)
    for _ in range(view_reps):
        _bump(store)
        started = time.perf_counter()
        store.series()  # the lazy reindex, alone
        reindex_s.append(time.perf_counter() - started)
        _bump(store)
        started = time.perf_counter()
        cpu_started = time.process_time()
        # reindex + everything the screen shows
        view = build_view(store, row_cache=row_cache, line_cache=line_cache)
        view_s.append(time.perf_counter() - started)
        view_cpu_s.append(time.process_time() - cpu_started)
    engine_peak_rss_kb = _peak_rss_kb()
    redraw = None
    if redraw_reps:
        redraw = asyncio.run(_redraws(engine, endpoint_url, visible, redraw_reps))
    return {
        "workers": workers,
        "visible": visible,
        "baseline_rss_kb": baseline_kb,
        "cold": cold,
        "warm": warm,
        "incremental": incremental,
        "reindex_s": reindex_s,
        "view_s": view_s,
        "view_cpu_s": view_cpu_s,
        "first_view_s": first_view_s,
        "view_rows": len(view.rows) if view_reps else 0,
        "redraw": redraw,
        "engine_peak_rss_kb": engine_peak_rss_kb,
        "final_peak_rss_kb": _peak_rss_kb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--visible", type=int, required=True)
    parser.add_argument("--view-reps", type=int, default=0)
    parser.add_argument("--redraw-reps", type=int, default=0)
    args = parser.parse_args()
    result = run(
        args.endpoint_url,
        args.workers,
        args.visible,
        args.view_reps,
        args.redraw_reps,
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

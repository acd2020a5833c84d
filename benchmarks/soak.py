"""Soak test of the kiosk screen: memory stays flat over many refreshes and cycles.

Runs the real app (``make_app`` with ``kiosk``, a real ``SyncEngine`` over a
directory of the demo history) headless at 160x50, with a clock the script
moves. Each iteration is one simulated refresh period and one cycle period:
the clock moves on by ``cycle_s``, the kiosk's once-a-second tick runs (the
series on screen changes), and a sync runs. Every few iterations a document
is rewritten with other figures (the store version moves, so figures and
charts are redrawn), and now and then a new run arrives (announced). Memory
is measured after a warm-up (Textual and plotext fill their caches on the
first frames) and at the end: tracemalloc (Python allocations), the live
objects (``gc`` and ``sys.getallocatedblocks()``), and the process's resident
set size, raw and again after ``malloc_trim(0)`` (glibc), which hands free heap
pages back to the system: raw growth that the trim removes is memory malloc
keeps for reuse, not memory the app holds.

tracemalloc itself costs memory (a trace per live block, kept in tables that
grow by doubling) and churns the C heap, which shows in RSS; ``--no-tracemalloc``
measures RSS without it.

    python benchmarks/soak.py                 # 1,200 iterations at 160x50
    python benchmarks/soak.py --size 80x25 --ascii
    python benchmarks/soak.py --cycles 3000 --no-tracemalloc

Exit status 1 when the growth is 5 MB or more.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import ctypes.util
import gc
import json
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from exo_benchtui.demo.history import HistoryGenerator
from exo_benchtui.settings import Settings
from exo_benchtui.ui.app import make_app
from exo_benchtui.ui.screens.kiosk import KioskScreen

LIMIT_BYTES = 5 * 1024 * 1024
START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


class SoakClock:
    """The app's clock, moved only by the script."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def rss_bytes() -> int:
    """Resident set size of this process, from /proc (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _malloc_trim() -> object | None:
    """glibc's ``malloc_trim``, or None where the C library has none."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    return getattr(ctypes.CDLL(name), "malloc_trim", None)


MALLOC_TRIM = _malloc_trim()


def trimmed_rss_bytes() -> int | None:
    """RSS after giving malloc's free pages back to the system (glibc only)."""
    if MALLOC_TRIM is None:
        return None
    MALLOC_TRIM(0)
    return rss_bytes()


@dataclass(frozen=True, slots=True)
class Sample:
    """Memory at one point of the soak, after a full collection."""

    rss: int
    trimmed_rss: int | None
    traced: int
    tracer: int
    blocks: int
    objects: int


def sample(*, trim: bool) -> Sample:
    # Raw RSS first: the trim changes what the next raw reading sees.
    gc.collect()
    tracing = tracemalloc.is_tracing()
    raw = rss_bytes()
    return Sample(
        rss=raw,
        trimmed_rss=trimmed_rss_bytes() if trim else None,
        traced=tracemalloc.get_traced_memory()[0] if tracing else 0,
        tracer=tracemalloc.get_tracemalloc_memory() if tracing else 0,
        blocks=sys.getallocatedblocks(),
        objects=len(gc.get_objects()),
    )


def write_object(directory: Path, key: str, body: bytes) -> Path:
    path = directory / key.replace("/", "_")
    path.write_bytes(body)
    return path


def rewritten(body: bytes, factor: float) -> bytes:
    """The same document with every stage's average time scaled."""
    document = json.loads(body)
    for stage in document["results"]["stages"]:
        if stage.get("avg_time_per_request") is not None:
            stage["avg_time_per_request"] *= factor
    return json.dumps(document).encode("utf-8")


async def soak(args: argparse.Namespace, directory: Path) -> int:
    generator = HistoryGenerator(now=START, seed=7, runs=args.runs)
    objects = list(generator.history())
    for item in objects:
        write_object(directory, item.key, item.body)
    clock = SoakClock()
    settings = Settings(
        source=str(directory),
        kiosk=True,
        refresh_s=args.refresh_s,
        cycle_s=args.cycle_s,
        ascii=args.ascii,
        log_file=directory.parent / "soak.log",
    )
    app = make_app(settings, clock=clock)
    cycles = syncs = redraws = arrivals = 0
    async with app.run_test(size=(args.width, args.height)) as pilot:

        async def settle() -> None:
            for _ in range(2):
                await app.workers.wait_for_complete()
                await pilot.pause()

        await settle()
        screen = app.screen
        assert isinstance(screen, KioskScreen), screen

        async def iteration(number: int) -> None:
            nonlocal cycles, syncs, redraws, arrivals
            clock.advance(args.cycle_s)
            screen.tick()
            cycles += 1
            if number % args.rewrite_every == 0:
                item = objects[number % len(objects)]
                factor = 1.1 if (number // args.rewrite_every) % 2 else 1 / 1.1
                write_object(directory, item.key, rewritten(item.body, factor))
                redraws += 1
            if number % args.arrive_every == 0:
                item = generator.next_run(clock.now)
                write_object(directory, item.key, item.body)
                arrivals += 1
            app.start_sync()
            syncs += 1
            await settle()

        # Traced from before the warm-up, so that a structure replaced during
        # the run (the store's index, the view) counts once, not twice.
        if args.tracemalloc:
            tracemalloc.start()
        for number in range(1, args.warmup + 1):
            await iteration(number)
        first = sample(trim=args.trim)
        started = time.perf_counter()
        for number in range(args.warmup + 1, args.warmup + args.cycles + 1):
            await iteration(number)
            done = number - args.warmup
            if args.progress and done % args.progress == 0:
                print(
                    f"  ... {done} iterations, {_brief(sample(trim=False))}, "
                    f"{time.perf_counter() - started:.0f} s",
                    flush=True,
                )
        elapsed_s = time.perf_counter() - started
        last = sample(trim=args.trim)
        traced_peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else 0
        tracemalloc.stop()
        store_runs = app.store.total_runs
        series_on_screen = len(app.store.series())
        await pilot.press("ctrl+c")

    mib = 1024 * 1024
    print(
        f"kiosk soak at {args.width}x{args.height}"
        f"{' --ascii' if args.ascii else ''}: {args.cycles} measured "
        f"iterations after {args.warmup} warm-up"
    )
    print(f"  simulated time      {clock.now - START} (cycle {args.cycle_s:g} s)")
    print(
        f"  cycles {cycles}, syncs {syncs}, redraws from changed documents "
        f"{redraws}, new runs announced {arrivals}"
    )
    print(f"  store at the end    {store_runs} runs, {series_on_screen} series")
    print(
        f"  live objects        gc {first.objects} -> {last.objects} "
        f"({last.objects - first.objects:+d}), pymalloc blocks {first.blocks} -> "
        f"{last.blocks} ({last.blocks - first.blocks:+d})"
    )
    traced_growth = last.traced - first.traced
    if args.tracemalloc:
        print(
            f"  tracemalloc         start {first.traced / mib:.2f} MiB, end "
            f"{last.traced / mib:.2f} MiB, growth {traced_growth / mib:+.2f} MiB "
            f"(peak {traced_peak / mib:.2f} MiB)"
        )
    else:
        print("  tracemalloc         off (--no-tracemalloc)")
    print(
        f"  RSS                 start {first.rss / mib:.1f} MiB, end "
        f"{last.rss / mib:.1f} MiB, growth {(last.rss - first.rss) / mib:+.1f} MiB"
    )
    # tracemalloc's own bookkeeping grows with what it traces; it is not the
    # app's memory, so it is taken out of the RSS growth that is judged.
    tracer_growth = last.tracer - first.tracer
    rss_growth = last.rss - first.rss - tracer_growth
    if args.tracemalloc:
        print(
            f"  RSS growth without tracemalloc's own {tracer_growth / mib:+.1f} "
            f"MiB: {rss_growth / mib:+.1f} MiB"
        )
    if first.trimmed_rss is not None and last.trimmed_rss is not None:
        trimmed_growth = last.trimmed_rss - first.trimmed_rss - tracer_growth
        print(
            f"  RSS after malloc_trim start {first.trimmed_rss / mib:.1f} MiB, end "
            f"{last.trimmed_rss / mib:.1f} MiB, growth "
            f"{trimmed_growth / mib:+.1f} MiB (shown, not judged)"
        )
    per_iteration_ms = elapsed_s / max(1, args.cycles) * 1000
    print(f"  wall time           {elapsed_s:.1f} s ({per_iteration_ms:.0f} ms each)")
    # Judged on raw RSS (what the system sees) and on traced growth.
    growth = max(traced_growth, rss_growth)
    verdict = "OK" if growth < LIMIT_BYTES else "TOO MUCH"
    print(f"  growth limit 5 MiB: {verdict} ({growth / mib:+.1f} MiB judged)")
    return 0 if growth < LIMIT_BYTES else 1


def _brief(point: Sample) -> str:
    words = f"RSS {point.rss / 2**20:.1f} MiB"
    if tracemalloc.is_tracing():
        words += f", traced {point.traced / 2**20:.2f} MiB"
    return words + f", {point.objects} objects, {point.blocks} blocks"


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not WIDTHxHEIGHT: {text!r}") from None
    if width < 20 or height < 10:
        raise argparse.ArgumentTypeError(f"too small: {text!r}")
    return width, height


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=1200)
    # The allocator and Textual's caches settle over the first hundred or so
    # frames; growth is measured after that.
    parser.add_argument("--warmup", type=int, default=150)
    parser.add_argument("--runs", type=int, default=240, help="history size")
    parser.add_argument("--cycle-s", type=float, default=20.0)
    parser.add_argument("--refresh-s", type=float, default=20.0)
    parser.add_argument("--rewrite-every", type=int, default=5)
    parser.add_argument("--arrive-every", type=int, default=50)
    parser.add_argument("--ascii", action="store_true", help="console mode")
    parser.add_argument("--progress", type=int, default=100, help="print every N")
    parser.add_argument("--width", type=int, default=160)
    parser.add_argument("--height", type=int, default=50)
    parser.add_argument("--size", type=_size, help="WIDTHxHEIGHT, e.g. 80x25")
    parser.add_argument(
        "--no-tracemalloc",
        dest="tracemalloc",
        action="store_false",
        help="RSS without tracemalloc's own memory and heap churn",
    )
    parser.add_argument(
        "--no-trim",
        dest="trim",
        action="store_false",
        help="no malloc_trim(0) at the start and end measurements",
    )
    args = parser.parse_args()
    if args.size:
        args.width, args.height = args.size
    with tempfile.TemporaryDirectory(prefix="exo-soak-") as tmp:
        directory = Path(tmp) / "results"
        directory.mkdir()
        return asyncio.run(soak(args, directory))


if __name__ == "__main__":
    sys.exit(main())

"""Benchmarks for exo-bench-tui: sync, recompute, memory and start-up.

Run from the repository root with the project's virtualenv::

    python benchmarks/run.py            # full: N = 1,000 and 10,000 (< 10 min)
    python benchmarks/run.py --quick    # smaller N (< 1 min)

What it does, in one run (see docs/BENCHMARKS.md for the results):

- measures the capacity of moto's server and of the benchmark's own S3
  responder (requests/s at zero added latency, server CPU per request);
- serves N generated documents from the responder in its own process, with
  a fixed latency per S3 request (50 ms unless ``--latency-ms``);
- times a cold sync by our engine for several worker counts, then for each N
  at the product's default, and the naive approach (one LIST call, then one
  GET after another) side by side; each repetition of our engine is a fresh
  process, which also gives the peak RSS of a process holding N runs;
- in each of those processes, a warm sync (no change), an incremental sync
  after 10 new documents, and the headless recompute of everything the main
  screen shows (``core.views.build_view`` after a store version bump);
- times ``exo-bench-tui --help`` and the dashboard's first frame on the demo
  data, each in a fresh process.

Every figure is the median of ``--reps`` repetitions (at least 5) with the
minimum and maximum. Results are printed as a Markdown table and, with
``--json PATH``, written as JSON.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import capacity
import corpus
from engine_run import APP_DOCUMENTS, NEW_DOCUMENTS, SCREEN
from s3_responder import Responder, run_responder

BENCH_DIR = Path(__file__).resolve().parent
CAPACITY_THREADS = 64
"""Client threads loading a server to measure its capacity."""
KIB = 1024
MIB = 1024 * 1024
MB = 1_000_000


@dataclass(frozen=True)
class Plan:
    """How much to measure: the full run or ``--quick``."""

    sizes: tuple[int, ...]
    sweep_size: int
    sweep_workers: tuple[int, ...]
    view_size: int
    view_reps: int
    capacity_docs: int
    capacity_s: float
    first_frame: bool = True
    """Time the dashboard's first frame (each one starts the demo's moto)."""


FULL = Plan(
    sizes=(1000, 10_000),
    sweep_size=1000,
    # 4 is left out to keep the run within 10 minutes: it cannot beat
    # N x latency / 4 (12.5 s at N = 1,000; earlier full runs took 14.6 s).
    sweep_workers=(8, 16, 32, 64),
    view_size=10_000,
    view_reps=5,
    capacity_docs=200,
    capacity_s=2.0,
)
QUICK = Plan(
    sizes=(100, 200),
    sweep_size=100,
    sweep_workers=(16, 32),
    view_size=200,
    view_reps=3,
    capacity_docs=50,
    capacity_s=0.5,
    first_frame=False,
)


# -- small helpers ---------------------------------------------------------------------


@dataclass
class Figure:
    """One row of the results table."""

    name: str
    values: list[float]
    unit: str
    target: str = ""
    met: bool | None = None
    note: str = ""
    digits: int = 2

    def cell(self, value: float) -> str:
        return f"{value:,.{self.digits}f}"

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def row(self) -> list[str]:
        if len(self.values) > 1:
            spread = f"{self.cell(min(self.values))} – {self.cell(max(self.values))}"
        else:
            spread = "-"
        verdict = {None: "", True: "met", False: "MISSED"}[self.met]
        return [
            self.name,
            f"{self.cell(self.median)} {self.unit}",
            spread,
            str(len(self.values)),
            self.target,
            verdict,
            self.note,
        ]


@dataclass
class Results:
    figures: list[Figure] = field(default_factory=list)
    raw: dict = field(default_factory=dict)
    phases_s: dict[str, float] = field(default_factory=dict)
    """Wall time of each part of the run, to keep the whole within budget."""

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.phases_s[name] = time.perf_counter() - started

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        print(
            f"  {figure.name}: {figure.cell(figure.median)} {figure.unit}", flush=True
        )
        return figure


def child_env() -> dict[str, str]:
    """The environment of every child: dummy credentials, no user AWS files."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and k != "EXO_BENCH_TUI_CONFIG"
    }
    env.update(
        AWS_ACCESS_KEY_ID="benchmark",
        AWS_SECRET_ACCESS_KEY="benchmark",  # the responder checks no signature
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def run_child(script: str, *args: str) -> dict:
    """Run a benchmark script in a fresh interpreter; its last stdout line, parsed."""
    done = subprocess.run(
        [sys.executable, str(BENCH_DIR / script), *args],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=BENCH_DIR,
        timeout=900,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise RuntimeError(f"{script} {' '.join(args)} exited {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_average_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def default_workers() -> int:
    from exo_benchtui.core.sources import DEFAULT_WORKERS

    return DEFAULT_WORKERS


# -- 0. server capacity ----------------------------------------------------------------


def measure_capacity(plan: Plan, results: Results, threads: int) -> None:
    print("server capacity (no added latency)", flush=True)
    docs = corpus.make_corpus(plan.capacity_docs)
    env = child_env()
    with capacity.run_moto(env) as (process, endpoint_url):
        keys = capacity.fill_moto(endpoint_url, docs)
        moto = [
            capacity.measure(
                endpoint_url,
                keys,
                process.pid,
                threads=threads,
                seconds=plan.capacity_s,
            )
            for _ in range(5)
        ]
    with run_responder(plan.capacity_docs, latency_ms=0) as responder:
        ours = [
            capacity.measure(
                responder.endpoint_url,
                keys,
                responder.process.pid,
                threads=threads,
                seconds=plan.capacity_s,
            )
            for _ in range(5)
        ]
    results.raw["capacity"] = {"moto": moto, "responder": ours}
    for name, runs in (("moto server", moto), ("benchmark responder", ours)):
        results.add(
            Figure(
                f"capacity: {name}, GET, {threads} client threads",
                [r["requests_per_s"] for r in runs],
                "req/s",
                digits=0,
                note="server CPU "
                f"{statistics.median(r['server_cpu_ms_per_request'] for r in runs):.2f}"
                " ms/request, "
                f"{statistics.median(r['server_cpu_share'] for r in runs):.0%} "
                "of a core",
            )
        )


# -- 1-5. sync, views and memory -------------------------------------------------------


def engine_reps(
    responder: Responder, workers: int, size: int, reps: int, view_reps: int = 0
) -> list[dict]:
    """``reps`` fresh processes of engine_run.py; ``view_reps`` also times the
    views and the app's redraw, each that many times in each process."""
    runs = []
    for _ in range(reps):
        responder.state(visible=size)
        runs.append(
            run_child(
                "engine_run.py",
                f"--endpoint-url={responder.endpoint_url}",
                f"--workers={workers}",
                f"--visible={size}",
                f"--view-reps={view_reps}",
                f"--redraw-reps={view_reps}",
            )
        )
    responder.state(visible=size)
    return runs


def naive_reps(responder: Responder, sizes: Sequence[int], reps: int) -> dict:
    """Every repetition of the naive client for every N at once, a process each.

    Each one waits on one request at a time and uses about a sixteenth of a
    core (its CPU time is reported beside it), so they do not slow each other
    down; run one after another they would take most of the time budget.
    Each N reads the bucket ``<BUCKET>-first-N``, where the responder shows
    only the first N documents.
    """
    responder.state(visible=max(sizes))
    with ThreadPoolExecutor(reps * len(sizes)) as pool:
        jobs = {
            size: [
                pool.submit(
                    run_child,
                    "naive.py",
                    f"--endpoint-url={responder.endpoint_url}",
                    f"--bucket={corpus.BUCKET}-first-{size}",
                    f"--prefix={corpus.PREFIX}",
                )
                for _ in range(reps)
            ]
            for size in sizes
        }
        return {size: [job.result() for job in runs] for size, runs in jobs.items()}


DOUBLING_GAIN = 0.20
"""A doubling of the workers must cut the median cold sync by this share to be
worth it: each worker may hold a whole document (up to a few MB) at once."""


def pick_workers(sweep: dict[int, list[dict]]) -> int:
    """The first worker count whose next count (a doubling) cuts the median
    cold sync by less than :data:`DOUBLING_GAIN`, or the largest."""
    medians = {
        w: statistics.median(r["cold"]["duration_s"] for r in runs)
        for w, runs in sorted(sweep.items())
    }
    counts = list(medians)
    for count, larger in itertools.pairwise(counts):
        if medians[larger] > medians[count] * (1 - DOUBLING_GAIN):
            return count
    return counts[-1]


def measure_sync(plan: Plan, results: Results, reps: int, latency_ms: float) -> None:
    default = default_workers()
    largest = max(plan.sizes)
    served = largest + NEW_DOCUMENTS + APP_DOCUMENTS
    print(
        f"generating {served:,} documents (cached after the first run) and "
        "starting the S3 responder",
        flush=True,
    )
    started = time.perf_counter()
    with run_responder(served, latency_ms=latency_ms) as responder:
        results.phases_s["sync: documents and responder"] = (
            time.perf_counter() - started
        )
        print(f"  ready in {time.perf_counter() - started:.1f} s", flush=True)

        print(
            f"worker sweep: cold sync of {plan.sweep_size:,} at {latency_ms:g} ms",
            flush=True,
        )
        sweep: dict[int, list[dict]] = {w: [] for w in plan.sweep_workers}
        # Repetition-major order spreads any background noise over all counts.
        with results.phase(f"sync: worker sweep, N={plan.sweep_size:,}"):
            for _ in range(reps):
                for workers in plan.sweep_workers:
                    sweep[workers] += engine_reps(
                        responder, workers, plan.sweep_size, 1
                    )
        results.raw["sweep"] = sweep
        for workers, runs in sweep.items():
            results.add(
                Figure(
                    f"cold sync N={plan.sweep_size:,}, {workers} workers",
                    [r["cold"]["duration_s"] for r in runs],
                    "s",
                    note="default" if workers == default else "",
                )
            )
        chosen = pick_workers(sweep)
        results.raw["recommended_workers"] = chosen
        results.raw["default_workers"] = default

        engine: dict[int, list[dict]] = {}
        for size in plan.sizes:
            view_reps = plan.view_reps if size == plan.view_size else 0
            if size == plan.sweep_size and default in sweep and not view_reps:
                engine[size] = sweep[default]
                continue
            print(f"our engine: N={size:,}, {default} workers", flush=True)
            with results.phase(f"sync: our engine, N={size:,}"):
                engine[size] = engine_reps(responder, default, size, reps, view_reps)
        results.raw["engine"] = engine

        print(
            f"naive client: N={', '.join(f'{s:,}' for s in plan.sizes)}, "
            f"{reps} at a time",
            flush=True,
        )
        with results.phase("sync: naive client, every N at once"):
            naive = naive_reps(responder, plan.sizes, reps)
        results.raw["naive"] = naive

    for size in plan.sizes:
        report_size(results, size, engine[size], naive[size], default, plan)
    for size in plan.sizes:
        report_counts(results, size, engine[size])
    view_runs = engine[plan.view_size]
    report_views(results, plan.view_size, view_runs)
    report_memory(results, plan.view_size, view_runs)


def report_size(
    results: Results,
    size: int,
    ours: list[dict],
    naive: list[dict],
    workers: int,
    plan: Plan,
) -> None:
    cold = [r["cold"]["duration_s"] for r in ours]
    naive_s = [r["duration_s"] for r in naive]
    loaded = {r["loaded"] for r in naive}
    lost = size - min(loaded)
    assert all(r["cold"]["runs"] == size for r in ours), "engine lost documents"
    results.add(
        Figure(f"cold sync N={size:,}: our engine ({workers} workers)", cold, "s")
    )
    results.add(
        Figure(
            f"cold sync N={size:,}: naive (1 LIST + sequential GETs)",
            naive_s,
            "s",
            note=(
                f"loads {min(loaded):,} of {size:,}: the {lost:,} past the first "
                "LIST page are lost"
                if lost
                else f"CPU {statistics.median(r['cpu_s'] for r in naive):.1f} s"
            ),
        )
    )
    # Repetition i of each side makes pair i: the ratio's spread is real.
    ratios = [n / c for n, c in zip(naive_s, cold, strict=False)]
    ratio = statistics.median(ratios)
    # The target is for N = 1,000; --quick has no such N.
    first_size = size == 1000
    per_loaded = ratio * size / min(loaded)
    results.add(
        Figure(
            f"cold sync N={size:,}: naive / ours",
            ratios,
            "×",
            digits=1,
            target=">= 10×" if first_size else "",
            met=ratio >= 10 if first_size else None,
            note=f"per document loaded: {per_loaded:.0f}×" if lost else "",
        )
    )


def report_counts(results: Results, size: int, ours: list[dict]) -> None:
    pages = math.ceil(size / 1000)
    pages_after = math.ceil((size + NEW_DOCUMENTS) / 1000)
    for phase, want_lists, want_gets in (
        ("warm", pages, 0),
        ("incremental +10", pages_after, NEW_DOCUMENTS),
    ):
        key = "warm" if phase == "warm" else "incremental"
        lists = {(r[key]["lists"], r[key]["server_lists"]) for r in ours}
        gets = {(r[key]["gets"], r[key]["server_gets"]) for r in ours}
        ok = lists == {(want_lists, want_lists)} and gets == {(want_gets, want_gets)}
        counted = ", ".join(f"{a} LIST" for a, _ in sorted(lists))
        counted += "; " + ", ".join(f"{a} GET" for a, _ in sorted(gets))
        results.add(
            Figure(
                f"{phase} sync N={size:,}",
                [r[key]["duration_s"] for r in ours],
                "s",
                target=f"{want_lists} LIST, {want_gets} GET",
                met=ok,
                note=f"{counted} (engine report = server count)"
                if all(a == b for a, b in lists | gets)
                else f"engine report and server disagree: {lists} {gets}",
            )
        )


def report_views(results: Results, size: int, runs: list[dict]) -> None:
    reindex = [x * 1000 for r in runs for x in r["reindex_s"]]
    views = [x * 1000 for r in runs for x in r["view_s"]]
    views_cpu = [x * 1000 for r in runs for x in r["view_cpu_s"]]
    results.add(
        Figure(f"store reindex after a version bump, N={size:,}", reindex, "ms")
    )
    results.add(
        Figure(
            f"recompute alone: reindex + build_view (cards, series, chart data, "
            f"table rows), N={size:,}",
            views,
            "ms",
            note=f"{runs[0]['view_rows']:,} table rows; CPU "
            f"{statistics.median(views_cpu):,.0f} ms",
        )
    )
    first = [x * 1000 for r in runs for x in r.get("first_view_s", [])]
    if first:
        results.add(
            Figure(
                f"first build_view with an empty row cache (first frame), N={size:,}",
                first,
                "ms",
                note="every table row built once",
            )
        )
    redraws = [r["redraw"] for r in runs if r.get("redraw")]
    if redraws:
        wall = [x * 1000 for r in redraws for x in r["wall_s"]]
        cpu = [x * 1000 for r in redraws for x in r["cpu_s"]]
        width, height = SCREEN
        # The targets hold for N = 10,000; --quick has no such N.
        full = size == 10_000
        results.add(
            Figure(
                f"recompute and redraw: one new run to a repainted dashboard, "
                f"headless {width}x{height}, N={size:,}",
                wall,
                "ms",
                target="<= 100 ms" if full else "",
                met=statistics.median(wall) <= 100 if full else None,
                note=f"{redraws[0]['charts']} chart panes; CPU "
                f"{statistics.median(cpu):,.0f} ms",
            )
        )


def report_memory(results: Results, size: int, runs: list[dict]) -> None:
    # ru_maxrss is in KiB; the figures are in MB of 10^6 bytes, as the target.
    peak = [r["final_peak_rss_kb"] * KIB / MB for r in runs]
    engine_peak = statistics.median(r["engine_peak_rss_kb"] * KIB / MB for r in runs)
    per_run = [
        (r["cold"]["rss_after_kb"] - r["baseline_rss_kb"]) * KIB / size for r in runs
    ]
    baseline = statistics.median(r["baseline_rss_kb"] * KIB / MB for r in runs)
    with_app = any(r.get("redraw") for r in runs)
    results.add(
        Figure(
            f"peak RSS, one process holding N={size:,} runs"
            + (" and running the dashboard" if with_app else ""),
            peak,
            "MB",
            digits=0,
            target="<= 200 MB" if size == 10_000 else "",
            met=statistics.median(peak) <= 200 if size == 10_000 else None,
            note=f"{statistics.median(peak) * MB / MIB:.0f} MiB; "
            f"{engine_peak:.0f} MB before the dashboard started, "
            f"{baseline:.0f} MB after imports",
        )
    )
    results.add(
        Figure(
            "resident bytes per run held (RSS growth / N)",
            per_run,
            "B",
            digits=0,
        )
    )


# -- 6. start-up -----------------------------------------------------------------------


def time_process(argv: list[str], markers: Sequence[str] = ()) -> dict[str, float]:
    """Seconds from spawn to each marker line on stdout, and to exit (``"exit"``)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
        cwd=BENCH_DIR,
    )
    seen: dict[str, float] = {}
    if markers:
        for line in process.stdout:
            word = line.strip()
            if word in markers:
                seen[word] = time.perf_counter() - started
    _, err = process.communicate(timeout=300)
    seen["exit"] = time.perf_counter() - started
    if process.returncode != 0 or set(markers) - set(seen):
        raise RuntimeError(f"{argv} exited {process.returncode}: {err[-2000:]}")
    return seen


def measure_startup(results: Results, reps: int, first_frame: bool) -> None:
    print("start-up", flush=True)
    exe = shutil.which("exo-bench-tui", path=str(Path(sys.executable).parent))
    if exe is None:
        print("  exo-bench-tui is not installed in this environment; skipped")
        return
    time_process([exe, "--help"])  # one untimed run fills the disk cache
    helps = [time_process([exe, "--help"])["exit"] for _ in range(reps)]
    results.add(
        Figure(
            "exo-bench-tui --help, wall time",
            [x * 1000 for x in helps],
            "ms",
            digits=0,
            target="<= 500 ms",
            met=statistics.median(helps) <= 0.5,
        )
    )
    if not first_frame:
        print("  first frame: not timed in --quick (each start-up runs moto)")
        return
    probe = [sys.executable, str(BENCH_DIR / "first_frame.py")]
    markers = ("DEMO_READY", "FIRST_FRAME", "DATA_FRAME")
    runs = [time_process(probe, markers) for _ in range(reps)]
    results.raw["startup"] = runs
    demo = statistics.median(r["DEMO_READY"] for r in runs)
    results.add(
        Figure(
            "start-up: process start to first frame, demo data (headless)",
            [r["FIRST_FRAME"] * 1000 for r in runs],
            "ms",
            digits=0,
            note=f"of which {demo * 1000:,.0f} ms start the demo's moto server "
            "and upload its history",
        )
    )
    results.add(
        Figure(
            "start-up: first frame to the first sync's data on screen",
            [(r["DATA_FRAME"] - r["FIRST_FRAME"]) * 1000 for r in runs],
            "ms",
            digits=0,
            note="one cold sync of the demo bucket from moto, then a repaint",
        )
    )
    results.add(
        Figure(
            "start-up: dashboard alone (first frame minus demo server)",
            [(r["FIRST_FRAME"] - r["DEMO_READY"]) * 1000 for r in runs],
            "ms",
            digits=0,
        )
    )


# -- the table -------------------------------------------------------------------------


def table(results: Results) -> str:
    head = ["figure", "median", "min – max", "n", "target", "", "note"]
    rows = [head, ["---"] * len(head)] + [f.row() for f in results.figures]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="exo-bench-tui benchmarks (see docs/BENCHMARKS.md)"
    )
    parser.add_argument("--quick", action="store_true", help="smaller N, < 1 min")
    parser.add_argument("--reps", type=int, default=5, help="repetitions (>= 5)")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--only",
        choices=["capacity", "sync", "startup"],
        action="append",
        help="run only these parts (repeatable)",
    )
    args = parser.parse_args(argv)
    if args.reps < 5:
        parser.error("--reps must be at least 5: every figure is a median of >= 5")
    plan = QUICK if args.quick else FULL
    # This process's own clients (moto capacity) get the dummy credentials too.
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        del os.environ[name]
    os.environ.update({k: v for k, v in child_env().items() if k.startswith("AWS_")})

    def parts(part: str) -> bool:
        return not args.only or part in args.only

    started = time.perf_counter()
    results = Results()
    results.raw["machine"] = machine()
    results.raw["plan"] = plan.__dict__ | {"latency_ms": args.latency_ms}
    print(json.dumps(results.raw["machine"]), flush=True)
    if parts("capacity"):
        with results.phase("capacity"):
            measure_capacity(plan, results, threads=CAPACITY_THREADS)
    if parts("sync"):
        measure_sync(plan, results, args.reps, args.latency_ms)
    if parts("startup"):
        with results.phase("start-up"):
            measure_startup(results, args.reps, plan.first_frame)
    elapsed = time.perf_counter() - started
    results.raw["duration_s"] = elapsed
    results.raw["phases_s"] = results.phases_s
    results.raw["load_average_at_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print()
    print(table(results))
    print()
    if "recommended_workers" in results.raw:
        print(
            "recommended workers (the first count past which a doubling saves "
            f"less than {DOUBLING_GAIN:.0%} of a cold sync of "
            f"N={plan.sweep_size:,}): "
            f"{results.raw['recommended_workers']}; "
            f"product default: {results.raw['default_workers']}"
        )
    print(
        "time by part: "
        + "; ".join(f"{name} {s:.0f} s" for name, s in results.phases_s.items())
    )
    print(
        f"latency {args.latency_ms:g} ms per S3 request; whole run {elapsed:.0f} s; "
        f"load average at end {results.raw['load_average_at_end']}"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                results.raw | {"table": [f.__dict__ for f in results.figures]},
                indent=1,
                default=str,
            )
        )
    missed = [f.name for f in results.figures if f.met is False]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

"""A made-up but realistic history of EXO benchmark results, for the demo.

The documents have the shape, rounding and quirks of EXO's staged benchmark
runner: both generations of the ``cluster`` section, multi-line HTTP 500
messages, ``null`` averages for a stage where every request failed, the first
successful request left out of the TTFT and decode averages, and metrics
snapshots. Every figure of a stage is derived from its requests, so a
document agrees with itself.

The story the demo tells, in five configurations over 60 days: Kimi K2's
decode speed drops by a quarter at one commit (a regression), DeepSeek's time
to first token improves by about 40 % at another, one Llama run loses four of
six requests, one Qwen stress test fails completely, and the older Llama
configuration is retired when the pipeline one replaces it.
"""

from __future__ import annotations

import json
import random
import statistics
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

HISTORY_DAYS = 60
PREFIX = "bench/"
BRANCH = "main"
GIB = 1024**3
RAM_TOTAL_BYTES = 512 * GIB
SNAPSHOT_INTERVAL_S = 0.5
MAX_SNAPSHOTS = 60
"""The real runner samples every 0.5 s for the whole run; capped so the demo's
documents stay tens of kilobytes."""

REGRESSION_AT = 0.55
"""Fraction of the history where the decode regression lands (Kimi)."""
REGRESSION_FACTOR = 0.75
IMPROVEMENT_AT = 0.30
"""Fraction of the history where the TTFT improvement lands (DeepSeek)."""
IMPROVEMENT_FACTOR = 0.6
FLAKY_RUN_AT = 0.70
"""The Llama pipeline run that loses four of six requests."""
FAILED_STAGE_AT = 0.45
"""The Qwen run whose stress test fails completely."""


@dataclass(frozen=True, slots=True)
class DemoObject:
    """One object for the demo bucket: key, JSON body and S3 metadata."""

    key: str
    body: bytes
    metadata: dict[str, str]


@dataclass(frozen=True, slots=True)
class StagePlan:
    name: str
    prompt_tokens: int
    generation_tokens: int
    iterations: int
    interval_s: float
    ttft_s: float
    """Typical time to first token at this prompt length."""
    decode_tps: float
    overlapping: bool = False
    """Requests start every ``interval_s`` without waiting (load stages)."""
    early_stop: float = 0.0
    """Chance that a reply ends before ``generation_tokens``."""


@dataclass(frozen=True, slots=True)
class SeriesPlan:
    name: str
    """A handle for tests and the feeder, not shown anywhere."""
    models: tuple[str, ...]
    hardware: tuple[str, ...]
    config_file: str
    nodes: int
    stages: tuple[StagePlan, ...]
    active: tuple[float, float]
    """The part of the history (0..1) when CI ran this configuration."""
    sharding: str | None = None
    instance_meta: str | None = None
    strategy: str | None = None
    """The older runner's single field; used when ``sharding`` is None."""
    ram_used_fraction: float = 0.5
    timeout_s: int = 900


_SIMPLE = ".github/configs/bench_simple.yaml"
_LOAD = ".github/configs/bench_config.yaml"

SERIES: tuple[SeriesPlan, ...] = (
    SeriesPlan(
        name="kimi",
        models=("mlx-community/Kimi-K2-Thinking",),
        hardware=("puffin4", "puffin8"),
        config_file=_SIMPLE,
        nodes=2,
        sharding="Tensor",
        instance_meta="MlxIbv",
        active=(0.0, 1.0),
        ram_used_fraction=0.62,
        timeout_s=1800,
        stages=(
            StagePlan("pp64_g64", 64, 64, 4, 0.5, 0.30, 33.6),
            StagePlan("pp256_g64", 256, 64, 4, 0.5, 0.72, 33.5),
            StagePlan("pp1024_g64", 1024, 64, 3, 0.5, 2.52, 33.1),
        ),
    ),
    SeriesPlan(
        name="deepseek",
        models=("mlx-community/DeepSeek-V3.1-8bit",),
        hardware=("puffin4",),
        config_file=_SIMPLE,
        nodes=2,
        strategy="tensor_rdma",
        active=(0.0, 1.0),
        ram_used_fraction=0.78,
        stages=(StagePlan("simple", 512, 10, 6, 0.5, 1.73, 24.8),),
    ),
    SeriesPlan(
        name="llama-tensor",
        models=("mlx-community/Llama-3.3-70B-Instruct-4bit",),
        hardware=("puffin4",),
        config_file=_SIMPLE,
        nodes=2,
        strategy="tensor",
        active=(0.0, 0.4),
        ram_used_fraction=0.1,
        stages=(StagePlan("simple", 512, 10, 6, 0.5, 2.79, 14.8),),
    ),
    SeriesPlan(
        name="llama-pipeline",
        models=("mlx-community/Llama-3.3-70B-Instruct-4bit",),
        hardware=("puffin4", "puffin8"),
        config_file=_SIMPLE,
        nodes=2,
        sharding="Pipeline",
        instance_meta="MlxRing",
        active=(0.4, 1.0),
        ram_used_fraction=0.12,
        stages=(StagePlan("simple", 512, 64, 6, 0.5, 1.95, 17.4),),
    ),
    SeriesPlan(
        name="qwen",
        models=("mlx-community/Qwen3-0.6B-4bit", "mlx-community/Qwen3-0.6B-4bit"),
        hardware=("puffin5", "puffin6"),
        config_file=_LOAD,
        nodes=4,
        sharding="Pipeline",
        instance_meta="MlxRing",
        active=(0.0, 1.0),
        ram_used_fraction=0.05,
        timeout_s=600,
        stages=(
            StagePlan("warmup", 50, 100, 6, 0.5, 0.16, 189.0, early_stop=0.2),
            StagePlan("medium_load", 200, 150, 8, 0.3, 0.7, 173.0, True, 0.25),
            StagePlan("stress_test", 500, 200, 10, 0.1, 2.3, 172.0, True, 0.2),
            StagePlan("cooldown", 50, 50, 3, 0.5, 0.17, 195.0),
        ),
    ),
)

_SERVER_ERROR = (
    "HTTP 500 Internal Server Error\n"
    "URL: http://localhost:{port}/v1/chat/completions\n"
    "Headers:\n"
    "  date: {date}\n"
    "  server: uvicorn\n"
    "  content-length: 21\n"
    "  content-type: text/plain; charset=utf-8\n"
    "Body: "
)
_TIMED_OUT = "timed out"
_RESET = "[Errno 104] Connection reset by peer"
_CLOSED = "Remote end closed connection without response"
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@dataclass(slots=True)
class _Request:
    started_at: float
    completed_at: float
    success: bool
    tokens: int
    ttft_s: float | None
    decode_tps: float | None
    error: str | None
    instance: int


class HistoryGenerator:
    """Builds runs one after another; the same seed gives the same history.

    :meth:`history` makes the past; :meth:`next_run` continues it (the demo's
    feeder calls it every 20 s or so with the current time).
    """

    def __init__(self, *, now: datetime, seed: int = 7, runs: int = 240) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.now = now.astimezone(UTC)
        self.runs = runs
        self.start = self.now - timedelta(days=HISTORY_DAYS)
        self._rng = random.Random(seed)
        self._seed = seed
        self._run_id = 18_900_000_000 + self._rng.randrange(1_000_000)
        self._commit = self._new_commit()
        self._commits_left = 0
        self._turn = 0
        self._regressed = False
        self._improved = False
        self._flaky_done = False
        self._failed_stage_done = False
        self._nodes = {plan.name: self._node_ids(plan) for plan in SERIES}
        self._port = 61_000 + self._rng.randrange(4_000)

    # -- the timeline --------------------------------------------------------

    def history(self) -> Iterator[DemoObject]:
        """``runs`` results spread over the 60 days before ``now``, oldest first."""
        span_s = (self.now - self.start).total_seconds() - 3_600
        step_s = span_s / self.runs
        for index in range(self.runs):
            jitter = self._rng.uniform(-0.3, 0.3) * step_s
            at = self.start + timedelta(seconds=index * step_s + step_s / 2 + jitter)
            yield self._run(at, index / self.runs)

    def next_run(self, at: datetime) -> DemoObject:
        """One more result, finished at ``at`` (after the history)."""
        return self._run(at.astimezone(UTC), 1.0)

    def _run(self, completed: datetime, fraction: float) -> DemoObject:
        if self._commits_left <= 0:
            self._commit = self._new_commit()
            self._commits_left = self._rng.randint(1, 5)
            # Step changes land with a commit, as real ones do.
            self._regressed = self._regressed or fraction >= REGRESSION_AT
            self._improved = self._improved or fraction >= IMPROVEMENT_AT
        self._commits_left -= 1
        active = [p for p in SERIES if p.active[0] <= fraction <= p.active[1]]
        plan = active[self._turn % len(active)]
        self._turn += 1
        self._run_id += self._rng.randint(15_000, 120_000)
        document = self._document(plan, completed, fraction)
        uploaded = completed + timedelta(seconds=self._rng.uniform(3, 25))
        key = (
            f"{PREFIX}{uploaded:%Y/%m/%d/%H%M%S}_{self._commit[:8]}_{self._run_id}.json"
        )
        # Compact: the C encoder is ten times faster than indent=2 for the same data.
        body = json.dumps(document).encode("utf-8")
        metadata = {"commit": self._commit, "run_id": str(self._run_id)}
        metadata["branch"] = BRANCH
        return DemoObject(key, body, metadata)

    # -- one document --------------------------------------------------------

    def _document(
        self, plan: SeriesPlan, completed: datetime, fraction: float
    ) -> dict[str, Any]:
        rng = self._rng
        instances = [
            str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in plan.models
        ]
        # Work backwards from the completion time: durations first.
        run_factor = rng.gauss(1.0, 0.03)
        stages_requests = []
        for stage in plan.stages:
            stages_requests.append(
                self._requests(plan, stage, run_factor, len(instances), fraction)
            )
        # Lay the stages end to end, then shift them to end at ``completed``.
        timelines, cursor = [], 0.0
        for stage, requests in zip(plan.stages, stages_requests, strict=True):
            placed = self._place(stage, requests, cursor)
            timelines.append(placed)
            cursor = max(r.completed_at for r in placed) + rng.uniform(0.0, 0.01)
        end_offset = completed.timestamp() - rng.uniform(0.05, 0.4) - cursor
        for placed in timelines:
            for request in placed:
                request.started_at += end_offset
                request.completed_at += end_offset
        first_start = timelines[0][0].started_at
        started_at = first_start - rng.uniform(30.0, 45.0)  # loading the model
        finished_at = completed.timestamp()
        results = [
            self._stage_result(stage, placed)
            for stage, placed in zip(plan.stages, timelines, strict=True)
        ]
        cluster: dict[str, Any] = {
            "model_ids": list(plan.models),
            "instance_ids": instances,
            "instance_count": len(instances),
            "runner_count": max(1, plan.nodes // len(instances)),
        }
        if plan.sharding is None:
            cluster["strategy"] = plan.strategy
        else:
            cluster["sharding"] = plan.sharding
            cluster["instance_meta"] = plan.instance_meta
        return {
            "metadata": {
                "benchmark_started_at": started_at,
                "benchmark_completed_at": finished_at,
                "total_duration_s": finished_at - started_at,
                "git_commit": self._commit,
                "config_file": plan.config_file,
                "hardware_labels": list(plan.hardware),
                "expected_nodes": plan.nodes,
                "timeout_seconds": plan.timeout_s,
            },
            "cluster": cluster,
            "configuration": {
                "stages": [
                    {
                        "name": stage.name,
                        "prompt_length": stage.prompt_tokens,
                        "generation_length": stage.generation_tokens,
                        "time_between_requests": stage.interval_s,
                        "iterations": stage.iterations,
                    }
                    for stage in plan.stages
                ]
            },
            "results": {"stages": results},
            "metrics": {
                "snapshots": self._snapshots(plan, instances, timelines, fraction)
            },
        }

    def _requests(
        self,
        plan: SeriesPlan,
        stage: StagePlan,
        run_factor: float,
        instances: int,
        fraction: float,
    ) -> list[_Request]:
        rng = self._rng
        ttft_s = stage.ttft_s * run_factor
        decode_tps = stage.decode_tps / run_factor
        if plan.name == "kimi" and self._regressed:
            decode_tps *= REGRESSION_FACTOR
        if plan.name == "deepseek" and self._improved:
            ttft_s *= IMPROVEMENT_FACTOR
        errors = self._errors(plan, stage, fraction)
        requests = []
        for index in range(stage.iterations):
            error = errors.get(index)
            if error is not None:
                requests.append(
                    _Request(0.0, 0.0, False, 0, None, None, error, index % instances)
                )
                continue
            tokens = stage.generation_tokens
            if rng.random() < stage.early_stop:
                tokens = rng.randint(stage.generation_tokens // 3, tokens - 1)
            # The first request of a stage pays for a cold cache.
            cold = 1.12 if index == 0 else 1.0
            ttft = max(0.01, ttft_s * cold * rng.gauss(1.0, 0.04))
            tps = max(1.0, decode_tps * rng.gauss(1.0, 0.015))
            requests.append(
                _Request(
                    0.0,
                    0.0,
                    True,
                    tokens,
                    round(ttft, 3),
                    round(tps, 2),
                    None,
                    index % instances,
                )
            )
        return requests

    def _errors(
        self, plan: SeriesPlan, stage: StagePlan, fraction: float
    ) -> dict[int, str]:
        """Which requests fail (by index) and with what message."""
        rng = self._rng
        if (
            plan.name == "llama-pipeline"
            and fraction >= FLAKY_RUN_AT
            and not self._flaky_done
        ):
            self._flaky_done = True
            return {
                1: self._server_error(),
                2: _TIMED_OUT,
                3: _RESET,
                5: _CLOSED,
            }
        if (
            plan.name == "qwen"
            and stage.name == "stress_test"
            and fraction >= FAILED_STAGE_AT
            and not self._failed_stage_done
        ):
            self._failed_stage_done = True
            message = self._server_error()
            return {index: message for index in range(stage.iterations)}
        errors = {}
        for index in range(stage.iterations):
            if rng.random() < 0.012:
                errors[index] = rng.choice(
                    [_TIMED_OUT, _RESET, _CLOSED, self._server_error()]
                )
        return errors

    def _server_error(self) -> str:
        # The runner prints the response's Date header; any plausible one will do.
        moment = self.start + timedelta(seconds=self._rng.uniform(0, 5e6))
        return _SERVER_ERROR.format(
            port=self._port, date=f"{moment:%a, %d %b %Y %H:%M:%S} GMT"
        )

    def _place(
        self, stage: StagePlan, requests: list[_Request], start: float
    ) -> list[_Request]:
        """Give each request its start and end times, from ``start`` on."""
        rng = self._rng
        cursor = start
        for index, request in enumerate(requests):
            if stage.overlapping:
                request.started_at = start + index * stage.interval_s
            else:
                request.started_at = cursor
            if request.success:
                assert request.ttft_s is not None and request.decode_tps is not None
                elapsed = (
                    request.ttft_s
                    + request.tokens / request.decode_tps
                    + rng.uniform(0.0, 0.02)
                )
            elif request.error == _TIMED_OUT:
                elapsed = 60.0 + rng.uniform(0.02, 0.08)
            elif request.error and request.error.startswith("HTTP 500"):
                elapsed = rng.uniform(0.03, 0.2)
            else:
                elapsed = rng.uniform(0.2, 3.0)
            request.completed_at = request.started_at + round(elapsed, 3)
            cursor = request.completed_at + stage.interval_s + rng.uniform(0, 0.002)
        return requests

    def _stage_result(
        self, stage: StagePlan, requests: list[_Request]
    ) -> dict[str, Any]:
        """The stage's figures, derived from its requests as the runner does."""
        succeeded = [r for r in requests if r.success]
        # The runner leaves the first successful request out of the TTFT and
        # decode averages (it warms the cache), unless it is the only one.
        measured = succeeded[1:] or succeeded
        total = len(requests)
        total_tokens = sum(r.tokens for r in requests)
        elapsed_sum = sum(r.completed_at - r.started_at for r in requests)
        ttfts = [r.ttft_s for r in measured if r.ttft_s is not None]
        speeds = [r.decode_tps for r in measured if r.decode_tps is not None]
        ms_per_token = [1000.0 / s for s in speeds]
        started = min(r.started_at for r in requests)
        completed = max(r.completed_at for r in requests)
        return {
            "name": stage.name,
            "total_requests": total,
            "successful_requests": len(succeeded),
            "failed_requests": total - len(succeeded),
            "success_rate": round(len(succeeded) / total, 4),
            "total_tokens": total_tokens,
            "avg_tokens_per_request": _average(total_tokens, len(succeeded), 2),
            "avg_time_per_request": _average(elapsed_sum, len(succeeded), 3),
            "avg_time_to_first_token": _mean(ttfts, 3),
            "std_time_to_first_token": _stdev(ttfts, 3),
            "avg_decode_tps": _mean(speeds, 2),
            "avg_ms_per_token": _mean(ms_per_token, 2),
            "std_ms_per_token": _stdev(ms_per_token, 2),
            "stage_started_at": started,
            "stage_completed_at": completed,
            "stage_duration_s": completed - started,
            "requests": [
                {
                    "request_id": index + 1,
                    "success": r.success,
                    "tokens": r.tokens,
                    "elapsed_s": round(r.completed_at - r.started_at, 3),
                    "started_at": r.started_at,
                    "completed_at": r.completed_at,
                    "time_to_first_token_s": r.ttft_s,
                    "decode_tps": r.decode_tps,
                    "error": r.error,
                }
                for index, r in enumerate(requests)
            ],
        }

    # -- metrics snapshots ---------------------------------------------------

    def _snapshots(
        self,
        plan: SeriesPlan,
        instances: list[str],
        timelines: list[list[_Request]],
        fraction: float,
    ) -> list[dict[str, Any]]:
        rng = self._rng
        nodes = self._nodes[plan.name]
        requests = [r for placed in timelines for r in placed]
        first = min(r.started_at for r in requests)
        last = max(r.completed_at for r in requests)
        count = int((last - first) / SNAPSHOT_INTERVAL_S)
        count = max(20, min(MAX_SNAPSHOTS, count))
        step = (last - first) / count
        # Each instance runs on one node; the other nodes hold its shards.
        home = {
            i: nodes[(i * len(nodes)) // len(instances)] for i in range(len(instances))
        }
        used = {node: plan.ram_used_fraction * rng.uniform(0.9, 1.1) for node in nodes}
        swap = {node: rng.choice([0, 0, 1, 2, 3]) * GIB for node in nodes}
        snapshots = []
        for index in range(count):
            at = first + step * (index + 0.1)
            node_memory = {}
            for node in nodes:
                used[node] = min(0.97, max(0.02, used[node] + rng.gauss(0, 0.002)))
                used_bytes = int(RAM_TOTAL_BYTES * used[node])
                swap_used = int(swap[node] * rng.uniform(0.0, 0.3))
                node_memory[node] = {
                    "ram_total_bytes": RAM_TOTAL_BYTES,
                    "ram_available_bytes": RAM_TOTAL_BYTES - used_bytes,
                    "ram_used_bytes": used_bytes,
                    "swap_total_bytes": swap[node],
                    "swap_available_bytes": swap[node] - swap_used,
                    "swap_used_bytes": swap_used,
                }
            instance_tasks = []
            for number, instance in enumerate(instances):
                busy = sum(
                    1
                    for r in requests
                    if r.instance == number and r.started_at <= at < r.completed_at
                )
                running = min(busy, 1)
                instance_tasks.append(
                    {
                        "instance_id": instance,
                        "node_id": home[number],
                        "pending_tasks": busy - running,
                        "running_tasks": running,
                        "total_active_tasks": busy,
                    }
                )
            node_tasks = []
            for node in sorted(set(home.values()), key=nodes.index):
                mine = [t for t in instance_tasks if t["node_id"] == node]
                node_tasks.append(
                    {
                        "node_id": node,
                        "pending_tasks": sum(t["pending_tasks"] for t in mine),
                        "running_tasks": sum(t["running_tasks"] for t in mine),
                        "total_active_tasks": sum(
                            t["total_active_tasks"] for t in mine
                        ),
                        "instance_count": len(mine),
                    }
                )
            snapshots.append(
                {
                    "timestamp": at,
                    "node_memory": node_memory,
                    "instance_tasks": instance_tasks,
                    "node_tasks": node_tasks,
                }
            )
        return snapshots

    # -- identities ----------------------------------------------------------

    def _new_commit(self) -> str:
        return f"{self._rng.getrandbits(160):040x}"

    def _node_ids(self, plan: SeriesPlan) -> list[str]:
        # The same machines in every run of a configuration.
        rng = random.Random(f"{self._seed}:{plan.name}")
        return [
            "12D3KooW" + "".join(rng.choice(_BASE58) for _ in range(44))
            for _ in range(plan.nodes)
        ]


def _average(total: float, count: int, digits: int) -> float | None:
    return round(total / count, digits) if count else None


def _mean(values: list[float], digits: int) -> float | None:
    return round(statistics.fmean(values), digits) if values else None


def _stdev(values: list[float], digits: int) -> float | None:
    return round(statistics.pstdev(values), digits) if values else None


def generate_history(
    *, now: datetime, seed: int = 7, runs: int = 240
) -> Iterator[DemoObject]:
    """``runs`` result documents over the 60 days before ``now``, oldest first.

    Deterministic for a given ``now`` and ``seed``. Each object has the key
    ``bench/YYYY/MM/DD/HHMMSS_<sha8>_<run id>.json`` and the metadata
    ``commit``, ``run_id`` and ``branch`` that EXO's CI job writes.
    """
    return HistoryGenerator(now=now, seed=seed, runs=runs).history()

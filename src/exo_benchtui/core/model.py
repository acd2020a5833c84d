"""Small frozen records for what the dashboard plots and lists.

A :class:`Run` is the compact form of one benchmark result document: only the
figures the charts, cards, table and summary need. The heavy parts of a
document (per-request lists, metrics snapshots) are not kept here; see
:class:`RunDetail`, which is read again on demand.

All times are timezone-aware UTC. Units are in the field names.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum


class TimeSource(Enum):
    """Where a run's time came from, most trusted first."""

    DOCUMENT = "document"
    """``metadata.benchmark_completed_at``."""
    KEY = "key"
    """The ``YYYY/MM/DD/HHMMSS`` part of the object key."""
    LAST_MODIFIED = "last_modified"
    """The object's LastModified from the listing."""


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in a document that did not stop it from being read."""

    key: str
    """The object key (or file path) of the document."""
    path: str
    """A JSON path inside the document, like ``$.results.stages[2].success_rate``."""
    message: str
    """What was wrong, in words."""

    def __str__(self) -> str:
        return f"{self.key}: {self.path}: {self.message}"


@dataclass(frozen=True, slots=True)
class SeriesKey:
    """What makes two run-stages comparable: same models, load and cluster."""

    models: tuple[str, ...]
    stage_name: str
    prompt_tokens: int | None
    generation_tokens: int | None
    iterations: int | None
    request_interval_s: float | None
    hardware: tuple[str, ...]
    strategy: str | None
    config_file: str | None
    id: str = field(init=False, compare=False, repr=False)
    """A short id that is the same for the same key in every process."""

    def __post_init__(self) -> None:
        canonical = json.dumps(
            [
                list(self.models),
                self.stage_name,
                self.prompt_tokens,
                self.generation_tokens,
                self.iterations,
                self.request_interval_s,
                list(self.hardware),
                self.strategy,
                self.config_file,
            ],
            separators=(",", ":"),
            ensure_ascii=True,
        )
        digest = hashlib.sha1(canonical.encode("ascii")).hexdigest()[:12]
        # Computed once: the store groups tens of thousands of stages by it.
        object.__setattr__(self, "id", digest)


@dataclass(frozen=True, slots=True)
class StageFigures:
    """The figures of one stage of one run, with the browser page's definitions.

    Every figure is ``None`` where the document had no usable value.
    """

    name: str
    series: SeriesKey
    total_requests: int | None
    successful: int | None
    failed: int | None
    success_rate_pct: float | None
    """``success_rate`` × 100."""
    avg_response_ms: float | None
    """``avg_time_per_request`` × 1000."""
    throughput_tps: float | None
    """``avg_tokens_per_request`` / ``avg_time_per_request``; None if time is 0."""
    ttft_ms: float | None
    ttft_std_ms: float | None
    decode_tps: float | None
    ms_per_token: float | None
    ms_per_token_std: float | None
    total_tokens: int | None
    duration_s: float | None
    failure_reasons: tuple[tuple[str, int], ...] = ()
    """(error message, count) pairs, most frequent first."""


@dataclass(frozen=True, slots=True)
class Run:
    """One benchmark result document, reduced to what the dashboard needs."""

    key: str
    """The object key: a run's identity."""
    completed_at: datetime
    """When the run finished, timezone-aware UTC."""
    time_source: TimeSource
    git_commit: str | None
    branch: str | None
    """From the S3 object metadata, when the source has it."""
    run_id: str | None
    """The CI run id, from the S3 object metadata or the key."""
    config_file: str | None
    hardware: tuple[str, ...]
    models: tuple[str, ...]
    strategy: str | None
    """For people: ``Tensor (MLX IBV)``, or the older ``strategy`` field."""
    expected_nodes: int | None
    instance_count: int | None
    runner_count: int | None
    duration_s: float | None
    stages: tuple[StageFigures, ...]

    @property
    def short_commit(self) -> str:
        return (self.git_commit or "")[:8]

    @property
    def successful(self) -> int:
        """Successful requests over all stages."""
        return sum(s.successful or 0 for s in self.stages)

    @property
    def failed(self) -> int:
        """Failed requests over all stages."""
        return sum(s.failed or 0 for s in self.stages)


@dataclass(frozen=True, slots=True)
class StoredObject:
    """How the source listed an object, so a sync can tell if it changed."""

    key: str
    etag: str | None
    size_bytes: int | None


@dataclass(frozen=True, slots=True)
class ParseOutcome:
    """What reading one document gave: a run and its problems, or an error.

    Exactly one of ``run`` and ``error`` is set.
    """

    key: str
    run: Run | None
    problems: tuple[Problem, ...] = ()
    error: str | None = None
    """Why the document could not be read at all."""

    @property
    def ok(self) -> bool:
        return self.run is not None


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request of a stage, for the run detail screen."""

    request_id: int | None
    success: bool | None
    tokens: int | None
    elapsed_s: float | None
    ttft_s: float | None
    decode_tps: float | None
    error: str | None


@dataclass(frozen=True, slots=True)
class StageConfig:
    """A stage as configured."""

    name: str
    prompt_tokens: int | None
    generation_tokens: int | None
    request_interval_s: float | None
    iterations: int | None


@dataclass(frozen=True, slots=True)
class MetricSeries:
    """One line of the detail charts: (Unix seconds, value) pairs."""

    name: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class RunDetail:
    """The heavy parts of one document, read again when its detail opens."""

    key: str
    configs: tuple[StageConfig, ...]
    """Per stage, in the order of ``Run.stages`` (matched by position)."""
    requests: tuple[tuple[RequestRecord, ...], ...]
    """Per stage, in the order of ``Run.stages``."""
    node_running: tuple[MetricSeries, ...] = ()
    """Running tasks per node over time."""
    instance_running: tuple[MetricSeries, ...] = ()
    """Running tasks per instance over time."""
    cluster_pending: MetricSeries | None = None
    cluster_running: MetricSeries | None = None
    node_memory_used_bytes: tuple[MetricSeries, ...] = ()
    problems: tuple[Problem, ...] = field(default=())

"""EXO benchmark result documents: bytes in, a compact :class:`Run` out.

Reading never raises. A document gives either a run plus the problems found in
it (each naming the object key and a JSON path such as
``$.results.stages[1].avg_time_per_request``), or a parse error naming the
reason. Every field may be missing, null, of the wrong type, NaN or Infinity;
``null`` is how the runner says "no value" (a stage where every request
failed has null averages), so it is accepted silently, while a missing field
or a wrong type is a problem.

Only what the dashboard plots and lists is kept (see :class:`Run`); the
per-request lists and metrics snapshots are read again by :func:`read_detail`
when someone opens one run.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from exo_benchtui.core.model import (
    MetricSeries,
    ParseOutcome,
    Problem,
    RequestRecord,
    Run,
    RunDetail,
    SeriesKey,
    StageConfig,
    StageFigures,
    TimeSource,
)
from exo_benchtui.core.series import strategy_label

DEFAULT_MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
"""Documents larger than this are refused without being decoded (64 MiB)."""

MAX_PROBLEMS_PER_DOCUMENT = 50
"""Beyond this many, problems are counted, not listed: one broken generator
must not fill memory with thousands of identical complaints."""

MAX_REASON_CHARS = 200
"""Failure reasons are cut to this length; they are labels, not logs."""

UNKNOWN_ERROR = "unknown error"

# ``bench/2025/11/12/022001_133fed9b_19283390447.json``; a directory copy may
# write the slashes as underscores (``bench_2025_11_12_022001_…``).
_KEY_TIME = re.compile(
    r"(?<!\d)(\d{4})[/_](\d{2})[/_](\d{2})[/_](\d{2})(\d{2})(\d{2})(?!\d)"
)
_KEY_COMMIT_RUN = re.compile(r"_([0-9a-fA-F]{7,40})_(\d+)\.json$")

_MISSING: Any = object()

# Identical series keys and label tuples are shared between runs: ten
# thousand runs of a handful of configurations then cost one copy each.
# Sync workers parse in parallel; a race only makes an equal duplicate.
_SERIES_KEYS: dict[tuple[Any, ...], SeriesKey] = {}
_STRING_TUPLES: dict[tuple[str, ...], tuple[str, ...]] = {}
_MAX_SHARED = 100_000  # a bound so hostile input cannot grow these forever


def _shared_tuple(items: list[str]) -> tuple[str, ...]:
    value = tuple(sys.intern(item) for item in items)
    found = _STRING_TUPLES.get(value)
    if found is not None:
        return found
    if len(_STRING_TUPLES) >= _MAX_SHARED:
        _STRING_TUPLES.clear()
    _STRING_TUPLES[value] = value
    return value


def _series_key(*fields: Any) -> SeriesKey:
    found = _SERIES_KEYS.get(fields)
    if found is not None:
        return found
    if len(_SERIES_KEYS) >= _MAX_SHARED:
        _SERIES_KEYS.clear()
    key = SeriesKey(*fields)
    _SERIES_KEYS[fields] = key
    return key


def _intern(text: str | None) -> str | None:
    return None if text is None else sys.intern(text)


def _describe(value: Any) -> str:
    """A value's JSON kind, for messages: ``a string``, ``true``, ``a list``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _child(path: str, name: str) -> str:
    if name.isidentifier():
        return f"{path}.{name}"
    return f"{path}[{json.dumps(name)}]"


def _finite(value: float | None) -> float | None:
    """Arithmetic on huge but finite inputs can overflow; such results are
    no value rather than a line off the top of every chart."""
    if value is None or not math.isfinite(value):
        return None
    return value


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else _finite(value * factor)


class _Reader:
    """Typed field access that records a problem instead of raising."""

    __slots__ = ("dropped", "key", "problems")

    def __init__(self, key: str) -> None:
        self.key = key
        self.problems: list[Problem] = []
        self.dropped = 0

    def note(self, path: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS_PER_DOCUMENT:
            self.problems.append(Problem(self.key, path, message))
        else:
            self.dropped += 1

    def finish(self) -> tuple[Problem, ...]:
        if self.dropped:
            self.problems.append(
                Problem(self.key, "$", f"{self.dropped} more problems not listed")
            )
            self.dropped = 0
        return tuple(self.problems)

    def raw(
        self, parent: dict[str, Any] | None, name: str, path: str, required: bool
    ) -> Any:
        """The value at ``parent[name]``; ``_MISSING`` if the parent is absent."""
        if parent is None:
            return _MISSING
        if name not in parent:
            if required:
                self.note(_child(path, name), "missing")
            return _MISSING
        return parent[name]

    def section(
        self, parent: dict[str, Any] | None, name: str, path: str, required=True
    ) -> dict[str, Any] | None:
        value = self.raw(parent, name, path, required)
        if value is _MISSING:
            return None
        if not isinstance(value, dict):
            self.note(
                _child(path, name), f"expected an object, found {_describe(value)}"
            )
            return None
        return value

    def items(
        self, parent: dict[str, Any] | None, name: str, path: str, required=True
    ) -> list[Any] | None:
        value = self.raw(parent, name, path, required)
        if value is _MISSING or value is None:
            return None
        if not isinstance(value, list):
            self.note(_child(path, name), f"expected a list, found {_describe(value)}")
            return None
        return value

    def number(
        self,
        parent: dict[str, Any] | None,
        name: str,
        path: str,
        *,
        required: bool = True,
        minimum: float | None = 0.0,
    ) -> float | None:
        """A finite number (not a bool), or None with a problem noted."""
        return self.check_number(
            self.raw(parent, name, path, required), _child(path, name), minimum
        )

    def check_number(
        self, value: Any, path: str, minimum: float | None = 0.0
    ) -> float | None:
        if value is _MISSING or value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.note(path, f"expected a number, found {_describe(value)}")
            return None
        try:
            number = float(value)
        except OverflowError:
            self.note(path, "number too large")
            return None
        if not math.isfinite(number):
            # Python's json reads NaN, Infinity and 1e999; JSON has no such
            # numbers and a chart cannot place them.
            self.note(path, f"{value!r} is not a valid number")
            return None
        if minimum is not None and number < minimum:
            self.note(path, f"{number:g} is below {minimum:g}")
            return None
        return number

    def integer(
        self,
        parent: dict[str, Any] | None,
        name: str,
        path: str,
        *,
        required: bool = True,
    ) -> int | None:
        """A whole number ≥ 0 (``6`` or ``6.0``, not ``true``), or None."""
        value = self.raw(parent, name, path, required)
        if value is _MISSING or value is None:
            return None
        where = _child(path, name)
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and math.isfinite(value):
                self.note(where, f"expected a whole number, found {value!r}")
            elif isinstance(value, float):
                self.note(where, f"{value!r} is not a valid number")
            else:
                self.note(where, f"expected a whole number, found {_describe(value)}")
            return None
        if value < 0:
            self.note(where, f"{value} is below 0")
            return None
        return value

    def string(
        self,
        parent: dict[str, Any] | None,
        name: str,
        path: str,
        *,
        required: bool = True,
    ) -> str | None:
        value = self.raw(parent, name, path, required)
        if value is _MISSING or value is None:
            return None
        if not isinstance(value, str):
            self.note(
                _child(path, name), f"expected a string, found {_describe(value)}"
            )
            return None
        return value

    def strings(
        self, parent: dict[str, Any] | None, name: str, path: str
    ) -> tuple[str, ...]:
        values = self.items(parent, name, path)
        if values is None:
            return ()
        where = _child(path, name)
        kept = []
        for index, value in enumerate(values):
            if isinstance(value, str):
                kept.append(value)
            else:
                self.note(
                    f"{where}[{index}]", f"expected a string, found {_describe(value)}"
                )
        return _shared_tuple(kept)


# -- decoding ------------------------------------------------------------


def _decode(body: bytes, max_bytes: int) -> tuple[Any, str | None]:
    """The JSON value of ``body``, or (None, why it could not be read)."""
    if len(body) > max_bytes:
        return None, (
            f"document is {len(body):,} bytes, over the {max_bytes:,}-byte limit; "
            "not read"
        )
    try:
        text = (body if isinstance(body, bytes) else bytes(body)).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 text (invalid byte at offset {exc.start})"
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        # Some of json's messages end in "at" ("Invalid control character at").
        what = exc.msg.removesuffix(" at")
        return None, f"not JSON: {what} at line {exc.lineno} column {exc.colno}"
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        return None, f"not JSON: {exc}"
    except RecursionError:
        return None, "not JSON that can be read: nested too deeply"


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _from_unix(seconds: float) -> datetime | None:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def key_time(key: str) -> datetime | None:
    """The ``YYYY/MM/DD/HHMMSS`` timestamp in an object key, as UTC, or None."""
    match = _KEY_TIME.search(key)
    if match is None:
        return None
    try:
        return datetime(*(int(part) for part in match.groups()), tzinfo=UTC)
    except ValueError:
        return None


def failure_reason(error: Any) -> str:
    """The label under which a failed request's error is counted.

    The runner's HTTP 500 message spans several lines (status, URL with the
    port, headers with a per-request date, body), so grouping by the whole
    message would give one group per request. The label is therefore the
    message's first non-empty line, stripped (``HTTP 500 Internal Server
    Error``), cut to :data:`MAX_REASON_CHARS`; a missing, empty or non-string
    error is ``unknown error``. A request counts as failed unless its
    ``success`` is ``true``. A stage's ``failure_reasons`` list
    (label, count) pairs by count, highest first, then by label.
    """
    if not isinstance(error, str):
        return UNKNOWN_ERROR
    for line in error.splitlines():
        line = line.strip()
        if line:
            if len(line) > MAX_REASON_CHARS:
                line = line[: MAX_REASON_CHARS - 1] + "…"
            return sys.intern(line)
    return UNKNOWN_ERROR


# -- the run -------------------------------------------------------------


class _Stage:
    """One results stage matched by position with its configuration."""

    __slots__ = ("config", "config_path", "index", "name", "result", "result_path")

    def __init__(self, index, name, config, config_path, result, result_path):
        self.index = index
        self.name = name
        self.config: dict[str, Any] | None = config
        self.config_path = config_path
        self.result: dict[str, Any] | None = result
        self.result_path = result_path


def _stages(reader: _Reader, document: dict[str, Any]) -> list[_Stage]:
    """Results stages paired with configuration stages by index."""
    configuration = reader.section(document, "configuration", "$")
    results = reader.section(document, "results", "$")
    configs = reader.items(configuration, "stages", "$.configuration") or []
    outcomes = reader.items(results, "stages", "$.results") or []
    if (
        configuration is not None
        and results is not None
        and (len(configs) != len(outcomes))
    ):
        reader.note(
            "$.results.stages",
            f"{len(outcomes)} result stages for {len(configs)} configured stages; "
            "matched by position",
        )
    stages = []
    for index, result in enumerate(outcomes):
        result_path = f"$.results.stages[{index}]"
        config_path = f"$.configuration.stages[{index}]"
        config = configs[index] if index < len(configs) else None
        if config is not None and not isinstance(config, dict):
            reader.note(config_path, f"expected an object, found {_describe(config)}")
            config = None
        if not isinstance(result, dict):
            reader.note(result_path, f"expected an object, found {_describe(result)}")
            continue
        config_name = reader.string(config, "name", config_path)
        result_name = reader.string(result, "name", result_path)
        if None not in (config_name, result_name) and config_name != result_name:
            reader.note(
                f"{result_path}.name",
                f"{result_name!r} differs from the configured name "
                f"{config_name!r}; matched by position",
            )
        name = config_name or result_name or f"stage {index + 1}"
        stages.append(
            _Stage(index, sys.intern(name), config, config_path, result, result_path)
        )
    return stages


def _failure_reasons(
    reader: _Reader, result: dict[str, Any], path: str
) -> tuple[tuple[str, int], ...]:
    requests = reader.items(result, "requests", path)
    if not requests:
        return ()
    counts: Counter[str] = Counter()
    for index, request in enumerate(requests):
        where = f"{path}.requests[{index}]"
        if not isinstance(request, dict):
            reader.note(where, f"expected an object, found {_describe(request)}")
            continue
        success = request.get("success", _MISSING)
        if success is True:
            continue
        if success is not False:
            found = "missing" if success is _MISSING else _describe(success)
            reader.note(f"{where}.success", f"expected true or false, found {found}")
        counts[failure_reason(request.get("error"))] += 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(ordered)


def _figures(reader: _Reader, stage: _Stage, series: SeriesKey) -> StageFigures:
    result, path = stage.result, stage.result_path
    number, integer = reader.number, reader.integer
    success_rate = number(result, "success_rate", path)
    if success_rate is not None and success_rate > 1:
        reader.note(f"{path}.success_rate", f"{success_rate:g} is above 1")
        success_rate = None
    time_s = number(result, "avg_time_per_request", path)
    tokens = number(result, "avg_tokens_per_request", path)
    throughput = None
    if time_s and tokens is not None:  # a zero time gives no throughput
        throughput = _finite(tokens / time_s)
    return StageFigures(
        name=stage.name,
        series=series,
        total_requests=integer(result, "total_requests", path),
        successful=integer(result, "successful_requests", path),
        failed=integer(result, "failed_requests", path),
        success_rate_pct=_scaled(success_rate, 100.0),
        avg_response_ms=_scaled(time_s, 1000.0),
        throughput_tps=throughput,
        ttft_ms=_scaled(number(result, "avg_time_to_first_token", path), 1000.0),
        ttft_std_ms=_scaled(number(result, "std_time_to_first_token", path), 1000.0),
        decode_tps=number(result, "avg_decode_tps", path),
        ms_per_token=number(result, "avg_ms_per_token", path),
        ms_per_token_std=number(result, "std_ms_per_token", path),
        total_tokens=integer(result, "total_tokens", path),
        duration_s=number(result, "stage_duration_s", path),
        failure_reasons=_failure_reasons(reader, result, path),
    )


def _metadata_value(metadata: Mapping[str, str] | None, name: str) -> str | None:
    """A value of the S3 object metadata (names are case-insensitive)."""
    if not metadata:
        return None
    for key, value in metadata.items():
        if isinstance(key, str) and key.lower() == name and isinstance(value, str):
            return value.strip() or None
    return None


_SECTIONS = ("metadata", "cluster", "configuration", "results")
"""The top-level sections of a result document; at least one must be there."""


def _read_run(
    key: str,
    document: Any,
    last_modified: datetime | None,
    object_metadata: Mapping[str, str] | None,
) -> ParseOutcome:
    if not isinstance(document, dict):
        return ParseOutcome(
            key, None, error=f"expected a JSON object, found {_describe(document)}"
        )
    if not any(isinstance(document.get(name), dict) for name in _SECTIONS):
        # Without any of its sections a JSON file is not a result document:
        # counting it as a run would give it the file's time and let it lead
        # the "last benchmark" figures.
        return ParseOutcome(
            key,
            None,
            error="not an EXO benchmark result: none of the sections "
            + ", ".join(_SECTIONS)
            + " is an object",
        )
    reader = _Reader(key)
    metadata = reader.section(document, "metadata", "$")
    cluster = reader.section(document, "cluster", "$")

    # Time: the document's own, else the key's, else the listing's.
    completed_at, time_source = None, TimeSource.DOCUMENT
    seconds = reader.number(metadata, "benchmark_completed_at", "$.metadata")
    if seconds is not None:
        completed_at = _from_unix(seconds)
        if completed_at is None:
            reader.note(
                "$.metadata.benchmark_completed_at", f"{seconds:g} is not a valid time"
            )
    if completed_at is None:
        completed_at, time_source = key_time(key), TimeSource.KEY
    if completed_at is None and last_modified is not None:
        completed_at, time_source = _utc(last_modified), TimeSource.LAST_MODIFIED
    if completed_at is None:
        return ParseOutcome(
            key,
            None,
            reader.finish(),
            error="no time: no benchmark_completed_at, no timestamp in the key "
            "and no LastModified",
        )

    key_ids = _KEY_COMMIT_RUN.search(key)
    # Interned: every configuration run for one commit names the same one.
    git_commit = _intern(
        reader.string(metadata, "git_commit", "$.metadata")
        or _metadata_value(object_metadata, "commit")
        or (key_ids.group(1) if key_ids else None)
    )
    run_id = _metadata_value(object_metadata, "run_id") or (
        key_ids.group(2) if key_ids else None
    )
    config_file = _intern(reader.string(metadata, "config_file", "$.metadata"))
    hardware = reader.strings(metadata, "hardware_labels", "$.metadata")
    models = reader.strings(cluster, "model_ids", "$.cluster")

    optional = {"required": False}
    sharding = reader.string(cluster, "sharding", "$.cluster", **optional)
    instance_meta = reader.string(cluster, "instance_meta", "$.cluster", **optional)
    old_strategy = reader.string(cluster, "strategy", "$.cluster", **optional)
    strategy = _intern(strategy_label(sharding, instance_meta, old_strategy))

    stages = []
    for stage in _stages(reader, document):
        config, config_path = stage.config, stage.config_path
        series = _series_key(
            models,
            stage.name,
            reader.integer(config, "prompt_length", config_path),
            reader.integer(config, "generation_length", config_path),
            reader.integer(config, "iterations", config_path),
            reader.number(config, "time_between_requests", config_path),
            # The same machines listed in another order are the same cluster.
            tuple(sorted(hardware)),
            strategy,
            config_file,
        )
        stages.append(_figures(reader, stage, series))

    run = Run(
        key=key,
        completed_at=completed_at,
        time_source=time_source,
        git_commit=git_commit,
        branch=_intern(_metadata_value(object_metadata, "branch")),
        run_id=run_id,
        config_file=config_file,
        hardware=hardware,
        models=models,
        strategy=strategy,
        expected_nodes=reader.integer(metadata, "expected_nodes", "$.metadata"),
        instance_count=reader.integer(cluster, "instance_count", "$.cluster"),
        runner_count=reader.integer(cluster, "runner_count", "$.cluster"),
        duration_s=reader.number(metadata, "total_duration_s", "$.metadata"),
        stages=tuple(stages),
    )
    return ParseOutcome(key, run, reader.finish())


def parse_document(
    key: str,
    body: bytes,
    *,
    last_modified: datetime | None = None,
    object_metadata: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
) -> ParseOutcome:
    """Read one result document into a :class:`Run`; never raises.

    ``key`` is the object key (or file path), the run's identity. The run's
    time is ``metadata.benchmark_completed_at``, else the ``YYYY/MM/DD/HHMMSS``
    timestamp in the key, else ``last_modified``, always UTC; with none of
    them the document is a parse error. ``object_metadata`` (S3's ``commit``,
    ``run_id``, ``branch``) fills in what the document lacks; the document's
    ``git_commit`` wins. Bodies over ``max_bytes`` are refused undecoded.

    Returns a :class:`ParseOutcome` with the run and its problems, or with
    ``error`` saying why the document could not be read at all.
    """
    document, error = _decode(body, max_bytes)
    if error is not None:
        return ParseOutcome(key, None, error=error)
    return _read_run(key, document, last_modified, object_metadata)


# -- the detail ----------------------------------------------------------


def _config(reader: _Reader, stage: _Stage) -> StageConfig:
    config, path = stage.config, stage.config_path
    return StageConfig(
        name=stage.name,
        prompt_tokens=reader.integer(config, "prompt_length", path),
        generation_tokens=reader.integer(config, "generation_length", path),
        request_interval_s=reader.number(config, "time_between_requests", path),
        iterations=reader.integer(config, "iterations", path),
    )


def _requests(reader: _Reader, stage: _Stage) -> tuple[RequestRecord, ...]:
    path = stage.result_path
    requests = reader.items(stage.result, "requests", path) or []
    records = []
    for index, request in enumerate(requests):
        where = f"{path}.requests[{index}]"
        if not isinstance(request, dict):
            reader.note(where, f"expected an object, found {_describe(request)}")
            continue
        success = request.get("success")
        error = request.get("error")
        records.append(
            RequestRecord(
                request_id=reader.integer(request, "request_id", where),
                success=success if isinstance(success, bool) else None,
                tokens=reader.integer(request, "tokens", where),
                elapsed_s=reader.number(request, "elapsed_s", where),
                ttft_s=reader.number(request, "time_to_first_token_s", where),
                decode_tps=reader.number(request, "decode_tps", where),
                error=error if isinstance(error, str) else None,
            )
        )
    return tuple(records)


class _Lines:
    """Points collected per name, in first-seen order."""

    def __init__(self) -> None:
        self.points: dict[str, list[tuple[float, float]]] = {}

    def add(self, name: str, at: float, value: float) -> None:
        self.points.setdefault(name, []).append((at, value))

    def series(self) -> tuple[MetricSeries, ...]:
        return tuple(MetricSeries(n, tuple(p)) for n, p in self.points.items())


def _snapshot_lines(reader: _Reader, document: dict[str, Any]) -> dict[str, Any]:
    metrics = reader.section(document, "metrics", "$", required=False)
    snapshots = reader.items(metrics, "snapshots", "$.metrics") or []
    node_running, instance_running, memory = _Lines(), _Lines(), _Lines()
    pending_total: list[tuple[float, float]] = []
    running_total: list[tuple[float, float]] = []
    for index, snapshot in enumerate(snapshots):
        path = f"$.metrics.snapshots[{index}]"
        if not isinstance(snapshot, dict):
            reader.note(path, f"expected an object, found {_describe(snapshot)}")
            continue
        at = reader.number(snapshot, "timestamp", path)
        if at is None:
            continue
        pending = running = 0.0
        for n, task in enumerate(reader.items(snapshot, "node_tasks", path) or []):
            where = f"{path}.node_tasks[{n}]"
            if not isinstance(task, dict):
                reader.note(where, f"expected an object, found {_describe(task)}")
                continue
            node = reader.string(task, "node_id", where)
            node_pending = reader.number(task, "pending_tasks", where)
            node_running_now = reader.number(task, "running_tasks", where)
            pending += node_pending or 0.0
            running += node_running_now or 0.0
            if node is not None and node_running_now is not None:
                node_running.add(node, at, node_running_now)
        pending_total.append((at, pending))
        running_total.append((at, running))
        # An instance spread over several nodes has one entry per node.
        per_instance: dict[str, float] = {}
        tasks = reader.items(snapshot, "instance_tasks", path, required=False) or []
        for n, task in enumerate(tasks):
            where = f"{path}.instance_tasks[{n}]"
            if not isinstance(task, dict):
                reader.note(where, f"expected an object, found {_describe(task)}")
                continue
            instance = reader.string(task, "instance_id", where)
            value = reader.number(task, "running_tasks", where)
            if instance is not None and value is not None:
                per_instance[instance] = per_instance.get(instance, 0.0) + value
        for instance, value in per_instance.items():
            instance_running.add(instance, at, value)
        nodes = reader.section(snapshot, "node_memory", path, required=False) or {}
        for node, figures in nodes.items():
            where = _child(f"{path}.node_memory", node)
            if not isinstance(figures, dict):
                reader.note(where, f"expected an object, found {_describe(figures)}")
                continue
            used = reader.number(figures, "ram_used_bytes", where)
            if used is not None:
                memory.add(node, at, used)
    return {
        "node_running": node_running.series(),
        "instance_running": instance_running.series(),
        "cluster_pending": MetricSeries("pending", tuple(pending_total))
        if pending_total
        else None,
        "cluster_running": MetricSeries("running", tuple(running_total))
        if running_total
        else None,
        "node_memory_used_bytes": memory.series(),
    }


def read_detail(
    key: str, body: bytes, *, max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
) -> RunDetail:
    """The heavy parts of one document, for its detail screen; never raises.

    ``configs`` and ``requests`` hold one entry per results stage, in the
    order of ``Run.stages`` (configuration matched by position). From
    ``metrics.snapshots`` (Unix seconds on the x axis): running tasks per
    node, running tasks per instance (summed over its nodes), cluster-wide
    pending and running tasks (summed over ``node_tasks``), and RAM used per
    node in bytes. What could not be read is in ``problems``.
    """
    document, error = _decode(body, max_bytes)
    if error is None and not isinstance(document, dict):
        error = f"expected a JSON object, found {_describe(document)}"
    if error is not None:
        return RunDetail(key, (), (), problems=(Problem(key, "$", error),))
    reader = _Reader(key)
    stages = _stages(reader, document)
    configs = tuple(_config(reader, stage) for stage in stages)
    requests = tuple(_requests(reader, stage) for stage in stages)
    lines = _snapshot_lines(reader, document)
    return RunDetail(key, configs, requests, **lines, problems=reader.finish())

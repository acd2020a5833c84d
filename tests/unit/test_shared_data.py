"""The real EXO documents in ../shared/data, with expected numbers worked out
here from the raw JSON (json.load and arithmetic), not by the code under test.

Where the folder is absent these tests skip with the reason.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from exo_benchtui.core.documents import parse_document, read_detail
from exo_benchtui.core.model import StoredObject, TimeSource
from exo_benchtui.core.report import summary_data
from exo_benchtui.core.store import ResultStore
from tests.conftest import SHARED_DATA_DIR, shared_documents

pytestmark = pytest.mark.shared_data

DOCUMENTS = [pytest.param(path, id=path.name[:16]) for path in shared_documents()]
if not DOCUMENTS:  # say why, rather than pytest's "empty parameter set"
    DOCUMENTS = [
        pytest.param(
            None,
            marks=pytest.mark.skip(
                reason=f"real EXO documents not found at {SHARED_DATA_DIR}"
            ),
            id="absent",
        )
    ]

# What the data README says of each file's cluster, by the date in its name.
EXPECTED_STRATEGY = {
    "bench_2025_11_05": "tensor_rdma",
    "bench_2025_11_07": "tensor",
    "bench_2025_11_10": None,  # "strategy": null
    "bench_2025_11_12": "Tensor (MLX IBV)",  # sharding Tensor + MlxIbv
}


def raw(path: Path) -> dict:
    with path.open(encoding="utf-8") as file:
        return json.load(file)


def times(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


def first_line(error) -> str:
    if isinstance(error, str):
        for line in error.splitlines():
            if line.strip():
                return line.strip()
    return "unknown error"


@pytest.mark.parametrize("path", DOCUMENTS)
def test_run_fields_match_the_document(path):
    document = raw(path)
    outcome = parse_document(path.name, path.read_bytes())
    assert outcome.error is None
    assert outcome.problems == ()
    run = outcome.run
    metadata, cluster = document["metadata"], document["cluster"]
    assert run.completed_at == datetime.fromtimestamp(
        metadata["benchmark_completed_at"], UTC
    )
    assert run.time_source is TimeSource.DOCUMENT
    assert run.git_commit == metadata["git_commit"]
    assert run.config_file == metadata["config_file"]
    assert run.hardware == tuple(metadata["hardware_labels"])
    assert run.models == tuple(cluster["model_ids"])
    assert run.expected_nodes == metadata["expected_nodes"]
    assert run.instance_count == cluster["instance_count"]
    assert run.duration_s == metadata["total_duration_s"]
    assert run.run_id == path.stem.rsplit("_", 1)[1]
    assert run.strategy == EXPECTED_STRATEGY[path.name[:16]]


@pytest.mark.parametrize("path", DOCUMENTS)
def test_stage_figures_match_the_document(path):
    document = raw(path)
    run = parse_document(path.name, path.read_bytes()).run
    configs = document["configuration"]["stages"]
    results = document["results"]["stages"]
    assert len(run.stages) == len(results)
    for figures, config, result in zip(run.stages, configs, results, strict=True):
        assert figures.name == config["name"] == result["name"]
        assert figures.series.prompt_tokens == config["prompt_length"]
        assert figures.series.generation_tokens == config["generation_length"]
        assert figures.series.iterations == config["iterations"]
        assert figures.series.request_interval_s == config["time_between_requests"]
        assert figures.successful == result["successful_requests"]
        assert figures.failed == result["failed_requests"]
        assert figures.total_requests == result["total_requests"]
        assert figures.total_tokens == result["total_tokens"]
        assert figures.success_rate_pct == result["success_rate"] * 100
        assert figures.avg_response_ms == times(result["avg_time_per_request"], 1000)
        seconds = result["avg_time_per_request"]
        tokens = result["avg_tokens_per_request"]
        if seconds and tokens is not None:
            assert figures.throughput_tps == tokens / seconds
        else:
            assert figures.throughput_tps is None
        assert figures.ttft_ms == times(result["avg_time_to_first_token"], 1000)
        assert figures.ttft_std_ms == times(result["std_time_to_first_token"], 1000)
        assert figures.decode_tps == result["avg_decode_tps"]
        assert figures.ms_per_token == result["avg_ms_per_token"]
        assert figures.ms_per_token_std == result["std_ms_per_token"]
        if result["successful_requests"] == 0:  # the runner writes null averages
            assert figures.avg_response_ms is None
            assert figures.ttft_ms is None


@pytest.mark.parametrize("path", DOCUMENTS)
def test_failure_reasons_match_the_failed_requests(path):
    document = raw(path)
    run = parse_document(path.name, path.read_bytes()).run
    for figures, result in zip(run.stages, document["results"]["stages"], strict=True):
        failed = [r for r in result["requests"] if not r["success"]]
        assert sum(count for _, count in figures.failure_reasons) == len(failed)
        assert len(failed) == result["failed_requests"]
        expected = Counter(first_line(r["error"]) for r in failed)
        assert dict(figures.failure_reasons) == dict(expected)
        counts = [count for _, count in figures.failure_reasons]
        assert counts == sorted(counts, reverse=True)


@pytest.mark.parametrize("path", DOCUMENTS)
def test_detail_matches_the_document(path):
    document = raw(path)
    detail = read_detail(path.name, path.read_bytes())
    assert detail.problems == ()
    results = document["results"]["stages"]
    assert [len(r) for r in detail.requests] == [len(s["requests"]) for s in results]
    for records, result in zip(detail.requests, results, strict=True):
        assert [r.success for r in records] == [
            q["success"] for q in result["requests"]
        ]
        assert [r.tokens for r in records] == [q["tokens"] for q in result["requests"]]
    snapshots = document["metrics"]["snapshots"]
    assert detail.cluster_pending.points == tuple(
        (s["timestamp"], sum(t["pending_tasks"] for t in s["node_tasks"]))
        for s in snapshots
    )
    assert detail.cluster_running.points == tuple(
        (s["timestamp"], sum(t["running_tasks"] for t in s["node_tasks"]))
        for s in snapshots
    )
    nodes = {node for s in snapshots for node in s["node_memory"]}
    assert {line.name for line in detail.node_memory_used_bytes} == nodes
    for line in detail.node_memory_used_bytes:
        assert line.points == tuple(
            (s["timestamp"], s["node_memory"][line.name]["ram_used_bytes"])
            for s in snapshots
            if line.name in s["node_memory"]
        )


def test_http_500_and_other_failures_in_the_llama_run(shared_data_dir):
    (path,) = shared_data_dir.glob("bench_2025_11_07_*.json")
    document = raw(path)
    errors = [r["error"] for r in document["results"]["stages"][0]["requests"]]
    multi_line = [e for e in errors if e and "\n" in e]
    assert multi_line, "the document's HTTP 500 message spans several lines"
    run = parse_document(path.name, path.read_bytes()).run
    reasons = dict(run.stages[0].failure_reasons)
    assert reasons["HTTP 500 Internal Server Error"] == len(multi_line)
    assert all("\n" not in reason for reason in reasons)


def test_summary_over_every_shared_document(shared_data_dir):
    paths = sorted(shared_data_dir.glob("*.json"))
    store = ResultStore()
    for path in paths:
        store.put(
            StoredObject(path.name, None, path.stat().st_size),
            parse_document(path.name, path.read_bytes()),
        )
    data = summary_data(store)
    documents = [raw(path) for path in paths]
    completed = sorted(d["metadata"]["benchmark_completed_at"] for d in documents)
    assert [run["completed_at"] for run in data["runs"]] == [
        datetime.fromtimestamp(seconds, UTC).isoformat() for seconds in completed
    ]
    assert data["problems"] == []
    stage_count = sum(len(d["results"]["stages"]) for d in documents)
    assert sum(series["runs"] for series in data["series"]) == stage_count
    distinct = {
        (
            tuple(d["cluster"]["model_ids"]),
            config["name"],
            config["prompt_length"],
            config["generation_length"],
            config["iterations"],
            config["time_between_requests"],
            tuple(d["metadata"]["hardware_labels"]),
            d["cluster"].get("strategy"),
            d["cluster"].get("sharding"),
            d["metadata"]["config_file"],
        )
        for d in documents
        for config in d["configuration"]["stages"]
    }
    assert len(data["series"]) == len(distinct)

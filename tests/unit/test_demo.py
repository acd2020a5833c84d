"""The demo's history: realistic, self-consistent, deterministic, with a story.

Expected figures are worked out here from the raw JSON requests, not by the
generator's own helpers.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from exo_benchtui.core.documents import parse_document
from exo_benchtui.demo import DemoObject, HistoryGenerator, generate_history

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
KEY = re.compile(
    r"^bench/(\d{4})/(\d{2})/(\d{2})/(\d{2})(\d{2})(\d{2})_([0-9a-f]{8})_(\d+)\.json$"
)


@pytest.fixture(scope="module")
def history() -> list[tuple[DemoObject, dict]]:
    return [(o, json.loads(o.body)) for o in generate_history(now=NOW, seed=7)]


def configuration(document: dict) -> tuple:
    cluster = document["cluster"]
    return (
        tuple(m.rsplit("/", 1)[-1] for m in cluster["model_ids"]),
        cluster.get("sharding"),
        cluster.get("instance_meta"),
        cluster.get("strategy"),
        tuple(document["metadata"]["hardware_labels"]),
    )


def stage_values(history, model: str, stage: str, field: str) -> list[float]:
    """A stage figure of one model's runs, oldest first."""
    values = []
    for _, document in history:
        if document["cluster"]["model_ids"][0].endswith(model):
            for result in document["results"]["stages"]:
                if result["name"] == stage and result[field] is not None:
                    values.append(result[field])
    return values


def has_step(values: list[float]) -> int | None:
    """The index where the values split cleanly in two levels, if one does."""
    for index in range(5, len(values) - 5):
        before, after = values[:index], values[index:]
        if max(after) < min(before) or min(after) > max(before):
            return index
    return None


def test_at_least_200_runs_over_60_days(history):
    assert len(history) == 240
    times = [d["metadata"]["benchmark_completed_at"] for _, d in history]
    span = datetime.fromtimestamp(times[-1], UTC) - datetime.fromtimestamp(
        times[0], UTC
    )
    assert timedelta(days=58) <= span <= timedelta(days=60)
    assert datetime.fromtimestamp(times[-1], UTC) < NOW


def test_dates_increase(history):
    times = [d["metadata"]["benchmark_completed_at"] for _, d in history]
    assert times == sorted(times) and len(set(times)) == len(times)
    keys = [o.key for o, _ in history]
    assert keys == sorted(keys)


def test_keys_and_metadata_follow_the_ci_scheme(history):
    for item, document in history:
        match = KEY.match(item.key)
        assert match, item.key
        year, month, day, hour, minute, second, sha8, run_id = match.groups()
        uploaded = datetime(
            *map(int, (year, month, day, hour, minute, second)), tzinfo=UTC
        )
        finished = datetime.fromtimestamp(
            document["metadata"]["benchmark_completed_at"], UTC
        )
        # The CI job uploads a few seconds after the run finishes.
        assert timedelta(0) <= uploaded - finished.replace(microsecond=0)
        assert uploaded - finished < timedelta(minutes=1)
        assert sha8 == document["metadata"]["git_commit"][:8]
        assert item.metadata == {
            "commit": document["metadata"]["git_commit"],
            "run_id": run_id,
            "branch": "main",
        }
        assert re.fullmatch(r"[0-9a-f]{40}", item.metadata["commit"])


def test_all_series_present(history):
    counts = Counter(configuration(d) for _, d in history)
    assert set(counts) == {
        (("Kimi-K2-Thinking",), "Tensor", "MlxIbv", None, ("puffin4", "puffin8")),
        (("DeepSeek-V3.1-8bit",), None, None, "tensor_rdma", ("puffin4",)),
        (("Llama-3.3-70B-Instruct-4bit",), None, None, "tensor", ("puffin4",)),
        (
            ("Llama-3.3-70B-Instruct-4bit",),
            "Pipeline",
            "MlxRing",
            None,
            ("puffin4", "puffin8"),
        ),
        (
            ("Qwen3-0.6B-4bit", "Qwen3-0.6B-4bit"),
            "Pipeline",
            "MlxRing",
            None,
            ("puffin5", "puffin6"),
        ),
    }
    assert min(counts.values()) >= 20
    # Older documents carry only `strategy`; newer ones sharding + instance_meta.
    older = [d for _, d in history if "strategy" in d["cluster"]]
    assert older and all("sharding" not in d["cluster"] for d in older)


def test_every_document_parses_without_problems(history):
    for item, _ in history:
        outcome = parse_document(item.key, item.body, object_metadata=item.metadata)
        assert outcome.ok, outcome.error
        assert outcome.problems == (), outcome.problems
        assert outcome.run.branch == "main"


def test_stage_figures_agree_with_their_requests(history):
    for _, document in history:
        configs = document["configuration"]["stages"]
        results = document["results"]["stages"]
        assert [c["name"] for c in configs] == [r["name"] for r in results]
        for config, result in zip(configs, results, strict=True):
            requests = result["requests"]
            ok = [r for r in requests if r["success"]]
            assert len(requests) == config["iterations"] == result["total_requests"]
            assert result["successful_requests"] == len(ok)
            assert result["failed_requests"] == len(requests) - len(ok)
            assert result["success_rate"] == round(len(ok) / len(requests), 4)
            assert result["total_tokens"] == sum(r["tokens"] for r in requests)
            if not ok:
                for name in (
                    "avg_time_to_first_token",
                    "avg_decode_tps",
                    "avg_ms_per_token",
                    "avg_tokens_per_request",
                ):
                    assert result[name] is None
                continue
            # The runner leaves the first successful request out.
            measured = ok[1:] or ok
            ttft = statistics.fmean(r["time_to_first_token_s"] for r in measured)
            assert result["avg_time_to_first_token"] == pytest.approx(ttft, abs=6e-4)
            decode = statistics.fmean(r["decode_tps"] for r in measured)
            assert result["avg_decode_tps"] == pytest.approx(decode, abs=6e-3)
            assert result["avg_tokens_per_request"] == pytest.approx(
                result["total_tokens"] / len(ok), abs=6e-3
            )
            for request in requests:
                assert request["completed_at"] > request["started_at"]
                assert request["elapsed_s"] == pytest.approx(
                    request["completed_at"] - request["started_at"], abs=6e-4
                )
            assert result["stage_started_at"] == min(r["started_at"] for r in requests)


def test_snapshots_cover_the_run_and_stay_moderate(history):
    for _, document in history:
        snapshots = document["metrics"]["snapshots"]
        assert 20 <= len(snapshots) <= 80
        stamps = [s["timestamp"] for s in snapshots]
        assert stamps == sorted(stamps)
        first = document["results"]["stages"][0]["stage_started_at"]
        last = document["results"]["stages"][-1]["stage_completed_at"]
        assert first <= stamps[0] and stamps[-1] <= last
        nodes = snapshots[0]["node_memory"]
        assert len(nodes) == document["metadata"]["expected_nodes"]
        for memory in nodes.values():
            assert (
                memory["ram_used_bytes"] + memory["ram_available_bytes"]
                == (memory["ram_total_bytes"])
            )


def test_decode_regression_is_a_visible_step(history):
    values = stage_values(history, "Kimi-K2-Thinking", "pp64_g64", "avg_decode_tps")
    step = has_step(values)
    assert step is not None
    ratio = statistics.median(values[step:]) / statistics.median(values[:step])
    assert 0.7 < ratio < 0.8  # about a quarter slower
    # Same in the other stages of that configuration: the commit slowed decode.
    for stage in ("pp256_g64", "pp1024_g64"):
        assert has_step(
            stage_values(history, "Kimi-K2-Thinking", stage, "avg_decode_tps")
        )


def test_ttft_improvement_is_a_visible_step(history):
    values = stage_values(
        history, "DeepSeek-V3.1-8bit", "simple", "avg_time_to_first_token"
    )
    step = has_step(values)
    assert step is not None
    ratio = statistics.median(values[step:]) / statistics.median(values[:step])
    assert 0.5 < ratio < 0.7


def test_the_other_series_have_noise_but_no_step(history):
    values = stage_values(history, "Qwen3-0.6B-4bit", "medium_load", "avg_decode_tps")
    assert has_step(values) is None
    assert statistics.pstdev(values) > 0


def test_a_run_with_many_failures_and_real_error_messages(history):
    worst = max(
        (r for _, d in history for r in d["results"]["stages"]),
        key=lambda r: (
            r["failed_requests"] / r["total_requests"]
            if r["successful_requests"]
            else 0
        ),
    )
    assert worst["failed_requests"] >= 4 and worst["successful_requests"] >= 1
    errors = [r["error"] for r in worst["requests"] if not r["success"]]
    assert "timed out" in errors
    assert "[Errno 104] Connection reset by peer" in errors
    assert "Remote end closed connection without response" in errors
    http = [e for e in errors if e.startswith("HTTP 500 Internal Server Error\n")]
    assert http and "\nURL: http://localhost:" in http[0]
    assert http[0].endswith("\nBody: ")


def test_a_fully_failed_stage_with_null_averages(history):
    failed = [
        r
        for _, d in history
        for r in d["results"]["stages"]
        if r["successful_requests"] == 0
    ]
    assert failed
    stage = failed[0]
    assert stage["success_rate"] == 0.0
    assert stage["avg_time_to_first_token"] is None
    assert stage["std_ms_per_token"] is None


def test_the_same_seed_gives_the_same_history():
    first = [o.key for o in generate_history(now=NOW, seed=3, runs=30)]
    again = [o.key for o in generate_history(now=NOW, seed=3, runs=30)]
    other = [o.key for o in generate_history(now=NOW, seed=4, runs=30)]
    assert first == again
    assert first != other


def test_next_run_continues_after_the_history():
    generator = HistoryGenerator(now=NOW, seed=7, runs=20)
    keys = [o.key for o in generator.history()]
    later = generator.next_run(NOW + timedelta(seconds=20))
    assert later.key > keys[-1]
    document = json.loads(later.body)
    assert document["metadata"]["benchmark_completed_at"] == pytest.approx(
        (NOW + timedelta(seconds=20)).timestamp()
    )
    assert parse_document(later.key, later.body).problems == ()


def test_now_must_be_timezone_aware():
    with pytest.raises(ValueError, match="timezone-aware"):
        HistoryGenerator(now=datetime(2026, 1, 1))

"""Reading result documents: the figures, the time, and every malformed case."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest

from exo_benchtui.core.documents import (
    UNKNOWN_ERROR,
    failure_reason,
    key_time,
    parse_document,
    read_detail,
)
from exo_benchtui.core.model import TimeSource
from tests.builders import (
    DEFAULT_COMPLETED,
    document_key,
    encode,
    make_document,
    make_stage,
)

KEY = document_key()


def parse(document, key=KEY, **options):
    return parse_document(key, encode(document), **options)


def paths(outcome) -> list[str]:
    return [problem.path for problem in outcome.problems]


def problem_at(outcome, path: str) -> str:
    found = [p.message for p in outcome.problems if p.path == path]
    assert found, f"no problem at {path}; problems: {outcome.problems}"
    return found[0]


# -- a valid document ----------------------------------------------------


def test_valid_document_gives_its_figures_and_no_problems():
    stage = make_stage(
        "pp256_g64",
        prompt_length=256,
        iterations=5,
        errors=("timed out",),
        avg_time_per_request=2.5,
        avg_tokens_per_request=60.0,
        avg_time_to_first_token=0.25,
        std_time_to_first_token=0.02,
        avg_decode_tps=31.5,
        avg_ms_per_token=31.7,
        std_ms_per_token=0.4,
    )
    outcome = parse(make_document(stages=[stage]))
    assert outcome.ok and outcome.error is None
    assert outcome.problems == ()
    run = outcome.run
    assert run.key == KEY
    assert run.completed_at == DEFAULT_COMPLETED
    assert run.time_source is TimeSource.DOCUMENT
    assert run.git_commit == "133fed9b830b3e52d906e9e24f3379afc192ebd5"
    assert run.run_id == "19283390447"
    assert run.models == ("mlx-community/Kimi-K2-Thinking",)
    assert run.strategy == "Tensor (MLX IBV)"
    (figures,) = run.stages
    assert figures.name == "pp256_g64"
    assert figures.successful == 4 and figures.failed == 1
    assert figures.success_rate_pct == pytest.approx(80.0)
    assert figures.avg_response_ms == pytest.approx(2500.0)
    assert figures.throughput_tps == pytest.approx(24.0)  # 60 tokens / 2.5 s
    assert figures.ttft_ms == pytest.approx(250.0)
    assert figures.ttft_std_ms == pytest.approx(20.0)
    assert figures.decode_tps == pytest.approx(31.5)
    assert figures.ms_per_token == pytest.approx(31.7)
    assert figures.ms_per_token_std == pytest.approx(0.4)
    assert figures.failure_reasons == (("timed out", 1),)
    key = figures.series
    assert (key.prompt_tokens, key.generation_tokens, key.iterations) == (256, 64, 5)
    assert key.request_interval_s == 0.5
    assert key.hardware == ("puffin4",)
    assert key.config_file == ".github/configs/bench_simple.yaml"


def test_all_failed_stage_has_null_averages_and_no_problem():
    stage = make_stage(
        iterations=2,
        errors=("timed out", "timed out"),
        avg_time_per_request=None,
        avg_time_to_first_token=None,
        std_time_to_first_token=None,
        avg_decode_tps=None,
        avg_ms_per_token=None,
        std_ms_per_token=None,
    )
    outcome = parse(make_document(stages=[stage]))
    assert outcome.problems == ()
    (figures,) = outcome.run.stages
    assert figures.success_rate_pct == 0.0
    assert figures.avg_response_ms is None
    assert figures.throughput_tps is None
    assert figures.ttft_ms is None and figures.decode_tps is None
    assert figures.failure_reasons == (("timed out", 2),)


def test_zero_time_gives_no_throughput():
    stage = make_stage(avg_time_per_request=0.0)
    (figures,) = parse(make_document(stages=[stage])).run.stages
    assert figures.avg_response_ms == 0.0
    assert figures.throughput_tps is None


def test_failure_reasons_group_multiline_messages_by_first_line():
    http_500 = (
        "HTTP 500 Internal Server Error\nURL: http://localhost:{port}/v1/chat\n"
        "Headers:\n  date: Fri, 07 Nov 2025 20:32:{second} GMT\nBody: "
    )
    errors = (
        http_500.format(port=61423, second=38),
        http_500.format(port=61424, second=39),
        "\n\n  timed out  \n",
        None,
        "",
        "Remote end closed connection without response",
        "HTTP 500 Internal Server Error",
    )
    stage = make_stage(iterations=8, errors=errors)
    (figures,) = parse(make_document(stages=[stage])).run.stages
    assert figures.failure_reasons == (
        ("HTTP 500 Internal Server Error", 3),
        (UNKNOWN_ERROR, 2),
        ("Remote end closed connection without response", 1),
        ("timed out", 1),
    )


@pytest.mark.parametrize("error", [None, 42, "", "  \n \n", ["x"]])
def test_failure_reason_without_a_message_is_unknown(error):
    assert failure_reason(error) == "unknown error"


def test_failure_reason_is_cut_when_very_long():
    reason = failure_reason("x" * 10_000)
    assert len(reason) == 200 and reason.endswith("…")


# -- time ----------------------------------------------------------------


def test_time_from_key_when_the_document_has_none():
    document = make_document()
    del document["metadata"]["benchmark_completed_at"]
    when = datetime(2025, 11, 3, 4, 5, 6, tzinfo=UTC)
    outcome = parse(document, key=document_key(when))
    assert outcome.run.completed_at == when
    assert outcome.run.time_source is TimeSource.KEY
    assert "$.metadata.benchmark_completed_at" in paths(outcome)


def test_time_from_a_flattened_key():
    assert key_time("bench_2025_11_05_190841_b0653832_19114285531.json") == datetime(
        2025, 11, 5, 19, 8, 41, tzinfo=UTC
    )
    assert key_time("bench/2025/13/05/190841_x.json") is None
    assert key_time("no time here.json") is None


def test_time_from_last_modified_as_last_resort():
    document = make_document()
    document["metadata"]["benchmark_completed_at"] = "yesterday"
    modified = datetime(2025, 11, 20, 8, 0, tzinfo=UTC)
    outcome = parse(document, key="elsewhere/run.json", last_modified=modified)
    assert outcome.run.completed_at == modified
    assert outcome.run.time_source is TimeSource.LAST_MODIFIED
    assert "expected a number" in problem_at(
        outcome, "$.metadata.benchmark_completed_at"
    )


def test_naive_last_modified_is_taken_as_utc():
    document = make_document()
    del document["metadata"]
    outcome = parse(document, key="run.json", last_modified=datetime(2025, 1, 2, 3))
    assert outcome.run.completed_at == datetime(2025, 1, 2, 3, tzinfo=UTC)


def test_no_time_at_all_is_a_parse_error():
    document = make_document()
    del document["metadata"]["benchmark_completed_at"]
    outcome = parse(document, key="run.json")
    assert outcome.run is None
    assert "no time" in outcome.error


def test_time_out_of_range_falls_back_to_the_key():
    document = make_document()
    document["metadata"]["benchmark_completed_at"] = 1e300
    outcome = parse(document)
    assert outcome.run.time_source is TimeSource.KEY
    assert "not a valid time" in problem_at(
        outcome, "$.metadata.benchmark_completed_at"
    )


def test_completed_at_is_utc_whatever_the_document_says():
    moment = datetime(2025, 6, 1, 12, 0, tzinfo=UTC) + timedelta(microseconds=250)
    outcome = parse(make_document(completed_at=moment))
    assert outcome.run.completed_at == moment
    assert outcome.run.completed_at.utcoffset() == timedelta(0)


# -- object metadata -----------------------------------------------------


def test_object_metadata_fills_in_what_the_document_lacks():
    document = make_document()
    del document["metadata"]["git_commit"]
    outcome = parse(
        document,
        key="bench/run.json",
        object_metadata={"Commit": "abc123", "run_id": "77", "branch": "main"},
    )
    run = outcome.run
    assert (run.git_commit, run.run_id, run.branch) == ("abc123", "77", "main")


def test_document_commit_wins_over_object_metadata():
    outcome = parse(make_document(commit="f" * 40), object_metadata={"commit": "abc"})
    assert outcome.run.git_commit == "f" * 40


def test_commit_and_run_id_from_the_key_when_nothing_else_says():
    document = make_document()
    del document["metadata"]["git_commit"]
    run = parse(document).run
    assert (run.git_commit, run.run_id) == ("133fed9b", "19283390447")


# -- strategy ------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "label"),
    [
        ({"sharding": "Tensor", "instance_meta": "MlxIbv"}, "Tensor (MLX IBV)"),
        ({"sharding": "Pipeline", "instance_meta": "MlxRing"}, "Pipeline (MLX Ring)"),
        ({"strategy": "tensor_rdma"}, "tensor_rdma"),
        ({"sharding": None, "instance_meta": None, "strategy": None}, None),
    ],
)
def test_strategy_label(options, label):
    assert parse(make_document(**options)).run.strategy == label


# -- malformed documents -------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"metadata": ', "not JSON"),
        (b"", "not JSON"),
        (b"[1, 2]", "expected a JSON object, found a list"),
        (b'"text"', "expected a JSON object, found a string"),
        (b"null", "expected a JSON object, found null"),
        (b"3.5", "expected a JSON object, found a number"),
        (b"[" * 100_000, "nested too deeply"),
        (b'{"a": 1' + b"0" * 5000 + b"}", "not JSON"),
        # json's own message ends in "at"; it is not said twice.
        (
            b'{"a":\n "x\ty"}',
            "not JSON: Invalid control character at line 2 column 4",
        ),
    ],
)
def test_unreadable_documents_give_an_error_naming_the_reason(body, reason):
    outcome = parse_document(KEY, body)
    assert outcome.run is None
    assert reason in outcome.error


def test_oversized_document_is_refused_without_decoding():
    # Invalid UTF-8 too: if it were decoded the error would say so instead.
    body = b"\xff" * 101
    outcome = parse_document(KEY, body, max_bytes=100)
    assert outcome.run is None
    assert "101 bytes" in outcome.error and "100-byte limit" in outcome.error
    assert parse_document(KEY, encode(make_document()), max_bytes=10**9).ok


def test_byte_order_mark_is_accepted():
    assert parse_document(KEY, b"\xef\xbb\xbf" + encode(make_document())).ok


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_problems_not_values(constant):
    text = json.dumps(make_document()).replace(
        '"avg_time_per_request": 2.192', f'"avg_time_per_request": {constant}'
    )
    assert constant in text
    outcome = parse_document(KEY, text.encode())
    (figures,) = outcome.run.stages
    assert figures.avg_response_ms is None
    assert figures.throughput_tps is None
    assert "not a valid number" in problem_at(
        outcome, "$.results.stages[0].avg_time_per_request"
    )


@pytest.mark.parametrize("flag", [True, False])
def test_bool_is_not_a_number(flag):
    stage = make_stage(success_rate=flag, total_requests=flag)
    outcome = parse(make_document(stages=[stage]))
    (figures,) = outcome.run.stages
    assert figures.success_rate_pct is None and figures.total_requests is None
    word = "true" if flag else "false"
    assert problem_at(outcome, "$.results.stages[0].success_rate") == (
        f"expected a number, found {word}"
    )
    assert word in problem_at(outcome, "$.results.stages[0].total_requests")


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("avg_time_per_request", "2.1", "expected a number, found a string"),
        ("avg_decode_tps", [33], "expected a number, found a list"),
        ("avg_ms_per_token", {"v": 1}, "expected a number, found an object"),
        ("successful_requests", 2.5, "expected a whole number, found 2.5"),
        ("failed_requests", -1, "-1 is below 0"),
        ("avg_time_to_first_token", -0.5, "-0.5 is below 0"),
        ("success_rate", 1.5, "1.5 is above 1"),
        ("avg_time_per_request", 10**400, "number too large"),
        ("requests", "none", "expected a list, found a string"),
    ],
)
def test_wrong_types_are_problems_with_their_path(field, value, expected):
    stage = make_stage(**{field: value})
    outcome = parse(make_document(stages=[stage, make_stage("second")]))
    assert outcome.ok
    assert problem_at(outcome, f"$.results.stages[0].{field}") == expected
    assert all(p.key == KEY for p in outcome.problems)
    assert len(outcome.run.stages) == 2


def test_whole_number_written_as_float_is_accepted():
    stage = make_stage(total_requests=4.0)
    outcome = parse(make_document(stages=[stage]))
    assert outcome.problems == ()
    assert outcome.run.stages[0].total_requests == 4


def test_missing_fields_are_problems_and_values_none():
    document = make_document()
    del document["results"]["stages"][0]["avg_decode_tps"]
    del document["cluster"]["model_ids"]
    outcome = parse(document)
    assert problem_at(outcome, "$.results.stages[0].avg_decode_tps") == "missing"
    assert problem_at(outcome, "$.cluster.model_ids") == "missing"
    assert outcome.run.models == ()
    assert outcome.run.stages[0].decode_tps is None


@pytest.mark.parametrize("section", ["metadata", "cluster", "configuration", "results"])
def test_missing_section_is_a_problem_and_the_run_survives(section):
    document = make_document()
    del document[section]
    outcome = parse(document)
    assert outcome.ok
    assert problem_at(outcome, f"$.{section}") == "missing"


@pytest.mark.parametrize("section", ["metadata", "cluster", "configuration", "results"])
def test_section_of_the_wrong_type(section):
    document = make_document()
    document[section] = [1, 2]
    outcome = parse(document)
    assert outcome.ok
    assert problem_at(outcome, f"$.{section}") == "expected an object, found a list"


def test_missing_results_give_a_run_without_stages():
    document = make_document()
    del document["results"]
    outcome = parse(document)
    assert outcome.run.stages == ()


def test_empty_results_stages():
    document = make_document(stages=[make_stage("a"), make_stage("b")])
    document["results"]["stages"] = []
    outcome = parse(document)
    assert outcome.run.stages == ()
    assert "0 result stages for 2 configured stages" in problem_at(
        outcome, "$.results.stages"
    )


def test_results_shorter_than_configuration_match_by_index():
    stages = [
        make_stage("a", prompt_length=1),
        make_stage("b", prompt_length=2),
        make_stage("c", prompt_length=3),
    ]
    document = make_document(stages=stages)
    del document["results"]["stages"][2]
    outcome = parse(document)
    assert [s.name for s in outcome.run.stages] == ["a", "b"]
    assert [s.series.prompt_tokens for s in outcome.run.stages] == [1, 2]
    assert "2 result stages for 3 configured stages" in problem_at(
        outcome, "$.results.stages"
    )


def test_results_longer_than_configuration_keep_the_extra_stage():
    document = make_document(stages=[make_stage("a"), make_stage("b")])
    del document["configuration"]["stages"][1]
    outcome = parse(document)
    assert [s.name for s in outcome.run.stages] == ["a", "b"]
    assert outcome.run.stages[1].series.prompt_tokens is None
    assert "2 result stages for 1 configured stages" in problem_at(
        outcome, "$.results.stages"
    )


def test_stage_names_that_differ_are_matched_by_position():
    document = make_document(stages=[make_stage("warmup"), make_stage("load")])
    document["results"]["stages"][1]["name"] = "other"
    outcome = parse(document)
    assert [s.name for s in outcome.run.stages] == ["warmup", "load"]
    assert "'other' differs from the configured name 'load'" in problem_at(
        outcome, "$.results.stages[1].name"
    )


def test_unnamed_stage_gets_a_name_by_position():
    document = make_document(stages=[make_stage("a"), make_stage("b")])
    del document["configuration"]["stages"][1]["name"]
    del document["results"]["stages"][1]["name"]
    outcome = parse(document)
    assert outcome.run.stages[1].name == "stage 2"


def test_stage_that_is_not_an_object_is_skipped_with_a_problem():
    document = make_document(stages=[make_stage("a"), make_stage("b")])
    document["results"]["stages"][0] = "broken"
    document["configuration"]["stages"][1] = 7
    outcome = parse(document)
    assert [s.name for s in outcome.run.stages] == ["b"]
    assert problem_at(outcome, "$.results.stages[0]").endswith("a string")
    assert problem_at(outcome, "$.configuration.stages[1]").endswith("a number")


def test_non_string_labels_are_dropped_with_a_problem():
    document = make_document(hardware=("puffin4", "puffin8"))
    document["metadata"]["hardware_labels"][1] = 8
    outcome = parse(document)
    assert outcome.run.hardware == ("puffin4",)
    assert problem_at(outcome, "$.metadata.hardware_labels[1]") == (
        "expected a string, found a number"
    )


def test_request_without_a_success_flag_counts_as_failed_with_a_problem():
    stage = make_stage(iterations=2)
    del stage[1]["requests"][0]["success"]
    outcome = parse(make_document(stages=[stage]))
    assert outcome.run.stages[0].failure_reasons == ((UNKNOWN_ERROR, 1),)
    assert problem_at(outcome, "$.results.stages[0].requests[0].success") == (
        "expected true or false, found missing"
    )


def test_problems_are_capped_per_document():
    stage = make_stage(iterations=500)
    for request in stage[1]["requests"]:
        request["success"] = "yes"
    outcome = parse(make_document(stages=[stage]))
    assert len(outcome.problems) == 51
    assert outcome.problems[-1].message == "450 more problems not listed"


# -- memory sharing ------------------------------------------------------


def test_identical_series_keys_and_labels_are_shared_between_runs():
    first = parse(make_document(), key="a.json").run
    second = parse(make_document(), key="b.json").run
    assert first.stages[0].series is second.stages[0].series
    assert first.models is second.models
    assert first.stages[0].name is second.stages[0].name


# -- detail --------------------------------------------------------------


def test_detail_of_a_valid_document():
    stages = [
        make_stage("a", iterations=3, errors=("timed out",)),
        make_stage("b", iterations=2, prompt_length=128),
    ]
    document = make_document(stages=stages, snapshots=4)
    detail = read_detail(KEY, encode(document))
    assert detail.problems == ()
    assert [c.name for c in detail.configs] == ["a", "b"]
    assert detail.configs[1].prompt_tokens == 128
    assert [len(r) for r in detail.requests] == [3, 2]
    failed = detail.requests[0][2]
    assert failed.success is False and failed.error == "timed out"
    snapshots = document["metrics"]["snapshots"]
    times = [s["timestamp"] for s in snapshots]
    expected_pending = [
        sum(t["pending_tasks"] for t in s["node_tasks"]) for s in snapshots
    ]
    expected_running = [
        sum(t["running_tasks"] for t in s["node_tasks"]) for s in snapshots
    ]
    assert detail.cluster_pending.points == tuple(
        zip(times, expected_pending, strict=True)
    )
    assert detail.cluster_running.points == tuple(
        zip(times, expected_running, strict=True)
    )
    assert [line.name for line in detail.node_running] == [
        "12D3KooWNodeA",
        "12D3KooWNodeB",
    ]
    assert [line.name for line in detail.instance_running] == ["instance-0"]
    memory = {line.name: line.points for line in detail.node_memory_used_bytes}
    assert memory["12D3KooWNodeB"] == tuple(
        (s["timestamp"], s["node_memory"]["12D3KooWNodeB"]["ram_used_bytes"])
        for s in snapshots
    )


def test_detail_sums_an_instance_over_its_nodes():
    document = make_document(snapshots=1)
    snapshot = document["metrics"]["snapshots"][0]
    snapshot["instance_tasks"] = [
        {"instance_id": "i", "node_id": "n1", "running_tasks": 2},
        {"instance_id": "i", "node_id": "n2", "running_tasks": 3},
    ]
    detail = read_detail(KEY, encode(document))
    (line,) = detail.instance_running
    assert line.points == ((snapshot["timestamp"], 5.0),)


def test_detail_of_a_broken_document_never_raises():
    detail = read_detail(KEY, b"\x00not json")
    assert detail.configs == () and detail.requests == ()
    assert "not UTF-8" in detail.problems[0].message or "not JSON" in (
        detail.problems[0].message
    )
    detail = read_detail(KEY, b"[]")
    assert "expected a JSON object" in detail.problems[0].message


def test_detail_reports_broken_snapshots():
    document = make_document(snapshots=2)
    broken = copy.deepcopy(document)
    broken["metrics"]["snapshots"][0] = "x"
    broken["metrics"]["snapshots"][1]["node_tasks"][0]["running_tasks"] = "many"
    broken["metrics"]["snapshots"][1]["node_memory"]["node id"] = 3
    detail = read_detail(KEY, encode(broken))
    where = {p.path for p in detail.problems}
    assert "$.metrics.snapshots[0]" in where
    assert "$.metrics.snapshots[1].node_tasks[0].running_tasks" in where
    assert '$.metrics.snapshots[1].node_memory["node id"]' in where
    assert len(detail.cluster_running.points) == 1


@pytest.mark.parametrize("document", [{}, {"not": "a bench doc"}, {"metrics": {}}])
def test_json_without_any_result_section_is_not_a_run(document):
    outcome = parse_document(
        "results/bogus.json",
        json.dumps(document).encode(),
        last_modified=datetime(2026, 12, 3, tzinfo=UTC),
    )
    assert outcome.run is None
    assert outcome.error is not None
    assert "not an EXO benchmark result" in outcome.error

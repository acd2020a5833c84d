"""The summary report: JSON keys exactly as documented, Markdown and table safe."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from rich.console import Console

from exo_benchtui.core.documents import parse_document
from exo_benchtui.core.model import StoredObject
from exo_benchtui.core.report import (
    markdown_escape,
    render_json,
    render_markdown,
    render_table,
    summary_data,
)
from exo_benchtui.core.store import ResultStore
from tests.builders import document_key, encode, make_document, make_stage

START = datetime(2025, 11, 1, 12, 0, tzinfo=UTC)
RUN_KEYS = ["key", "completed_at", "git_commit", "strategy", "models", "stages"]
STAGE_KEYS = [
    "name",
    "series",
    "success_rate_pct",
    "avg_response_ms",
    "throughput_tps",
    "ttft_ms",
    "ttft_std_ms",
    "decode_tps",
    "ms_per_token",
    "ms_per_token_std",
    "successful",
    "failed",
    "failure_reasons",
]


def store_of(*documents_and_keys, raw: dict[str, bytes] | None = None) -> ResultStore:
    store = ResultStore()
    for document, key in documents_and_keys:
        store.put(StoredObject(key, None, None), parse_document(key, encode(document)))
    for key, body in (raw or {}).items():
        store.put(StoredObject(key, None, None), parse_document(key, body))
    return store


def two_runs() -> ResultStore:
    later, earlier = START + timedelta(days=1), START
    failing = make_stage(
        iterations=4, errors=("timed out", "HTTP 500 Internal Server Error\nURL: x")
    )
    failing[1]["requests"][-1]["error"] = "timed out"
    return store_of(
        (make_document(completed_at=later, stages=[failing]), document_key(later)),
        (make_document(completed_at=earlier), document_key(earlier, run_id=1)),
    )


def test_json_keys_are_exactly_as_documented():
    data = json.loads(render_json(two_runs()))
    assert list(data) == ["runs", "series", "problems"]
    for run in data["runs"]:
        assert list(run) == RUN_KEYS
        for stage in run["stages"]:
            assert list(stage) == STAGE_KEYS
    for series in data["series"]:
        assert list(series) == ["id", "label", "runs"]


def test_json_runs_are_oldest_first_with_utc_times():
    data = summary_data(two_runs())
    times = [run["completed_at"] for run in data["runs"]]
    assert times == [START.isoformat(), (START + timedelta(days=1)).isoformat()]
    assert all(t.endswith("+00:00") for t in times)


def test_json_values():
    data = summary_data(two_runs())
    stage = data["runs"][1]["stages"][0]
    assert stage["successful"] == 2 and stage["failed"] == 2
    assert stage["success_rate_pct"] == 0.5 * 100
    assert stage["avg_response_ms"] == 2.192 * 1000
    assert stage["throughput_tps"] == 64.0 / 2.192
    assert list(stage["failure_reasons"].items()) == [("timed out", 2)]
    assert data["runs"][1]["strategy"] == "Tensor (MLX IBV)"
    assert data["runs"][1]["models"] == ["mlx-community/Kimi-K2-Thinking"]
    (series,) = data["series"]
    assert series["runs"] == 2
    assert series["id"] == stage["series"]


def test_json_null_where_absent_and_never_nan():
    stage = make_stage(avg_time_per_request=None, std_ms_per_token=None)
    document = json.dumps(make_document(stages=[stage])).replace(
        '"avg_decode_tps": 33.67', '"avg_decode_tps": NaN'
    )
    store = store_of(raw={document_key(): document.encode()})
    text = render_json(store)
    assert "NaN" not in text and "Infinity" not in text
    (run,) = json.loads(text)["runs"]
    (figures,) = run["stages"]
    assert figures["avg_response_ms"] is None
    assert figures["throughput_tps"] is None
    assert figures["ms_per_token_std"] is None
    assert figures["decode_tps"] is None


def test_json_problems_name_key_and_path():
    document = make_document()
    document["results"]["stages"][0]["total_tokens"] = "many"
    store = store_of((document, "good.json"), raw={"broken.json": b"\xff"})
    problems = summary_data(store)["problems"]
    assert {"key": "broken.json", "message": problems[0]["message"]} in problems
    assert problems[0]["message"].startswith("$: not UTF-8")
    assert {
        "key": "good.json",
        "message": "$.results.stages[0].total_tokens: expected a whole number, "
        "found a string",
    } in problems


def test_json_sync_part_from_the_report():
    report = SimpleNamespace(
        list_requests=2,
        get_requests=5,
        listed=6,
        bytes_read=1234,
        duration_s=0.5,
        problems={"b.json": "too big", "a.json": "gone"},
    )
    data = json.loads(render_json(two_runs(), sync=report))
    assert list(data) == ["runs", "series", "problems", "sync"]
    assert data["sync"] == {
        "list_requests": 2,
        "get_requests": 5,
        "objects": 6,
        "bytes": 1234,
        "duration_s": 0.5,
        "problems": {"a.json": "gone", "b.json": "too big"},
    }
    assert "sync" not in summary_data(two_runs())


def test_json_sync_part_uses_the_reports_own_dict():
    report = SimpleNamespace(to_dict=lambda: {"objects": 3, "duration_s": float("inf")})
    data = json.loads(render_json(two_runs(), sync=report))
    assert data["sync"] == {"objects": 3, "duration_s": None}


def test_markdown_escapes_pipes_and_markup():
    hostile = "evil|model *bold* <script> [x](y) \x1b[31m"
    store = store_of((make_document(models=(hostile,)), document_key()))
    text = render_markdown(store)
    row = next(line for line in text.splitlines() if "evil" in line)
    # Exactly the table's own pipes are unescaped: 10 columns, 11 pipes.
    unescaped = row.replace("\\|", "")
    assert unescaped.count("|") == 11
    assert "evil\\|model \\*bold\\* &lt;script&gt; \\[x\\]\\(y\\)" in row
    assert "\x1b" not in text and "\\\\x1b" in text


def test_markdown_escape_keeps_one_line():
    assert markdown_escape("a\nb|c") == "a / b\\|c"


def test_markdown_lists_problems():
    store = store_of(raw={"bad|name.json": b"[]"})
    text = render_markdown(store)
    assert "### Problems (1)" in text
    assert "- bad\\|name.json: $: expected a JSON object, found a list" in text


def test_table_shows_data_literally_without_control_characters():
    hostile = "[bold red]x[/bold red]\x1b]0;title\x07"
    store = store_of((make_document(hardware=(hostile,)), document_key()))
    out = io.StringIO()
    Console(file=out, width=400, color_system=None).print(render_table(store))
    text = out.getvalue()
    assert "[bold red]x[/bold red]\\x1b]0;title\\x07" in text
    assert "\x1b" not in text and "\x07" not in text


def test_table_has_a_row_per_run_stage():
    stages = [make_stage("a"), make_stage("b"), make_stage("c")]
    store = store_of(
        (make_document(stages=stages), document_key()),
        (make_document(completed_at=START), document_key(START, run_id=2)),
    )
    assert render_table(store).row_count == 4


def test_problems_listed_for_the_table_format_name_key_and_path():
    from exo_benchtui.core.report import render_problems

    store = ResultStore()
    assert render_problems(store) is None
    body = b'{"metadata": {"benchmark_completed_at": "soon"}, "results": {}}'
    store.put(
        StoredObject("bench/x[bold].json", "e", len(body)),
        parse_document("bench/x[bold].json", body),
    )
    text = render_problems(store)
    assert text is not None
    assert "bench/x[bold].json: $.metadata.benchmark_completed_at" in text.plain
    assert text.spans == []  # plain text: nothing read as markup

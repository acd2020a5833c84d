"""The summary report: JSON keys exactly as documented, Markdown and table safe."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from rich.console import Console

from exo_benchtui.core.documents import parse_document
from exo_benchtui.core.model import StoredObject
from exo_benchtui.core.report import (
    _COLUMNS,
    SERIES_MIN_CELLS,
    markdown_escape,
    render_json,
    render_markdown,
    render_table,
    summary_data,
)
from exo_benchtui.core.store import ResultStore
from exo_benchtui.terminal import ascii_text, outside_repertoire
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


# -- the table at the widths people's terminals have ----------------------


def long_labels() -> ResultStore:
    """Like the demo: two models, two hosts, stage names: ~90-cell labels."""
    stages = [
        make_stage(
            name,
            prompt_length=500,
            generation_length=200,
            iterations=10,
            avg_time_to_first_token=2.169,
            std_time_to_first_token=0.064,
        )
        for name in ("warmup", "medium_load", "stress_test")
    ]
    documents = []
    for day in range(3):
        completed = START + timedelta(days=day)
        document = make_document(
            completed_at=completed,
            models=("mlx-community/Qwen3-0.6B-4bit",) * 2,
            hardware=("puffin5", "puffin6"),
            stages=stages,
        )
        documents.append((document, document_key(completed, run_id=day)))
    return store_of(*documents)


def shown_table(store: ResultStore, width: int, *, console_font: bool) -> str:
    """The table as a terminal ``width`` columns wide shows it."""
    from rich import box

    from exo_benchtui.terminal import ConsoleProfile

    profile = ConsoleProfile(ascii_only=console_font, colours="full")
    table = render_table(
        store,
        width_cells=width,
        box=box.SQUARE if console_font else box.HEAVY_HEAD,
        shown=profile.text,
    )
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(table)
    return out.getvalue()


def body_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """(headings, cells of each body line) of a boxed table."""
    lines = text.splitlines()
    header = next(line for line in lines if "Series" in line)
    headings = [cell.strip() for cell in header.strip("┃│").split(header[0])]
    start = next(i for i, line in enumerate(lines) if line[:1] in "┡├")
    end = next(i for i, line in enumerate(lines) if line[:1] == "└")
    return headings, [
        [cell.strip() for cell in line.strip("│").split("│")]
        for line in lines[start + 1 : end]
    ]


@pytest.mark.parametrize("width", [80, 120, 160])
@pytest.mark.parametrize("console_font", [False, True])
def test_table_reads_at_80_120_and_160_columns(width, console_font):
    store = long_labels()
    text = shown_table(store, width, console_font=console_font)
    assert max(len(line) for line in text.splitlines()) <= width
    headings, rows = body_rows(text)
    # Every run-stage on exactly one line: nothing wrapped onto a second.
    assert len(rows) == 9
    assert {"Completed (UTC)", "Series", "Success", "TTFT"} <= set(headings)
    series = headings.index("Series")
    ellipsis = "..." if console_font else "…"
    labels = {series.label for series in store.series()}
    if console_font:
        labels = {ascii_text(label) for label in labels}
    for row in rows:
        assert len(row) == len(headings)
        cell = row[series]
        # The label's start, cut with an ellipsis; wide enough to tell
        # the stages apart.
        assert len(cell) >= SERIES_MIN_CELLS - 1
        assert cell.endswith(ellipsis)
        assert any(label.startswith(cell[: -len(ellipsis)]) for label in labels)
        assert row[headings.index("Success")] == "100 %"
        assert row[headings.index("TTFT")] in {
            "2169 ms",
            "2169 ± 64.0 ms",
            "2169 +/- 64.0 ms",
        }
    if console_font:
        assert "…" not in text and outside_repertoire(text) == set()
    if len(headings) < 10:
        assert f"Hidden at {width} columns: " in " ".join(text.split())


def test_table_at_80_columns_keeps_the_figures_that_matter():
    headings, _ = body_rows(shown_table(long_labels(), 80, console_font=True))
    assert headings == ["Completed (UTC)", "Series", "Success", "TTFT", "Per token"]


def test_wide_table_shows_every_column_and_whole_labels():
    store = long_labels()
    text = shown_table(store, 250, console_font=False)
    headings, rows = body_rows(text)
    assert headings == [heading for _, heading in _COLUMNS]
    assert {row[2] for row in rows} == {series.label for series in store.series()}
    assert "Hidden" not in text and "…" not in text
    assert {row[6] for row in rows} == {"2169 ± 64.0 ms"}


def test_series_cut_drops_a_dangling_separator():
    from exo_benchtui.core.report import _cut

    assert _cut("Qwen3 · warmup · pp50", 17, "...") == "Qwen3 · warmup..."
    assert _cut("Qwen3 - warmup - pp50", 18, "...") == "Qwen3 - warmup..."
    assert _cut("short", 17, "...") == "short"

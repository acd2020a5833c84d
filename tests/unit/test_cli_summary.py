"""``exo-bench-tui summary``: through the sync engine, exit codes 0, 1 and 2."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from exo_benchtui import cli
from exo_benchtui.terminal import outside_repertoire
from tests.builders import document_key, encode, make_document, make_stage
from tests.cli_support import isolate_user_dirs, user_config_file

FIRST = datetime(2025, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def home(monkeypatch, tmp_path) -> Path:
    return isolate_user_dirs(monkeypatch, tmp_path)


def write_results(folder: Path, count: int) -> list[str]:
    keys = []
    for index in range(count):
        completed = FIRST + timedelta(hours=index)
        key = document_key(completed, commit=f"{index:08x}" + "a" * 32, run_id=index)
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        stage = make_stage(errors=("timed out",) if index == 1 else ())
        path.write_bytes(encode(make_document(completed_at=completed, stages=[stage])))
        keys.append(key)
    return keys


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_summary_of_a_directory(tmp_path, capsys):
    write_results(tmp_path / "results", 3)
    code, out, err = run(
        ["summary", str(tmp_path / "results"), "--format", "json"], capsys
    )
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"runs", "series", "problems"}  # no "sync" for a folder
    assert len(data["runs"]) == 3
    completed = [run["completed_at"] for run in data["runs"]]
    assert completed == sorted(completed)
    second = data["runs"][1]["stages"][0]
    # make_stage: 4 iterations, one failed with "timed out".
    assert (second["successful"], second["failed"]) == (3, 1)
    assert second["failure_reasons"] == {"timed out": 1}
    assert data["problems"] == []


def test_unreadable_document_exits_1_and_prints_the_rest(tmp_path, capsys):
    folder = tmp_path / "results"
    write_results(folder, 2)
    broken = folder / "bench" / "2025" / "11" / "02" / "000000_deadbeef_9.json"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_bytes(b"{not json")
    code, out, _ = run(["summary", str(folder), "--format", "json"], capsys)
    assert code == 1
    data = json.loads(out)
    assert len(data["runs"]) == 2
    assert len(data["problems"]) == 1
    assert data["problems"][0]["key"].endswith("000000_deadbeef_9.json")


@pytest.mark.parametrize(("fmt", "marker"), [("markdown", "|"), ("table", "pp64")])
def test_markdown_and_table(tmp_path, capsys, fmt, marker):
    write_results(tmp_path / "results", 2)
    code, out, _ = run(["summary", str(tmp_path / "results"), "--format", fmt], capsys)
    assert code == 0
    assert marker in out


@pytest.mark.parametrize(
    ("term", "argv", "console"),
    [
        ("linux", [], True),
        ("vt220", [], True),
        ("xterm-256color", ["--ascii"], True),
        ("xterm-256color", [], False),
        ("linux", ["--no-ascii"], False),
    ],
)
def test_table_keeps_to_the_linux_consoles_font(
    tmp_path, capsys, monkeypatch, term, argv, console
):
    monkeypatch.setenv("TERM", term)
    write_results(tmp_path / "results", 2)
    code, out, _ = run(
        [*argv, "summary", str(tmp_path / "results"), "--format", "table"], capsys
    )
    assert code == 0
    # make_stage is "pp64/tg64 ×4 @0.5s": the × is outside the console's font.
    if console:
        assert outside_repertoire(out) == set()
        assert "┌" in out and "pp64/tg64 x4" in out
    else:
        assert "┏" in out and "pp64/tg64 ×4" in out


def test_one_problem_is_one_problem(tmp_path, capsys):
    folder = tmp_path / "results"
    write_results(folder, 1)
    (folder / "broken.json").write_bytes(b"{not json")
    code, out, _ = run(["summary", str(folder), "--format", "table"], capsys)
    assert code == 1
    words = " ".join(out.split())
    assert "1 run " in words and "1 problem " in words + " "
    assert "1 problems" not in words and "1 runs" not in words
    code, out, _ = run(["summary", str(folder), "--format", "markdown"], capsys)
    assert "1 run, 1 series." in out


def test_empty_directory_is_not_an_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, out, _ = run(["summary", str(tmp_path / "empty"), "--format", "json"], capsys)
    assert code == 0
    assert json.loads(out)["runs"] == []


def test_summary_logs_the_sync(tmp_path, capsys):
    write_results(tmp_path / "results", 2)
    log_file = tmp_path / "run.log"
    argv = ["summary", str(tmp_path / "results"), "--log-file", str(log_file)]
    code, _, _ = run([*argv, "--format", "json"], capsys)
    assert code == 0
    text = log_file.read_text(encoding="utf-8")
    assert "summary on" in text
    assert "2 listed, 2 added, 0 updated, 0 removed, 0 problems" in text


def test_s3_summary_gains_sync_figures(capsys, monkeypatch):
    """Through the demo's loopback S3 server: the JSON gains ``sync``."""
    from exo_benchtui.demo import DemoServer

    with DemoServer(runs=6, feed_interval_s=None, bucket="summary-test") as server:
        argv = [
            "summary",
            server.location,
            "--endpoint-url",
            server.endpoint_url,
            "--region",
            server.region,
            "--format",
            "json",
        ]
        code, out, err = run(argv, capsys)
    assert code == 0, err
    data = json.loads(out)
    assert len(data["runs"]) == 6
    assert data["sync"]["objects"] == 6
    assert data["sync"]["get_requests"] == 6
    assert data["sync"]["list_requests"] == 1


def test_unreachable_s3_source_exits_1_with_one_message(capsys, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    # Port 9 on loopback (discard) is closed: connection refused at once.
    argv = [
        "summary",
        "s3://bucket/bench/",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--region",
        "us-east-1",
    ]
    code, out, err = run(argv, capsys)
    assert code == 1
    assert out == ""
    assert "Traceback" not in err
    assert err.startswith("exo-bench-tui: ")
    assert "127.0.0.1:9" in err


def test_summary_without_source_reads_the_configured_one(tmp_path, capsys, home):
    write_results(tmp_path / "results", 2)
    config = user_config_file(home)
    config.parent.mkdir(parents=True)
    config.write_text(f'source = "{tmp_path / "results"}"\n')
    code, out, err = run(["summary", "--format", "json"], capsys)
    assert code == 0, err
    assert len(json.loads(out)["runs"]) == 2


def test_piped_table_is_wide_and_lists_each_problem(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    folder = tmp_path / "results"
    write_results(folder, 1)
    (folder / "broken.json").write_text("{not json")
    code, out, err = run(["summary", str(folder)], capsys)
    assert code == 1, err
    # Not folded into 80 columns: the header row reads whole.
    assert max(len(line) for line in out.splitlines()) > 80
    assert "broken.json: $: not JSON" in out


def test_misspelt_option_points_to_the_subcommand_help(tmp_path, capsys):
    code, _out, err = run(["summary", str(tmp_path), "--refresh", "5"], capsys)
    assert code == 2
    assert "?." not in err
    assert "See 'exo-bench-tui summary --help'." in err


@pytest.mark.parametrize("columns", [80, 120])
def test_table_reads_in_a_narrow_linux_console(tmp_path, capsys, monkeypatch, columns):
    """The whole command at the console's 80 (and 120) columns: a line per
    row, the figures whole, and no character outside the console's font."""
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.setenv("COLUMNS", str(columns))
    folder = tmp_path / "results"
    for index in range(3):
        completed = FIRST + timedelta(hours=index)
        stages = [
            make_stage(name, avg_time_to_first_token=12.3456)
            for name in ("warmup", "medium_load", "stress_test")
        ]
        document = make_document(
            completed_at=completed,
            models=("mlx-community/Qwen3-0.6B-4bit",) * 2,
            hardware=("puffin5", "puffin6"),
            stages=stages,
        )
        path = folder / document_key(completed, run_id=index)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encode(document))
    code, out, err = run(["summary", str(folder), "--format", "table"], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert outside_repertoire(out) == set() and "…" not in out
    body = [i for i, line in enumerate(lines) if line.startswith("│ 2025-11-01 ")]
    assert len(body) == 9
    assert body[-1] - body[0] == 8  # no row wrapped onto a second line
    for row in (lines[i] for i in body):
        assert "│ Qwen3-0.6B-4bit x2" in row and "... │" in row
        assert re.search(r"│ +12346 (\+/- 25\.0 )?ms │", row)  # TTFT, whole

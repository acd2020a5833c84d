"""The command line: SOURCE or a command, options anywhere, bad usage exits 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from exo_benchtui import __version__, cli
from exo_benchtui.settings import DEFAULT_SOURCE, Settings, default_config_file
from tests.cli_support import isolate_user_dirs


@pytest.fixture(autouse=True)
def home(monkeypatch, tmp_path) -> Path:
    return isolate_user_dirs(monkeypatch, tmp_path)


@pytest.fixture
def opened(monkeypatch) -> list[Settings]:
    """The settings the dashboard would have been opened with.

    Only the hand-over to Textual is replaced: the parsing, the settings and
    the log set-up are the real ones.
    """
    seen: list[Settings] = []

    def record(settings: Settings) -> int:
        seen.append(settings)
        return 0

    monkeypatch.setattr(cli, "_run_dashboard", record)
    return seen


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# -- opening the dashboard -----------------------------------------------------


def test_no_arguments_opens_the_default_bucket(opened, capsys):
    code, _, _ = run([], capsys)
    assert code == 0
    assert [s.source for s in opened] == [DEFAULT_SOURCE]


@pytest.mark.parametrize(
    "argv",
    [
        ["s3://bucket/prefix/"],
        ["--kiosk", "s3://bucket/prefix/"],
        ["s3://bucket/prefix/", "--kiosk"],
        ["--refresh", "30", "s3://bucket/prefix/"],
        ["--refresh=30", "s3://bucket/prefix/", "--cycle", "7"],
        ["--", "s3://bucket/prefix/"],
    ],
)
def test_source_with_options_before_or_after(opened, capsys, argv):
    code, _, err = run(argv, capsys)
    assert code == 0, err
    assert opened[0].source == "s3://bucket/prefix/"
    assert opened[0].kiosk is ("--kiosk" in argv)
    if "30" in argv or "--refresh=30" in argv:
        assert opened[0].refresh_s == 30.0
    if "7" in argv:
        assert opened[0].cycle_s == 7.0


def test_a_directory_source(opened, capsys, tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    code, _, _ = run([str(results)], capsys)
    assert code == 0
    assert opened[0].source == str(results)


def test_display_and_source_options(opened, capsys):
    argv = [
        "--profile",
        "exo",
        "--region",
        "eu-west-1",
        "--endpoint-url",
        "http://127.0.0.1:9000",
        "--no-sign-request",
        "--workers",
        "8",
        "--refresh",
        "15",
        "--kiosk",
        "--cycle",
        "9",
        "--ascii",
        "s3://b/p/",
    ]
    code, _, err = run(argv, capsys)
    assert code == 0, err
    settings = opened[0]
    assert (settings.profile, settings.region) == ("exo", "eu-west-1")
    assert settings.endpoint_url == "http://127.0.0.1:9000"
    assert settings.no_sign_request is True
    assert settings.workers == 8
    assert (settings.refresh_s, settings.kiosk, settings.cycle_s) == (15.0, True, 9.0)
    assert settings.ascii is True


def test_no_ascii_and_no_kiosk_override_the_environment(opened, capsys, monkeypatch):
    monkeypatch.setenv("EXO_BENCH_TUI_KIOSK", "true")
    monkeypatch.setenv("EXO_BENCH_TUI_ASCII", "true")
    run(["--no-kiosk", "--no-ascii"], capsys)
    assert opened[0].kiosk is False
    assert opened[0].ascii is False


def test_precedence_through_the_command_line(opened, capsys, monkeypatch, tmp_path):
    config = default_config_file()
    config.parent.mkdir(parents=True)
    config.write_text("refresh = 30\ncycle = 11\nworkers = 4\n", encoding="utf-8")
    monkeypatch.setenv("EXO_BENCH_TUI_REFRESH", "40")
    monkeypatch.setenv("EXO_BENCH_TUI_WORKERS", "6")
    run(["--workers", "12"], capsys)
    settings = opened[0]
    assert settings.cycle_s == 11.0  # file
    assert settings.refresh_s == 40.0  # env over file
    assert settings.workers == 12  # flag over env and file


def test_config_option_reads_another_file(opened, capsys, tmp_path):
    config = tmp_path / "wall.toml"
    config.write_text("kiosk = true\n", encoding="utf-8")
    code, _, _ = run(["--config", str(config)], capsys)
    assert code == 0
    assert opened[0].kiosk is True


def test_log_file_option(opened, capsys, tmp_path):
    log_file = tmp_path / "logs" / "bench.log"
    run(["--log-file", str(log_file), "s3://b/p/"], capsys)
    assert opened[0].log_file == log_file
    assert "dashboard on s3://b/p/" in log_file.read_text(encoding="utf-8")


# -- help and version ----------------------------------------------------------


def test_version(capsys):
    code, out, _ = run(["--version"], capsys)
    assert code == 0
    assert out.strip() == f"exo-bench-tui, version {__version__}"


def test_help_has_examples_and_says_where_files_are(capsys, home):
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    assert "exo-bench-tui summary ./results --format json" in out
    assert "exo-bench-tui demo" in out
    assert "exo-bench-tui s3://my-bucket/bench/" in out
    assert "exo-bench-tui ./results" in out
    # Where the config and log files are, for this user.
    joined = " ".join(out.split())
    assert str(home / ".config" / "exo-bench-tui" / "config.toml") in joined
    assert str(home / ".local/state/exo-bench-tui/exo-bench-tui.log") in joined
    for option in ("--refresh", "--kiosk", "--cycle", "--ascii", "--log-file"):
        assert option in out


@pytest.mark.parametrize("command", ["summary", "demo"])
def test_command_help_has_examples(capsys, command):
    code, out, _ = run([command, "--help"], capsys)
    assert code == 0
    assert f"exo-bench-tui {command}" in out
    assert "Examples:" in out


# -- bad usage: one sentence, exit code 2, no traceback ------------------------


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--bogus"], "No such option '--bogus'"),
        (["/no/such/dir"], "'/no/such/dir' is neither s3://BUCKET/PREFIX"),
        (["s3://"], "neither s3://BUCKET/PREFIX"),
        (["--refresh", "4", "s3://b/p/"], "--refresh"),
        (["--refresh", "soon"], "Invalid --refresh: got 'soon', expected seconds"),
        (["--refresh", "1"], "Invalid --refresh: got '1', expected seconds"),
        (["--cycle", "2.50"], "Invalid --cycle: got '2.50', expected seconds"),
        (["--workers", "0"], "--workers"),
        (["--cycle", "1"], "--cycle"),
        (["--endpoint-url", "minio:9000"], "--endpoint-url"),
        (["--config", "/no/such/file.toml"], "/no/such/file.toml"),
        (["s3://b/p/", "extra"], "No such command 'extra'"),
        (["summary", "/no/such/dir"], "'/no/such/dir' is neither"),
        (["summary", "s3://b/p/", "--format", "xml"], "'xml' is not one of"),
        (["demo", "--refresh", "30"], "No such option '--refresh'"),
    ],
)
def test_bad_usage_exits_2_with_one_sentence(opened, capsys, argv, words):
    code, out, err = run(argv, capsys)
    assert code == 2
    assert opened == []
    assert out == ""
    assert words in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


def test_bad_environment_exits_2(opened, capsys, monkeypatch):
    monkeypatch.setenv("EXO_BENCH_TUI_REFRESH", "1")
    code, _, err = run([], capsys)
    assert code == 2
    assert "EXO_BENCH_TUI_REFRESH" in err and "at least 5" in err


def test_bad_config_file_exits_2_naming_file_and_key(opened, capsys, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('kiosk = "sometimes"\n', encoding="utf-8")
    code, _, err = run(["--config", str(config)], capsys)
    assert code == 2
    assert f"key 'kiosk' in {config}" in err and "true or false" in err


def test_unwritable_log_file_exits_2(opened, capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    code, _, err = run(["--log-file", str(blocker / "x.log")], capsys)
    assert code == 2
    assert "Cannot write the log file" in err
    assert opened == []


def test_entry_point_in_a_fresh_interpreter(tmp_path, home):
    """``python -m exo_benchtui``: exit code 2 and one line, no traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "exo_benchtui", "--refresh", "2"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": str(home)},
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("exo-bench-tui: Invalid --refresh")
    assert len(result.stderr.strip().splitlines()) == 1


def test_help_does_not_import_textual_or_boto3(home):
    program = (
        "import sys\n"
        "from exo_benchtui.cli import main\n"
        "code = main(['--help'])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('textual', 'boto3', 'botocore', 'moto', 'rich'))\n"
        "print(code, heavy, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=60,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
    )
    assert result.stderr.strip() == "0 []"


def test_control_characters_in_a_bad_source_never_reach_the_terminal(capsys):
    from exo_benchtui import cli

    code = cli.main(["summary", "/no/such/\x1b]0;pwned\x07dir\x9b"])
    err = capsys.readouterr().err
    assert code == 2
    assert "\x1b" not in err and "\x07" not in err and "\x9b" not in err
    assert "\\x1b]0;pwned\\x07dir" in err


# -- a bucket name or region S3 would refuse: exit 2 before any request ------


@pytest.fixture
def dummy_aws(monkeypatch):
    """Credentials that look real, so nothing waits on a credential lookup."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (
            ["summary", "s3://Bad_Bucket!/x/", "--region", "us-east-1"],
            "exo-bench-tui: Invalid bucket name: 'Bad_Bucket!' in "
            "s3://Bad_Bucket!/x/ cannot be the name of an S3 bucket. Bucket names",
        ),
        (
            ["summary", "s3://results/x/", "--region", "no such region"],
            "exo-bench-tui: Invalid region: 'no such region' is not an AWS region "
            "name. Pass --region with a name such as us-east-1",
        ),
        (
            ["summary", "s3://results/x/", "--region", "eu\x1b]0;pwned\x07"],
            "Invalid region: 'eu\\x1b]0;pwned\\x07' is not",
        ),
    ],
)
def test_bad_bucket_or_region_exits_2_naming_it(dummy_aws, capsys, argv, words):
    code, out, err = run(argv, capsys)
    assert code == 2, err
    assert out == ""
    assert words in err, err
    assert len(err.strip().splitlines()) == 1, err
    for botocore_words in ("ParamValidationError", "InvalidRegionError", "regex"):
        assert botocore_words not in err
    assert "\x1b" not in err and "\x07" not in err


def test_a_bad_region_from_the_environment_exits_2(dummy_aws, capsys, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "bad region")
    code, _, err = run(["summary", "s3://results/x/"], capsys)
    assert code == 2
    assert "Invalid region: 'bad region'" in err and "AWS_DEFAULT_REGION" in err


def test_the_dashboard_stops_before_start_up_on_a_bad_bucket(dummy_aws, capsys):
    from exo_benchtui.core.errors import BenchTuiError, FailureKind
    from exo_benchtui.core.sources import open_source

    # make_app opens the source before Textual starts; so does the CLI.
    with pytest.raises(BenchTuiError) as raised:
        open_source("s3://Bad_Bucket!/x/")
    assert raised.value.kind is FailureKind.USAGE
    assert str(raised.value).startswith("Invalid bucket name: 'Bad_Bucket!'")


# -- demo: --format asks for the summary --------------------------------------


@pytest.fixture
def demo_calls(monkeypatch) -> list[str]:
    """What ``demo`` went on to do, with a stand-in for the demo's S3 server."""
    import exo_benchtui.demo

    calls: list[str] = []

    class FakeServer:
        location = "s3://exo-benchmark-results/bench/"
        endpoint_url = "http://127.0.0.1:1"
        region = "us-east-1"

        def __init__(self, **_: object) -> None:
            pass

        def __enter__(self) -> FakeServer:
            return self

        def __exit__(self, *_: object) -> None:
            pass

    monkeypatch.setattr(exo_benchtui.demo, "DemoServer", FakeServer)
    monkeypatch.setattr(cli, "_run_dashboard", lambda _: calls.append("dashboard"))
    monkeypatch.setattr(
        cli, "print_summary", lambda _, fmt: calls.append(f"summary {fmt}")
    )
    return calls


@pytest.mark.parametrize(
    ("argv", "done"),
    [
        (["demo"], "dashboard"),
        (["demo", "--summary"], "summary table"),
        (["demo", "--format", "json"], "summary json"),
        (["demo", "--format=markdown", "--kiosk"], "summary markdown"),
        (["demo", "--summary", "--format", "json"], "summary json"),
    ],
)
def test_demo_format_implies_summary(demo_calls, capsys, argv, done):
    code, _, err = run(argv, capsys)
    assert code == 0, err
    assert demo_calls == [done]

"""Settings: defaults < TOML file < environment < flags, and every bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from exo_benchtui.core.errors import FailureKind, UsageError
from exo_benchtui.settings import (
    DEFAULT_SOURCE,
    Settings,
    default_config_file,
    default_log_file,
    load_settings,
)
from tests.cli_support import isolate_user_dirs


@pytest.fixture(autouse=True)
def home(monkeypatch, tmp_path) -> Path:
    return isolate_user_dirs(monkeypatch, tmp_path)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file_env_or_flags():
    settings = load_settings({}, env={})
    assert settings.source == DEFAULT_SOURCE == "s3://exo-benchmark-results/bench/"
    assert settings.refresh_s == 60.0
    assert settings.kiosk is False
    assert settings.cycle_s == 20.0
    assert settings.ascii is None
    assert settings.no_sign_request is False
    assert settings.profile is None and settings.endpoint_url is None
    assert settings.log_level == "INFO"


def test_default_paths_follow_the_platform_dirs(home):
    assert default_config_file() == home / ".config/exo-bench-tui/config.toml"
    assert default_log_file() == home / ".local/state/exo-bench-tui/exo-bench-tui.log"
    assert Settings().log_file == default_log_file()


def test_the_default_config_file_is_read(home):
    write(default_config_file(), 'refresh = 45\nprofile = "exo"\n')
    settings = load_settings({}, env={})
    assert settings.refresh_s == 45.0
    assert settings.profile == "exo"


@pytest.mark.parametrize(
    ("file_value", "env_value", "flag_value", "expected"),
    [
        (None, None, None, 60.0),
        ("30", None, None, 30.0),
        ("30", "40", None, 40.0),
        ("30", "40", 50.0, 50.0),
        (None, "40", 50.0, 50.0),
        ("30", None, 50.0, 50.0),
    ],
)
def test_precedence_file_then_env_then_flag(
    tmp_path, file_value, env_value, flag_value, expected
):
    config = write(
        tmp_path / "c.toml", f"refresh = {file_value}\n" if file_value else ""
    )
    env = {"EXO_BENCH_TUI_REFRESH": env_value} if env_value else {}
    settings = load_settings({"refresh": flag_value}, config_file=config, env=env)
    assert settings.refresh_s == expected


def test_precedence_holds_per_key(tmp_path):
    config = write(
        tmp_path / "c.toml",
        'kiosk = true\ncycle = 12\nregion = "eu-west-1"\nworkers = 4\n',
    )
    env = {"EXO_BENCH_TUI_KIOSK": "false", "EXO_BENCH_TUI_WORKERS": "8"}
    settings = load_settings({"workers": 24}, config_file=config, env=env)
    assert settings.kiosk is False  # env over file
    assert settings.cycle_s == 12.0  # file only
    assert settings.region == "eu-west-1"  # file only
    assert settings.workers == 24  # flag over env over file


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("1", True), ("YES", True), ("off", False), ("0", False)],
)
def test_boolean_environment_values(raw, expected):
    assert load_settings({}, env={"EXO_BENCH_TUI_KIOSK": raw}).kiosk is expected


def test_ascii_auto_means_detect():
    assert load_settings({}, env={"EXO_BENCH_TUI_ASCII": "auto"}).ascii is None
    assert load_settings({}, env={"EXO_BENCH_TUI_ASCII": "true"}).ascii is True


def test_empty_environment_variable_is_ignored():
    assert load_settings({}, env={"EXO_BENCH_TUI_REFRESH": ""}).refresh_s == 60.0


def test_config_file_named_by_environment(tmp_path):
    config = write(tmp_path / "elsewhere.toml", "refresh = 15\n")
    env = {"EXO_BENCH_TUI_CONFIG": str(config)}
    assert load_settings({}, env=env).refresh_s == 15.0


def test_relative_directory_in_the_file_is_relative_to_the_file(tmp_path):
    results = tmp_path / "conf" / "results"
    results.mkdir(parents=True)
    config = write(tmp_path / "conf" / "c.toml", 'source = "results"\n')
    assert load_settings({}, config_file=config, env={}).source == str(results)


def test_source_options_carry_the_source_settings():
    settings = load_settings(
        {
            "profile": "exo",
            "region": "eu-west-1",
            "endpoint_url": "http://127.0.0.1:9000",
            "no_sign_request": True,
            "workers": 8,
        },
        env={},
    )
    options = settings.source_options()
    assert options.profile == "exo"
    assert options.region == "eu-west-1"
    assert options.endpoint_url == "http://127.0.0.1:9000"
    assert options.no_sign_request is True
    assert options.workers == 8


# -- invalid values: one message naming where and what was expected ----------


def usage_error(**kwargs) -> UsageError:
    with pytest.raises(UsageError) as caught:
        load_settings(**kwargs)
    assert caught.value.kind is FailureKind.USAGE
    return caught.value


def test_bad_toml_names_the_file(tmp_path):
    config = write(tmp_path / "c.toml", "refresh = = 3\n")
    message = str(usage_error(flags={}, config_file=config, env={}))
    assert str(config) in message
    assert "not valid TOML" in message


def test_unknown_key_names_the_file_and_key(tmp_path):
    config = write(tmp_path / "c.toml", "refrsh = 30\n")
    message = str(usage_error(flags={}, config_file=config, env={}))
    assert str(config) in message
    assert "unknown key 'refrsh'" in message
    assert "refresh" in message  # the keys that exist are listed


@pytest.mark.parametrize(
    ("line", "key", "expected"),
    [
        ('refresh = "soon"', "refresh", "seconds, at least 5"),
        ("refresh = 4", "refresh", "seconds, at least 5"),
        ("kiosk = 1", "kiosk", "true or false"),
        ("workers = 0", "workers", "1 to 64"),
        ("workers = 2.5", "workers", "1 to 64"),
        ("cycle = 1", "cycle", "3 to 3600"),
        ('endpoint_url = "minio:9000"', "endpoint_url", "http://"),
        ("profile = 3", "profile", "profile name"),
        ('log_level = "LOUD"', "log_level", "DEBUG, INFO"),
        ('source = "s3://"', "source", "neither s3://BUCKET/PREFIX"),
    ],
)
def test_wrong_type_or_range_in_file(tmp_path, line, key, expected):
    config = write(tmp_path / "c.toml", line + "\n")
    message = str(usage_error(flags={}, config_file=config, env={}))
    assert f"key '{key}' in {config}" in message
    assert expected in message


def test_missing_named_config_file(tmp_path):
    missing = tmp_path / "nope.toml"
    message = str(usage_error(flags={}, config_file=missing, env={}))
    assert "not found" in message and str(missing) in message


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("EXO_BENCH_TUI_REFRESH", "2", "at least 5"),
        ("EXO_BENCH_TUI_REFRESH", "fast", "at least 5"),
        ("EXO_BENCH_TUI_KIOSK", "maybe", "true or false"),
        ("EXO_BENCH_TUI_WORKERS", "100", "1 to 64"),
    ],
)
def test_bad_environment_value_names_the_variable(name, value, expected):
    message = str(usage_error(flags={}, env={name: value}))
    assert f"environment variable {name}" in message
    assert f"'{value}'" in message
    assert expected in message


def test_unknown_environment_variable_is_reported():
    message = str(usage_error(flags={}, env={"EXO_BENCH_TUI_REFRESH_S": "30"}))
    assert "EXO_BENCH_TUI_REFRESH_S" in message


def test_bad_flag_names_the_flag():
    message = str(usage_error(flags={"refresh": 4.0}, env={}))
    assert "--refresh" in message and "at least 5" in message


def test_source_must_be_s3_or_an_existing_directory(tmp_path):
    assert load_settings({"source": str(tmp_path)}, env={}).source == str(tmp_path)
    assert load_settings({"source": "s3://b/p/"}, env={}).source == "s3://b/p/"
    message = str(usage_error(flags={"source": str(tmp_path / "absent")}, env={}))
    assert str(tmp_path / "absent") in message
    assert "neither s3://BUCKET/PREFIX nor an existing directory" in message


def test_a_stale_source_below_one_given_is_never_checked(tmp_path):
    gone = tmp_path / "moved-away"
    config = write(tmp_path / "c.toml", f'source = "{gone}"\n')
    env = {"EXO_BENCH_TUI_SOURCE": str(gone)}
    here = str(tmp_path)
    assert load_settings({"source": here}, config_file=config, env={}).source == here
    assert load_settings({"source": here}, env=env).source == here
    assert load_settings({}, config_file=config, env={"EXO_BENCH_TUI_SOURCE": here})


@pytest.mark.parametrize("layer", ["file", "environment"])
def test_a_missing_source_that_wins_names_where_it_was_set(tmp_path, layer):
    gone = tmp_path / "moved-away"
    if layer == "file":
        config = write(tmp_path / "c.toml", f'source = "{gone}"\n')
        message = str(usage_error(flags={}, config_file=config, env={}))
        assert f"key 'source' in {config}" in message
    else:
        message = str(usage_error(flags={}, env={"EXO_BENCH_TUI_SOURCE": str(gone)}))
        assert "environment variable EXO_BENCH_TUI_SOURCE" in message
    assert f"'{gone}' is neither s3://BUCKET/PREFIX nor an existing directory" in (
        message
    )


def test_an_s3_source_needs_a_bucket(tmp_path):
    config = write(tmp_path / "c.toml", 'source = "s3:///bench/"\n')
    message = str(usage_error(flags={"source": str(tmp_path)}, config_file=config))
    assert f"key 'source' in {config}" in message


def test_default_workers_match_the_sync_engine():
    from exo_benchtui.core import sources
    from exo_benchtui.settings import DEFAULT_WORKERS

    assert Settings().workers == DEFAULT_WORKERS == sources.DEFAULT_WORKERS

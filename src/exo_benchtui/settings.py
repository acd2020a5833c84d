"""One :class:`Settings` value from defaults < TOML file < environment < flags.

The configuration file lives at ``config.toml`` in the platform's config
directory (``platformdirs.user_config_dir("exo-bench-tui")``) unless
``--config FILE`` names another one. Each key can also be set through an
environment variable ``EXO_BENCH_TUI_<KEY>`` (upper case) and a command-line
flag. Anything invalid becomes a :class:`UsageError` naming where it came
from (the file and key, the variable, or the flag) and what was expected.

This module is imported by ``--help``, so it stays light: no boto3, no
Textual at import time.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from exo_benchtui.core.errors import UsageError

if TYPE_CHECKING:
    from exo_benchtui.core.sources import SourceOptions

APP_NAME = "exo-bench-tui"
ENV_PREFIX = "EXO_BENCH_TUI_"
DEFAULT_SOURCE = "s3://exo-benchmark-results/bench/"
DEFAULT_WORKERS = 32
"""Concurrent GETs per sync. The same as ``core.sources.DEFAULT_WORKERS`` (a
test checks), not imported from there because that module loads boto3."""
MIN_REFRESH_S = 5.0
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def default_config_file() -> Path:
    """``config.toml`` in the platform's config directory for the app."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_log_file() -> Path:
    """``exo-bench-tui.log`` in the platform's state directory for the app."""
    return Path(platformdirs.user_state_dir(APP_NAME)) / f"{APP_NAME}.log"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the command line, the dashboard and the sync need to start."""

    source: str = DEFAULT_SOURCE
    """``s3://BUCKET/PREFIX`` or a local directory of result documents."""
    profile: str | None = None
    """AWS profile name (from ``~/.aws/config``); None uses the default chain."""
    region: str | None = None
    """AWS region of the bucket; None lets boto3 decide."""
    endpoint_url: str | None = None
    """An S3-compatible endpoint such as MinIO or R2; None for AWS."""
    no_sign_request: bool = False
    """Read a public bucket without credentials."""
    workers: int = DEFAULT_WORKERS
    """Concurrent object reads during a sync."""
    refresh_s: float = 60.0
    """Seconds between syncs; at least 5."""
    kiosk: bool = False
    """Start on the full-screen wall display."""
    cycle_s: float = 20.0
    """Seconds each series stays on the kiosk screen."""
    ascii: bool | None = None
    """Draw only ASCII and line-drawing characters; None detects it from TERM."""
    log_file: Path = field(default_factory=default_log_file)
    """Where the log is written (rotated, a few MB at most)."""
    log_level: str = "INFO"
    """DEBUG, INFO, WARNING or ERROR."""

    def source_options(self) -> SourceOptions:
        """The options :func:`exo_benchtui.core.sources.open_source` takes."""
        # Imported here: sources pulls in boto3, which --help must not pay for.
        from exo_benchtui.core.sources import SourceOptions

        return SourceOptions(
            profile=self.profile,
            region=self.region,
            endpoint_url=self.endpoint_url,
            no_sign_request=self.no_sign_request,
            workers=self.workers,
        )

    @property
    def is_s3(self) -> bool:
        return self.source.startswith("s3://")


# -- the keys a user can set ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Key:
    """One user-facing setting: its names, how to read it, what is allowed."""

    name: str
    """The TOML key; the env var is ENV_PREFIX + name.upper()."""
    attribute: str
    """The Settings field it sets."""
    flag: str
    convert: Callable[[Any, str], Any]
    """(raw value, expected-text) -> value; raises ValueError with a reason."""
    expected: str
    """What a valid value looks like, for messages."""

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _to_bool(value: Any, _: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError


def _to_optional_bool(value: Any, expected: str) -> bool | None:
    if isinstance(value, str) and value.strip().lower() == "auto":
        return None
    return _to_bool(value, expected)


def _to_number(low: float, high: float) -> Callable[[Any, str], float]:
    def convert(value: Any, _: str) -> float:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, str):
            value = float(value.strip())
        if not isinstance(value, int | float) or not low <= value <= high:
            raise ValueError
        return float(value)

    return convert


def _to_int(low: int, high: int) -> Callable[[Any, str], int]:
    def convert(value: Any, _: str) -> int:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, str):
            value = int(value.strip())
        if not isinstance(value, int) or not low <= value <= high:
            raise ValueError
        return value

    return convert


def _to_text(value: Any, _: str) -> str | None:
    if not isinstance(value, str):
        raise ValueError
    return value.strip() or None


def _to_source(value: Any, _: str) -> str:
    # Only the form here: whether a directory exists is asked of the source
    # that wins (load_settings), so a stale one in the file never blocks a
    # command given its own SOURCE.
    if not isinstance(value, str) or not value.strip():
        raise ValueError
    location = value.strip()
    if location.startswith("s3://") and not location[len("s3://") :].split("/")[0]:
        raise ValueError
    return location


def _to_endpoint(value: Any, _: str) -> str | None:
    text = _to_text(value, _)
    if text is not None and not text.startswith(("http://", "https://")):
        raise ValueError
    return text


def _to_path(value: Any, _: str) -> Path:
    if not isinstance(value, str | Path) or not str(value).strip():
        raise ValueError
    return Path(str(value).strip()).expanduser()


def _to_level(value: Any, _: str) -> str:
    if not isinstance(value, str) or value.strip().upper() not in LOG_LEVELS:
        raise ValueError
    return value.strip().upper()


KEYS: tuple[_Key, ...] = (
    _Key("source", "source", "SOURCE", _to_source, "s3://BUCKET/PREFIX or a directory"),
    _Key("profile", "profile", "--profile", _to_text, "an AWS profile name"),
    _Key("region", "region", "--region", _to_text, "an AWS region like eu-west-1"),
    _Key(
        "endpoint_url",
        "endpoint_url",
        "--endpoint-url",
        _to_endpoint,
        "a URL starting with http:// or https://",
    ),
    _Key(
        "no_sign_request",
        "no_sign_request",
        "--no-sign-request",
        _to_bool,
        "true or false",
    ),
    _Key("workers", "workers", "--workers", _to_int(1, 64), "a whole number, 1 to 64"),
    _Key(
        "refresh",
        "refresh_s",
        "--refresh",
        _to_number(MIN_REFRESH_S, 86_400),
        "seconds, at least 5 (and at most 86400)",
    ),
    _Key("kiosk", "kiosk", "--kiosk", _to_bool, "true or false"),
    _Key("cycle", "cycle_s", "--cycle", _to_number(3, 3_600), "seconds, 3 to 3600"),
    _Key("ascii", "ascii", "--ascii", _to_optional_bool, "true, false or auto"),
    _Key("log_file", "log_file", "--log-file", _to_path, "a file path"),
    _Key(
        "log_level",
        "log_level",
        "--log-level",
        _to_level,
        "DEBUG, INFO, WARNING or ERROR",
    ),
)
_BY_NAME = {key.name: key for key in KEYS}
_SOURCE_EXISTS = replace(_BY_NAME["source"], convert=lambda v, _: check_source(v))
"""The check the winning source gets: a directory must exist."""


def check_source(location: str) -> str:
    """``location`` if it is ``s3://BUCKET[/PREFIX]`` or an existing directory.

    Raises ValueError otherwise (callers add where the value came from).
    """
    if location.startswith("s3://"):
        bucket = location[len("s3://") :].split("/", 1)[0]
        if not bucket:
            raise ValueError
        return location
    if Path(location).expanduser().is_dir():
        return location
    raise ValueError


# -- loading -------------------------------------------------------------------


def _convert(key: _Key, value: Any, where: str) -> Any:
    try:
        return key.convert(value, key.expected)
    except (ValueError, TypeError, OverflowError):
        if key.name == "source":
            raise UsageError(
                f"Invalid {where}",
                f"'{value}' is neither s3://BUCKET/PREFIX nor an existing directory",
            ) from None
        shown = f"'{value}'" if isinstance(value, str) else repr(value)
        raise UsageError(
            f"Invalid {where}", f"got {shown}, expected {key.expected}"
        ) from None


def read_config_file(path: Path, *, required: bool) -> dict[str, Any]:
    """The values set in the TOML file at ``path``, converted and checked.

    A missing file is fine unless ``required`` (it was named with --config).
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if required:
            raise UsageError(
                "Configuration file not found", str(path), hint="Check the path"
            ) from None
        return {}
    except OSError as error:
        raise UsageError(
            "Cannot read the configuration file", f"{path}: {error.strerror}"
        ) from None
    try:
        table = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UsageError(
            "Invalid configuration file",
            f"{path} is not valid TOML ({error})",
        ) from None
    values: dict[str, Any] = {}
    for name, value in table.items():
        key = _BY_NAME.get(name)
        if key is None:
            known = ", ".join(k.name for k in KEYS)
            raise UsageError(
                "Invalid configuration file",
                f"{path}: unknown key '{name}'; the keys are {known}",
            )
        if name == "source" and isinstance(value, str) and "://" not in value:
            # A relative directory in the file is relative to the file.
            value = str((path.parent / Path(value).expanduser()).resolve())
        values[key.attribute] = _convert(key, value, f"key '{name}' in {path}")
    return values


def read_environment(env: Mapping[str, str]) -> dict[str, Any]:
    """The values set through ``EXO_BENCH_TUI_*`` variables, converted and checked.

    Empty variables are ignored, as if unset.
    """
    values: dict[str, Any] = {}
    for key in KEYS:
        raw = env.get(key.env)
        if raw is None or not raw.strip():
            continue
        values[key.attribute] = _convert(key, raw, f"environment variable {key.env}")
    unknown = sorted(
        name
        for name in env
        if name.startswith(ENV_PREFIX)
        and name[len(ENV_PREFIX) :].lower() not in _BY_NAME
        and name != ENV_PREFIX + "CONFIG"
    )
    if unknown:
        raise UsageError(
            "Unknown environment variable",
            f"{unknown[0]}; the variables are "
            + ", ".join(key.env for key in KEYS)
            + f" and {ENV_PREFIX}CONFIG",
        )
    return values


def read_flags(flags: Mapping[str, Any]) -> dict[str, Any]:
    """The values given on the command line (by TOML key name; None = not given)."""
    values: dict[str, Any] = {}
    for name, value in flags.items():
        if value is None:
            continue
        key = _BY_NAME[name]
        values[key.attribute] = _convert(key, value, key.flag)
    return values


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    source_must_exist: bool = True,
) -> Settings:
    """Settings from defaults < TOML file < environment < ``flags``.

    ``flags`` maps TOML key names (``refresh``, ``kiosk``…) to what was given
    on the command line, None for not given. ``config_file`` is ``--config``;
    without it ``EXO_BENCH_TUI_CONFIG`` or the platform default is read, if it
    exists. Raises :class:`UsageError` for anything invalid, and, if
    ``source_must_exist``, for a source directory that does not exist.
    """
    env = os.environ if env is None else env
    if config_file is not None:
        path, required = config_file.expanduser(), True
    elif env.get(ENV_PREFIX + "CONFIG", "").strip():
        path, required = Path(env[ENV_PREFIX + "CONFIG"].strip()).expanduser(), True
    else:
        path, required = default_config_file(), False
    layers = (
        (f"key 'source' in {path}", read_config_file(path, required=required)),
        (f"environment variable {_BY_NAME['source'].env}", read_environment(env)),
        (_BY_NAME["source"].flag, read_flags(flags or {})),
    )
    values: dict[str, Any] = {}
    source_from = None
    for where, layer in layers:
        values.update(layer)
        if "source" in layer:
            source_from = where
    if source_must_exist and source_from is not None:
        _convert(_SOURCE_EXISTS, values["source"], source_from)
    return replace(Settings(), **values)


def describe(settings: Settings) -> dict[str, str]:
    """Settings as text, for the log (no secret is ever a setting)."""
    return {f.name: str(getattr(settings, f.name)) for f in fields(settings)}

"""Helpers for the command-line, settings and demo tests (cli owner)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def isolate_user_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point HOME and the XDG directories into ``tmp_path``; clear our env vars.

    The user's real configuration file, log directory and ``EXO_BENCH_TUI_*``
    variables must never leak into a test. Returns the fake home.
    """
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    for name in list(os.environ):
        if name.startswith("EXO_BENCH_TUI_"):
            monkeypatch.delenv(name)
    return home


def user_config_file(home: Path) -> Path:
    """Where platformdirs puts the config file under the fake home (Linux)."""
    return home / ".config" / "exo-bench-tui" / "config.toml"

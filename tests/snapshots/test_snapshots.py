"""SVG snapshots of the dashboard at fixed sizes, fixed clock and fixed data.

Update them with ``pytest tests/snapshots --snapshot-update`` after a change
meant to alter the screen, and look at the new SVGs before committing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exo_benchtui.ui.app import BenchApp, make_app
from tests.functional.app_support import (
    fixed_clock,
    history,
    settings_for,
    write_documents,
)


@pytest.fixture
def dashboard(tmp_path: Path, monkeypatch) -> BenchApp:
    # A relative source, so the status line reads the same on every machine.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").mkdir()
    write_documents(tmp_path / "results", history(12))
    return make_app(settings_for("results"), clock=fixed_clock)


async def loaded(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def detail_opened(pilot) -> None:
    await loaded(pilot)
    await pilot.press("t", "down", "enter")
    await loaded(pilot)


def test_main_screen_80x24(snap_compare, dashboard):
    assert snap_compare(dashboard, terminal_size=(80, 24), run_before=loaded)


def test_main_screen_160x48(snap_compare, dashboard):
    assert snap_compare(dashboard, terminal_size=(160, 48), run_before=loaded)


def test_runs_table_120x30(snap_compare, dashboard):
    async def table(pilot) -> None:
        await loaded(pilot)
        await pilot.press("t")

    assert snap_compare(dashboard, terminal_size=(120, 30), run_before=table)


def test_runs_table_80x24(snap_compare, dashboard):
    async def table(pilot) -> None:
        await loaded(pilot)
        await pilot.press("t")

    assert snap_compare(dashboard, terminal_size=(80, 24), run_before=table)


def test_detail_screen_160x48(snap_compare, dashboard):
    assert snap_compare(dashboard, terminal_size=(160, 48), run_before=detail_opened)

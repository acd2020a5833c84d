"""Findings of a new-user trial and of the kiosk engineer, driven through Pilot.

Each test builds the app with ``make_app`` over a directory of documents from
``tests/builders.py``, as in ``test_app.py``; none sleeps.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette

from exo_benchtui.ui.app import BenchApp, make_app
from exo_benchtui.ui.screens.help import HelpScreen
from exo_benchtui.ui.screens.kiosk import KioskScreen
from exo_benchtui.ui.screens.main import MainScreen
from exo_benchtui.ui.screens.series_picker import SeriesPicker
from tests.functional.app_support import (
    fixed_clock,
    history,
    pilot_test,
    plain,
    settings_for,
    write_documents,
)


@pytest.fixture
def results_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "results"
    directory.mkdir()
    write_documents(directory, history(12))
    return directory


def app_for(directory: Path, **changes) -> BenchApp:
    return make_app(settings_for(directory, **changes), clock=fixed_clock)


async def settled(pilot) -> None:
    """Let workers finish and their messages be handled."""
    for _ in range(2):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


# -- 1. the kiosk keeps Textual's app-level keys away ------------------------


@pilot_test
async def test_kiosk_ignores_ctrl_q_and_ctrl_p(results_dir):
    app = app_for(results_dir, kiosk=True)
    async with app.run_test(size=(80, 25)) as pilot:
        await settled(pilot)
        assert isinstance(app.screen, KioskScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.screen, KioskScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, KioskScreen)
        assert not any(isinstance(s, CommandPalette) for s in app.screen_stack)


@pilot_test
async def test_dashboard_still_quits_on_ctrl_q(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


# -- 7. the palette offers the dashboard's own commands -----------------------


@pilot_test
async def test_palette_lists_the_app_commands_first(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert titles[:6] == [
            "Refresh now",
            "Pick series",
            "Switch metric set",
            "Show runs table",
            "Show problems",
            "Help",
        ]
        assert "Quit" in titles  # Textual's own stay too


@pilot_test
async def test_palette_command_runs(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"pick series")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SeriesPicker)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("ctrl+p")
        await pilot.press(*"show runs table")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.screen.query_one("#tabs").active == "runs-tab"


# -- 6. help says how to close it ---------------------------------------------


@pilot_test
async def test_help_says_how_to_close_and_what_the_table_follows(results_dir):
    app = app_for(results_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(plain(app.screen.query_one("#help-text").content).split())
        assert "Escape or ? closes this help" in text
        assert "only the selected series' runs" in text
        await pilot.press("question_mark")
        assert isinstance(app.screen, MainScreen)

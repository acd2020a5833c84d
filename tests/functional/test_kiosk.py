"""The kiosk screen, driven through the real app over a directory of documents.

The clock is a :class:`FakeClock` the test moves; the screen's once-a-second
timer is not waited for: each test calls ``screen.tick()`` (what the timer
calls) after moving the clock, so nothing sleeps.
"""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from textual.widgets import Digits, Static

from exo_benchtui.ui.console import BlockDigits
from exo_benchtui.ui.screens.kiosk import KioskScreen
from tests.functional.kiosk_fixtures import (
    MODELS,
    START,
    FakeClock,
    kiosk_settings,
    run_async,
    settled,
    write_history,
    write_run,
)


def short(model: str) -> str:
    return model.rsplit("/", 1)[-1]


@pytest.fixture
def docs(tmp_path):
    directory = tmp_path / "docs"
    write_history(directory)
    return directory


async def started(app, pilot) -> KioskScreen:
    await settled(pilot)
    screen = app.screen
    assert isinstance(screen, KioskScreen)
    return screen


def text_of(screen: KioskScreen, selector: str) -> str | None:
    """What a line widget shows, or None when it is hidden."""
    widget = screen.query_one(selector, Static)
    if not widget.display:
        return None
    return str(widget.render())


@run_async
async def test_cycles_one_series_at_a_time_every_cycle_s(docs, tmp_path):
    from exo_benchtui.ui.app import make_app

    clock = FakeClock()
    app = make_app(kiosk_settings(docs, tmp_path, cycle_s=20), clock=clock)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await started(app, pilot)
        # Most recently active first: the history ends with Kimi, then Llama
        # an hour earlier, then Qwen.
        expected = [short(MODELS[0]), short(MODELS[1]), short(MODELS[2])]
        assert expected[0] in text_of(screen, "#kiosk-series")
        assert "[1/3]" in text_of(screen, "#kiosk-series")
        for shown in [expected[1], expected[2], expected[0]]:
            clock.advance(19)
            screen.tick()
            await pilot.pause()
            assert shown not in text_of(screen, "#kiosk-series")
            clock.advance(1)
            screen.tick()
            await pilot.pause()
            assert shown in text_of(screen, "#kiosk-series")


@run_async
async def test_headline_numbers_compare_with_the_previous_run(docs, tmp_path):
    from exo_benchtui.ui.app import make_app

    app = make_app(kiosk_settings(docs, tmp_path), clock=FakeClock())
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await started(app, pilot)
        # Kimi's last two runs: 2.1 s then 2.2 s per request (worse by
        # 100 ms), decode 29 then 28 tok/s (worse), every request successful.
        response = screen.query_one("#figure-avg_response_ms")
        number = response.query_one(".figure-number")
        assert isinstance(number, Digits | BlockDigits)
        assert number.value == "2200"
        change = response.query_one(".figure-change", Static)
        assert "+100 ms" in str(change.render())
        assert "worse" in str(change.render())
        assert change.has_class("-worse")
        decode = screen.query_one("#figure-decode_tps")
        assert decode.query_one(".figure-number").value == "28.0"
        assert "worse" in str(decode.query_one(".figure-change", Static).render())
        success = screen.query_one("#figure-success_rate_pct")
        assert success.query_one(".figure-number").value == "100"
        success_change = success.query_one(".figure-change", Static)
        assert "no change" in str(success_change.render())
        assert success_change.has_class("-same")


@run_async
async def test_a_new_run_is_announced_for_a_minute_and_shown(docs, tmp_path):
    from exo_benchtui.ui.app import make_app

    clock = FakeClock()
    app = make_app(kiosk_settings(docs, tmp_path), clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(app, pilot)
        # The first load is history, not news.
        assert text_of(screen, "#kiosk-news") is None
        write_run(
            docs,
            model=MODELS[2],
            completed_at=START + timedelta(minutes=1),
            commit="feedc0de".ljust(40, "0"),
            run_id=424242,
        )
        clock.advance(30)
        app.start_sync()
        await settled(pilot)
        news = text_of(screen, "#kiosk-news")
        assert news is not None
        assert "New result" in news
        assert short(MODELS[2]) in news
        assert "feedc0de" in news
        # The series of the new run is put on screen at once.
        assert short(MODELS[2]) in text_of(screen, "#kiosk-series")
        clock.advance(59)
        screen.tick()
        await pilot.pause()
        assert text_of(screen, "#kiosk-news") is not None
        clock.advance(2)
        screen.tick()
        await pilot.pause()
        assert text_of(screen, "#kiosk-news") is None


@run_async
async def test_stale_banner_after_three_refreshes_says_since_when_and_why(
    docs, tmp_path
):
    from exo_benchtui.ui.app import make_app

    clock = FakeClock()
    app = make_app(kiosk_settings(docs, tmp_path, refresh_s=60), clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await started(app, pilot)
        assert app.sync_status.last_success_at == START
        clock.advance(3 * 60)
        screen.tick()
        await pilot.pause()
        assert text_of(screen, "#kiosk-stale") is None

        # The source goes away: the next sync fails and says why.
        shutil.rmtree(docs)
        app.start_sync()
        await settled(pilot)
        error = app.sync_status.last_error
        assert error is not None
        clock.advance(1)
        screen.tick()
        await pilot.pause()
        banner = text_of(screen, "#kiosk-stale")
        assert banner is not None
        assert "STALE DATA" in banner
        assert "last successful sync 2026-03-02 09:00 UTC" in banner
        assert error.title in banner
        # The hint is a sentence of its own, capitalised.
        assert ". Check the path given" in " ".join(banner.split())
        # The data stays on screen under the banner.
        assert "[" in text_of(screen, "#kiosk-series")
        success = screen.query_one("#figure-success_rate_pct .figure-number")
        assert success.value == "100"


@run_async
async def test_only_q_twice_within_two_seconds_quits(docs, tmp_path):
    from exo_benchtui.ui.app import make_app

    clock = FakeClock()
    app = make_app(kiosk_settings(docs, tmp_path), clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await started(app, pilot)
        for key in ("s", "m", "question_mark", "escape", "enter", "t", "p", "x"):
            await pilot.press(key)
        await pilot.pause()
        assert app.screen is screen
        assert app.return_code is None

        await pilot.press("q")
        await pilot.pause()
        assert app.return_code is None
        assert "press q again to quit" in text_of(screen, "#kiosk-clock")
        clock.advance(2.5)
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code is None
        clock.advance(1.5)
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0


@run_async
async def test_ctrl_c_quits(docs, tmp_path):
    from exo_benchtui.ui.app import make_app

    app = make_app(kiosk_settings(docs, tmp_path), clock=FakeClock())
    async with app.run_test(size=(100, 30)) as pilot:
        await started(app, pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.return_code == 0


@pytest.mark.parametrize("size", [(20, 6), (80, 25), (33, 17)])
@run_async
async def test_survives_odd_sizes_and_resizes(docs, tmp_path, size):
    from exo_benchtui.ui.app import make_app

    clock = FakeClock()
    app = make_app(kiosk_settings(docs, tmp_path), clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await started(app, pilot)
        for new_size in [(250, 70), (1, 1), (81, 24), size]:
            await pilot.resize_terminal(*new_size)
            clock.advance(20)
            screen.tick()
            await pilot.pause()
        assert app.screen is screen
        assert text_of(screen, "#kiosk-series") is not None


@run_async
async def test_no_results_yet_is_said_in_words(tmp_path):
    from exo_benchtui.ui.app import make_app

    empty = tmp_path / "empty"
    empty.mkdir()
    app = make_app(kiosk_settings(empty, tmp_path), clock=FakeClock())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await started(app, pilot)
        assert text_of(screen, "#kiosk-series") == "No results yet"

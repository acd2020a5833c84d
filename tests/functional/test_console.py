"""Console mode: what the app writes to a Linux console, byte for byte.

The repertoire and colour tests run the real program (``python -m
exo_benchtui``) under a pseudo-terminal with Textual's real driver, read
everything it writes, strip the control sequences and check each character
that would be drawn. The profile tests check detection in-process.
"""

from __future__ import annotations

import re

import pytest
from rich.color import ColorSystem
from textual.filter import Monochrome, NoColor
from textual.widgets import Static

from exo_benchtui.terminal import (
    ALLOWED_CHARACTERS,
    ascii_text,
    detect_profile,
    outside_repertoire,
)
from exo_benchtui.ui.console import (
    CONSOLE_THEME_NAME,
    BlockDigits,
    apply_console_profile,
    big_digits,
)
from tests.functional.kiosk_fixtures import (
    FakeClock,
    kiosk_settings,
    write_history,
)
from tests.functional.terminal import (
    Step,
    colour_sgr,
    run_program,
    strip_escapes,
    user_env,
)

# -- detection -----------------------------------------------------------------


@pytest.mark.parametrize(
    "term", ["linux", "vt100", "vt102", "vt220", "vt320", "ansi", "linux-16color"]
)
def test_limited_terminals_are_ascii_only_with_16_colours(term):
    profile = detect_profile({"TERM": term})
    assert profile.ascii_only
    assert profile.colours == "16"
    assert profile.console_mode
    assert profile.chart_marker == "*"
    assert profile.arrows == ("^", "v")


@pytest.mark.parametrize(
    "term", ["xterm-256color", "tmux-256color", "screen", "alacritty", "xterm-kitty"]
)
def test_full_terminals_are_not_console_mode(term):
    profile = detect_profile({"TERM": term})
    assert not profile.ascii_only
    assert profile.colours == "full"
    assert not profile.console_mode
    assert profile.chart_marker == "braille"


def test_ascii_flag_forces_and_overrides_detection():
    assert detect_profile({"TERM": "xterm-256color"}, ascii_flag=True).ascii_only
    assert not detect_profile({"TERM": "linux"}, ascii_flag=False).ascii_only
    assert "--ascii" in detect_profile({}, ascii_flag=True).reason


@pytest.mark.parametrize("value", ["1", "", "yes"])
def test_no_color_present_means_no_colour(value):
    # Present at all, as Textual itself reads it.
    profile = detect_profile({"TERM": "xterm-256color", "NO_COLOR": value})
    assert profile.colours == "none"
    assert not profile.ascii_only
    assert profile.console_mode


@pytest.mark.parametrize("environ", [{}, {"TERM": "dumb"}, {"TERM": ""}])
def test_unset_or_dumb_term_is_left_alone(environ):
    # CI and pipes: the app's tests there must draw as in any terminal.
    profile = detect_profile(environ)
    assert not profile.console_mode


# -- the repertoire and ASCII fallbacks -----------------------------------------


def test_repertoire_is_ascii_plus_cp437_graphics():
    printable_ascii = {chr(code) for code in range(0x20, 0x7F)}
    assert printable_ascii <= ALLOWED_CHARACTERS
    for char in "─│┌┐└┘├┤┬┴┼═║╔╗╚╝╠╣╦╩╬╒╓╕╖╘╙╛╜╞╟╡╢╤╥╧╨╪╫█▄▌▐▀░▒▓■":
        assert char in ALLOWED_CHARACTERS, char
    for char in "╭╮╯╰━┃┏┓┗┛╺╸▁▂▃▅▆▇▉▊▋▍▎▏⠁⣿●⏎…×🔎":
        assert char not in ALLOWED_CHARACTERS, char
    # 95 printable ASCII, 32 + 1 low graphics, 128 high: no duplicates.
    assert len(ALLOWED_CHARACTERS) == 95 + 33 + 127


def test_ascii_text_spells_known_symbols():
    assert ascii_text("Kimi · pp64/tg64 ×4 ▲ 3 ± 1 … ▼") == (
        "Kimi - pp64/tg64 x4 ^ 3 +/- 1 ... v"
    )
    assert ascii_text("漢字 ok") == "?? ok"
    assert ascii_text("plain") == "plain"


def test_big_digits_use_only_half_and_full_blocks():
    rows = big_digits("0123456789.,:%+- ?")
    assert len(rows) == 3
    assert len({len(row) for row in rows}) == 1
    assert set("".join(rows)) <= {" ", "█", "▀", "▄"}
    # Every digit is drawn differently.
    shapes = {big_digits(str(digit)) for digit in range(10)}
    assert len(shapes) == 10
    # Unknown characters are drawn as "?".
    assert big_digits("x") == big_digits("?")


def test_block_digits_widget_is_three_rows_of_the_font():
    widget = BlockDigits("42")
    text = str(widget.render())
    assert text.split("\n") == list(big_digits("42"))


# -- applying a profile -----------------------------------------------------------


def test_console_profile_sets_the_theme_16_colours_and_no_animation(tmp_path):
    from exo_benchtui.ui.app import make_app

    write_history(tmp_path / "docs")
    settings = kiosk_settings(tmp_path / "docs", tmp_path, ascii=True)
    app = make_app(settings, clock=FakeClock())
    assert app.console_profile.ascii_only
    assert app.theme == CONSOLE_THEME_NAME
    assert app.current_theme.ansi
    assert app.console._color_system == ColorSystem.STANDARD
    assert app.animation_level == "none"


def test_no_color_swaps_textual_greys_for_no_colour(tmp_path, monkeypatch):
    from exo_benchtui.ui.app import make_app

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    settings = kiosk_settings(tmp_path, tmp_path, ascii=None)
    app = make_app(settings, clock=FakeClock())
    assert app.console_profile.colours == "none"
    assert any(isinstance(f, NoColor) for f in app._filters)
    assert not any(isinstance(f, Monochrome) for f in app._filters)


def test_full_terminal_profile_changes_nothing(tmp_path):
    from textual.app import App

    app = App()
    theme_before = app.theme
    apply_console_profile(app, detect_profile({"TERM": "xterm-256color"}))
    assert app.theme == theme_before
    assert app.animation_level != "none" or theme_before == app.theme


# -- what reaches the terminal ------------------------------------------------------

SIZES = [(80, 25), (160, 50)]
MODES = {
    "TERM=linux": ({"TERM": "linux"}, []),
    "--ascii": ({"TERM": "xterm-256color", "COLORTERM": "truecolor"}, ["--ascii"]),
}


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("console") / "docs"
    write_history(directory)
    return directory


def drawn_outside(text: str) -> dict[str, str]:
    """Each character outside the repertoire, with some of what surrounds it."""
    drawn = strip_escapes(text)
    found = {}
    for char in sorted(outside_repertoire(drawn)):
        at = drawn.index(char)
        found[char] = drawn[max(0, at - 40) : at + 10]
    return found


def sixteen_colours_only(text: str) -> list[str]:
    """SGR sequences that set a 256-colour or RGB colour."""
    return [
        sgr
        for sgr in re.findall(r"\x1b\[[0-9;:]*m", text)
        if re.search(r"(?:^|\[|;)(?:38|48)[;:]", sgr)
    ]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("mode", list(MODES))
def test_kiosk_screen_writes_only_the_console_repertoire(docs, tmp_path, mode, size):
    extra_env, flags = MODES[mode]
    session = run_program(
        [*flags, "--kiosk", str(docs)],
        env=user_env(tmp_path, **extra_env),
        size=size,
        steps=[Step("[1/3]", b"")],
        quit_keys=b"\x03",
    )
    assert drawn_outside(session.text) == {}
    assert sixteen_colours_only(session.text) == []
    # The cursor is hidden before the first frame and shown again only as
    # the program leaves.
    hidden = session.text.index("\x1b[?25l")
    assert hidden < session.text.index("[1/3]")
    assert "\x1b[?25h" not in session.text[hidden : session.text.rindex("[1/3]")]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("mode", list(MODES))
def test_main_and_detail_screens_write_only_the_console_repertoire(
    docs, tmp_path, mode, size
):
    extra_env, flags = MODES[mode]
    session = run_program(
        [*flags, str(docs)],
        env=user_env(tmp_path, **extra_env),
        size=size,
        steps=[
            # Main screen, then the runs table, then Enter on its first row.
            Step("Kimi-K2-Thinking", b"t"),
            Step("Commit", b"\r"),
            Step("Failure reasons", b""),
        ],
        quit_keys=b"\x11",
    )
    assert drawn_outside(session.text) == {}
    assert sixteen_colours_only(session.text) == []


@pytest.mark.parametrize(
    "args,quit_keys,marker",
    [(["--kiosk"], b"\x03", "[1/3]"), ([], b"\x11", "Kimi-K2-Thinking")],
    ids=["kiosk", "main"],
)
def test_no_color_writes_no_colour_at_all(docs, tmp_path, args, quit_keys, marker):
    session = run_program(
        [*args, str(docs)],
        env=user_env(
            tmp_path, TERM="xterm-256color", COLORTERM="truecolor", NO_COLOR="1"
        ),
        size=(100, 30),
        steps=[Step(marker, b"")],
        quit_keys=quit_keys,
    )
    assert colour_sgr(session.text) == []
    # The meaning colour carried is in words.
    drawn = strip_escapes(session.text)
    if args:
        assert "worse" in drawn


def test_colour_sgr_finds_every_colour_form():
    assert colour_sgr("\x1b[31mred\x1b[0m") == ["\x1b[31m"]
    assert colour_sgr("\x1b[1;97;44mx") == ["\x1b[1;97;44m"]
    assert colour_sgr("\x1b[38;5;200mx\x1b[48;2;1;2;3m") == [
        "\x1b[38;5;200m",
        "\x1b[48;2;1;2;3m",
    ]
    assert colour_sgr("\x1b[0m\x1b[1;4;7m\x1b[39;49m\x1b[2m") == []


def test_kiosk_keeps_its_widgets_in_the_repertoire_in_process(docs, tmp_path):
    """The kiosk's own words go through the profile (labels with · and ×)."""
    import asyncio

    from exo_benchtui.ui.app import make_app
    from exo_benchtui.ui.screens.kiosk import KioskScreen

    async def run() -> None:
        app = make_app(kiosk_settings(docs, tmp_path, ascii=True), clock=FakeClock())
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(2):
                await app.workers.wait_for_complete()
                await pilot.pause()
            screen = app.screen
            assert isinstance(screen, KioskScreen)
            words = "".join(str(widget.render()) for widget in screen.query(Static))
            assert "×" not in words and "·" not in words
            assert outside_repertoire(words) == set()
            assert screen.query(BlockDigits)

    asyncio.run(run())

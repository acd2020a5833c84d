"""Console mode: the bare Linux console, old terminals, ``--ascii`` and NO_COLOR.

The Linux virtual console (``TERM=linux``, a Raspberry Pi behind a TV) has
16 colours and a font of a few hundred glyphs: ASCII plus the old PC
(code page 437) line-drawing and block characters. No braille, no rounded
corners, no heavy lines. ``exo_benchtui.terminal`` says what the terminal
can show (a ``ConsoleProfile``); :func:`apply_console_profile` makes the app
keep to it (a theme of the 16 ANSI colours for a black background, the
16-colour output, no colour at all under NO_COLOR, no animation);
``console.tcss`` restyles the widgets whose glyphs fall outside the
repertoire; ``ConsoleProfile.text`` maps the app's own text (arrows, ``·``,
``×``) to ASCII.
"""

from __future__ import annotations

from pathlib import Path

from rich.color import ColorSystem
from rich.text import Text
from textual.app import App, RenderResult
from textual.filter import Monochrome, NoColor
from textual.reactive import reactive
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.theme import Theme
from textual.widget import Widget
from textual.widgets import Static

from exo_benchtui.terminal import ConsoleProfile

CONSOLE_TCSS = Path(__file__).with_name("console.tcss")
"""Loaded after ``app.tcss`` in console mode."""

CONSOLE_THEME_NAME = "exo-console"

CONSOLE_THEME = Theme(
    name=CONSOLE_THEME_NAME,
    ansi=True,
    dark=True,
    # Bright variants where the console's plain ones are too dark on black
    # (blue, and the Linux console's brown "yellow").
    primary="ansi_bright_cyan",
    secondary="ansi_cyan",
    accent="ansi_bright_yellow",
    warning="ansi_bright_yellow",
    error="ansi_bright_red",
    success="ansi_bright_green",
    foreground="ansi_white",
    background="ansi_black",
    surface="ansi_black",
    panel="ansi_black",
    boost="ansi_black",
    variables={
        "ansi-background": "ansi_black",
        "ansi-foreground": "ansi_white",
        "border": "ansi_bright_cyan",
        "border-blurred": "ansi_white",
        "block-cursor-foreground": "ansi_black",
        "block-cursor-background": "ansi_bright_cyan",
        "block-cursor-blurred-foreground": "ansi_black",
        "block-cursor-blurred-background": "ansi_white",
        "scrollbar": "ansi_cyan",
        "scrollbar-hover": "ansi_bright_cyan",
        "scrollbar-active": "ansi_bright_cyan",
        "footer-key-foreground": "ansi_bright_yellow",
        "footer-background": "ansi_black",
        "footer-foreground": "ansi_white",
        "footer-description-background": "ansi_black",
        "footer-item-background": "ansi_black",
        "input-cursor-foreground": "ansi_black",
        "input-cursor-background": "ansi_white",
        "input-selection-background": "ansi_blue",
        "input-selection-foreground": "ansi_bright_white",
        "screen-selection-background": "ansi_blue",
        "screen-selection-foreground": "ansi_bright_white",
    },
)
"""The 16 ANSI colours for a black background: light text, bright accents."""


class ConsoleScrollBarRender(ScrollBarRender):
    """A scrollbar without the eighth-block glyphs (▁▂▃…, ▉▊▋…) at its ends.

    The thumb is then drawn in whole cells, in reverse video, as the
    console's font can show.
    """

    VERTICAL_BARS = [" "] * 8
    HORIZONTAL_BARS = [" "] * 8


def apply_console_profile(app: App, profile: ConsoleProfile) -> None:
    """Make ``app`` keep to ``profile``; call once, before the app runs.

    In console mode: the 16-colour theme, Rich's 16-colour output (even
    where ``COLORTERM=truecolor`` leaks into a console session, as under
    tmux), no animation (LoadingIndicator then draws ``Loading...``),
    scrollbars without eighth-blocks. With NO_COLOR: Textual's NoColor
    filter instead of its greyscale one, which still writes RGB colours.
    Load :data:`CONSOLE_TCSS` as well (``make_app`` adds it to the CSS paths).
    """
    if not profile.console_mode:
        return
    app.register_theme(CONSOLE_THEME)
    app.theme = CONSOLE_THEME_NAME
    app.animation_level = "none"
    # Textual renders every strip with console._color_system (strip.py,
    # Strip.render) and offers no setter; STANDARD downgrades whatever a
    # widget blends to the nearest of the 16 colours.
    app.console._color_system = ColorSystem.STANDARD
    if profile.colours == "none":
        # Textual picks Monochrome at construction unless the theme was
        # already ANSI; Monochrome writes grey RGB, NoColor writes none.
        app._filters[:] = [
            NoColor() if isinstance(f, Monochrome) else f for f in app._filters
        ]
        if not any(isinstance(f, NoColor) for f in app._filters):
            app._filters.append(NoColor())
    if profile.ascii_only:
        # Process-wide by Textual's design (a class attribute); the app is
        # the only one in its process outside the test suite.
        ScrollBar.renderer = ConsoleScrollBarRender


class ConsoleLoading(Static):
    """A still ``Loading...`` label: no spinner glyphs, no redraw every 1/16 s.

    For ``App.get_loading_widget`` in console mode.
    """

    DEFAULT_CSS = """
    ConsoleLoading {
        width: 100%;
        height: 100%;
        content-align: center middle;
        text-style: bold;
    }
    """

    def __init__(self) -> None:
        super().__init__("Loading...")


# A 3x5 pixel font for big numbers, drawn with half blocks (two pixels a
# cell, top and bottom) so it fits three rows: ▀ ▄ █ and space only.
_BIG_FONT: dict[str, tuple[str, ...]] = {
    "0": ("###", "#.#", "#.#", "#.#", "###"),
    "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"),
    "3": ("###", "..#", ".##", "..#", "###"),
    "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "###", "..#", "###"),
    "6": ("###", "#..", "###", "#.#", "###"),
    "7": ("###", "..#", "..#", ".#.", ".#."),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "9": ("###", "#.#", "###", "..#", "###"),
    ".": (".", ".", ".", ".", "#"),
    ",": (".", ".", ".", "#", "#"),
    ":": (".", "#", ".", "#", "."),
    "%": ("#.#", "..#", ".#.", "#..", "#.#"),
    "-": ("...", "...", "###", "...", "..."),
    "+": ("...", ".#.", "###", ".#.", "..."),
    " ": ("..", "..", "..", "..", ".."),
    "?": ("###", "..#", ".##", "...", ".#."),
}
_HALF_BLOCKS = {(False, False): " ", (True, False): "▀", (False, True): "▄"}
_HALF_BLOCKS[(True, True)] = "█"


def big_digits(value: str) -> tuple[str, str, str]:
    """``value`` as three lines of block characters, one column between glyphs.

    Characters the font lacks are drawn as ``?``.
    """
    glyphs = [_BIG_FONT.get(char, _BIG_FONT["?"]) for char in value]
    rows = []
    # Five pixel rows padded at the top to six, two pixel rows per line.
    for top, bottom in ((None, 0), (1, 2), (3, 4)):
        cells = []
        for glyph in glyphs:
            width = len(glyph[0])
            cells.append(
                "".join(
                    _HALF_BLOCKS[
                        (
                            top is not None and glyph[top][x] == "#",
                            glyph[bottom][x] == "#",
                        )
                    ]
                    for x in range(width)
                )
            )
        rows.append(" ".join(cells))
    return rows[0], rows[1], rows[2]


class BlockDigits(Widget):
    """Big numbers in three rows of ``█▀▄``: Textual's ``Digits`` for the console.

    Same use as ``Digits``: ``BlockDigits("97.5")``, ``.update("98")``.
    """

    DEFAULT_CSS = """
    BlockDigits {
        width: auto;
        height: 3;
    }
    """

    value: reactive[str] = reactive("", layout=True)

    def __init__(
        self, value: str = "", *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.set_reactive(BlockDigits.value, value)

    def update(self, value: str) -> None:
        self.value = value

    def render(self) -> RenderResult:
        return Text("\n".join(big_digits(self.value)), no_wrap=True, end="")

    def get_content_width(self, container, viewport) -> int:
        return len(big_digits(self.value)[0])

    def get_content_height(self, container, viewport, width: int) -> int:
        return 3

"""Console mode: the bare Linux console, old terminals, ``--ascii`` and NO_COLOR.

The Linux virtual console (``TERM=linux``, a Raspberry Pi behind a TV) has
16 colours and a font of a few hundred glyphs: ASCII plus the old PC
(code page 437) line-drawing and block characters. No braille, no rounded
corners, no heavy lines. :class:`ConsoleProfile` says what the terminal can
show; :func:`apply_console_profile` makes the app keep to it (a theme of the
16 ANSI colours for a black background, the 16-colour output, no colour at
all under NO_COLOR, no animation); ``console.tcss`` restyles the widgets
whose glyphs fall outside the repertoire; :meth:`ConsoleProfile.text` maps
the app's own text (arrows, ``·``, ``×``) to ASCII.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rich.color import ColorSystem
from rich.text import Text
from textual.app import App, RenderResult
from textual.filter import Monochrome, NoColor
from textual.reactive import reactive
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.theme import Theme
from textual.widget import Widget
from textual.widgets import Static

CONSOLE_TCSS = Path(__file__).with_name("console.tcss")
"""Loaded after ``app.tcss`` in console mode."""

CONSOLE_THEME_NAME = "exo-console"

# TERM names (the part before any ``-``) whose fonts are ASCII + CP437 at best.
_LIMITED_TERMS = frozenset(
    {"linux", "ansi", "cons25", "cons50", "pcansi", "scoansi", "wsvt25"}
)

# CP437 0x01-0x1F and 0x7F drawn as graphics; Python's cp437 codec gives
# control characters there, so they are listed by hand.
_CP437_LOW = "☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼⌂"
_CP437_HIGH = bytes(range(0x80, 0x100)).decode("cp437")

ALLOWED_CHARACTERS: frozenset[str] = frozenset(
    "".join(chr(code) for code in range(0x20, 0x7F)) + _CP437_LOW + _CP437_HIGH
)
"""What the Linux console's font can show: printable ASCII and every CP437
graphic (box drawing single, double and mixed, the blocks ``█▄▌▐▀░▒▓■``,
accented letters, Greek, maths), as Unicode."""

# Preferred ASCII for what the app and its libraries write. Some of these
# are in CP437 but missing from the Linux console fonts people actually use
# (Lat15, Terminus), or read badly there.
_FALLBACKS: dict[str, str] = {
    "▲": "^",
    "▼": "v",
    "↑": "^",
    "↓": "v",
    "→": "->",
    "←": "<-",
    "·": "-",
    "•": "*",
    "∙": "*",
    "×": "x",
    "±": "+/-",
    "…": "...",
    "–": "-",
    "—": "-",
    "−": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "≥": ">=",
    "≤": "<=",
    "µ": "u",
    "°": " deg",
    "⏎": "Enter",
    "⌫": "BkSp",
    "█": "#",
    "\u00a0": " ",
}


def ascii_text(text: str) -> str:
    """``text`` in printable ASCII: known symbols by their ASCII spelling
    (``▲`` ``^``, ``×`` ``x``, ``±`` ``+/-``, ``…`` ``...``), anything else
    outside ASCII as ``?``. Control characters are left to
    :func:`exo_benchtui.core.text.printable`, which runs first."""
    if text.isascii():
        return text
    return "".join(
        char if char.isascii() else _FALLBACKS.get(char, "?") for char in text
    )


def outside_repertoire(text: str) -> set[str]:
    """The characters of ``text`` the Linux console cannot show (newlines aside)."""
    return {c for c in text if c not in ALLOWED_CHARACTERS and c not in "\r\n"}


Colours = Literal["full", "16", "none"]


@dataclass(frozen=True, slots=True)
class ConsoleProfile:
    """What the terminal can show, decided once at start-up."""

    ascii_only: bool
    """Only ASCII + CP437 may be written: borders single/double, ASCII markers."""
    colours: Colours
    """``full`` (whatever the terminal does), ``16`` ANSI colours, or ``none``."""
    reason: str = ""
    """Why, for the log: ``TERM=linux``, ``--ascii``, ``NO_COLOR``."""

    @property
    def console_mode(self) -> bool:
        """True when console.tcss and the 16-colour theme apply."""
        return self.ascii_only or self.colours != "full"

    @property
    def chart_marker(self) -> str:
        """plotext marker: braille where the font has it, ``*`` otherwise."""
        return "*" if self.ascii_only else "braille"

    @property
    def arrows(self) -> tuple[str, str]:
        """(up, down) arrows for changes."""
        return ("^", "v") if self.ascii_only else ("▲", "▼")

    def text(self, text: str) -> str:
        """The app's own text as this terminal can show it."""
        return ascii_text(text) if self.ascii_only else text


def detect_profile(
    environ: Mapping[str, str] | None = None, *, ascii_flag: bool | None = None
) -> ConsoleProfile:
    """The profile for this terminal.

    ``ascii_flag`` True forces console mode (``--ascii``), False turns detection
    off, None detects it from ``TERM`` (``linux``, ``vt100``/``vt220``-like,
    ``ansi``). An unset or ``dumb`` TERM (CI, pipes) is left alone.
    NO_COLOR, when present at all, means no colour, as Textual reads it.
    """
    env = os.environ if environ is None else environ
    term = env.get("TERM", "").strip().lower()
    term_base = term.split("-", 1)[0]
    limited_term = term_base in _LIMITED_TERMS or (
        term_base.startswith("vt") and term_base[2:].isdigit()
    )
    reasons = []
    if ascii_flag is None:
        ascii_only = limited_term
        if ascii_only:
            reasons.append(f"TERM={term}")
    else:
        ascii_only = ascii_flag
        if ascii_flag:
            reasons.append("--ascii")
    colours: Colours = "16" if ascii_only else "full"
    if "NO_COLOR" in env:
        colours = "none"
        reasons.append("NO_COLOR")
    return ConsoleProfile(ascii_only, colours, ", ".join(reasons))


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

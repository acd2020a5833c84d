"""What the terminal can show, decided without Textual.

The Linux virtual console (``TERM=linux``, a Raspberry Pi behind a TV) has
16 colours and a font of a few hundred glyphs: ASCII plus the old PC
(code page 437) line-drawing and block characters. No braille, no rounded
corners, no heavy lines. :func:`detect_profile` tells such a terminal from
``TERM``, ``--ascii`` and NO_COLOR; the dashboard (``ui.console``) and the
``summary`` table both keep to what it says.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

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

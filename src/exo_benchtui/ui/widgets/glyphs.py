"""Text as the terminal can show it: ASCII spellings on a limited console.

The app's console profile (``ui/console.py``) says whether only ASCII and
the CP437 line drawing may be written; every widget of the dashboard passes
its text through :func:`for_terminal` and truncates with :func:`overflow`.
"""

from __future__ import annotations

from typing import Literal

from textual.app import App


def ascii_only(app: App) -> bool:
    profile = getattr(app, "console_profile", None)
    return bool(profile is not None and profile.ascii_only)


def for_terminal(app: App, text: str) -> str:
    """``text`` with ``×``, ``·``, ``±``, ``…`` spelt in ASCII on a console."""
    profile = getattr(app, "console_profile", None)
    return profile.text(text) if profile is not None else text


def overflow(app: App) -> Literal["ellipsis", "crop"]:
    """Rich's ellipsis is ``…``, which a console font lacks: crop there."""
    return "crop" if ascii_only(app) else "ellipsis"


def ellipsis(app: App) -> str:
    return "..." if ascii_only(app) else "…"

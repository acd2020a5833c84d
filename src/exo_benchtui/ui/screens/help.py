"""The help screen: what the keys do and what the screen shows."""

from __future__ import annotations

from importlib.resources import files
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from exo_benchtui.ui.widgets.glyphs import for_terminal


def help_text() -> str:
    """The help page, kept in a resource file beside this module."""
    return files("exo_benchtui.ui").joinpath("help.txt").read_text("utf-8")


class HelpScreen(ModalScreen[None]):
    """Keys and what the dashboard shows; Escape, q or ? closes it."""

    BINDINGS: ClassVar = [
        Binding("escape", "dismiss", "Back"),
        Binding("question_mark", "dismiss", "Back", show=False),
        Binding("q", "dismiss", "Back", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text(for_terminal(self.app, help_text())), id="help-text")

    def action_dismiss(self) -> None:
        self.dismiss(None)

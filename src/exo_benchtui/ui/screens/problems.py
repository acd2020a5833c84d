"""The problems screen: documents that could not be read, and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from exo_benchtui.core.model import Problem
from exo_benchtui.core.text import counted, printable
from exo_benchtui.ui.widgets.glyphs import for_terminal


class ProblemsScreen(Screen):
    """Every problem the store knows, by document key."""

    BINDINGS: ClassVar = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__()
        self._problems = tuple(problems)

    def compose(self) -> ComposeResult:
        count = len(self._problems)
        heading = (
            "No problems: every document was read."
            if not count
            else f"{counted(count, 'problem')} in the documents (Escape goes back)"
        )
        yield Static(Text(heading), id="problems-heading")
        table = DataTable(id="problems", cursor_type="row")
        table.add_column("Document", key="key")
        table.add_column("Where", key="path")
        table.add_column("What", key="message")
        for problem in self._problems:
            table.add_row(
                *(
                    Text(for_terminal(self.app, printable(part, one_line=True)))
                    for part in (problem.key, problem.path, problem.message)
                )
            )
        yield table
        yield Footer()

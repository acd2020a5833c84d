"""The status line: source, freshness, countdown, counts and the last error."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from exo_benchtui.core.views import StatusLine
from exo_benchtui.ui.widgets.glyphs import for_terminal, overflow


class StatusBar(Horizontal):
    """One line of state, and a progress bar while a sync reads documents."""

    def compose(self) -> ComposeResult:
        yield Static(id="status-text")
        yield ProgressBar(id="status-progress", show_eta=False, show_percentage=True)

    def show(self, line: StatusLine, progress: tuple[int, int] | None) -> None:
        text = self.query_one("#status-text", Static)
        # Text, never markup: the source location and errors come from outside.
        # One line of fixed size (app.tcss): no layout of the whole screen,
        # which this line asked for every second.
        text.update(
            Text(
                for_terminal(self.app, line.text),
                no_wrap=True,
                overflow=overflow(self.app),
            ),
            layout=False,
        )
        for severity in ("ok", "warning", "error"):
            self.set_class(line.severity == severity, f"-{severity}")
        bar = self.query_one("#status-progress", ProgressBar)
        bar.display = progress is not None and progress[1] > 0
        if progress is not None and progress[1] > 0:
            bar.update(total=progress[1], progress=progress[0])

    @property
    def text(self) -> str:
        """The words on the status line now, for tests and screen readers."""
        return str(self.query_one("#status-text", Static).content)

"""The series picker: all series, or one of them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from exo_benchtui.core.text import counted
from exo_benchtui.core.views import SeriesChoice, format_time
from exo_benchtui.ui.widgets.glyphs import for_terminal

ALL_SERIES = "__all__"


class SeriesPicker(ModalScreen[str | None | bool]):
    """A list: All, then each series, most recently active first.

    Dismisses with the chosen series id, None for all, or False when closed
    without a choice.
    """

    BINDINGS: ClassVar = [Binding("escape", "cancel", "Back")]

    def __init__(self, choices: Sequence[SeriesChoice], selected: str | None) -> None:
        super().__init__()
        self._choices = tuple(choices)
        self._selected = selected

    def compose(self) -> ComposeResult:
        options = [Option(Text(f"All series ({len(self._choices)})"), id=ALL_SERIES)]
        for choice in self._choices:
            label = Text(for_terminal(self.app, choice.label))
            label.append(
                f"  ({counted(choice.runs, 'run')},"
                f" last {format_time(choice.latest_at)})",
                style="dim",
            )
            options.append(Option(label, id=choice.id))
        with Vertical(id="picker-box"):
            yield Static("Show which series? (Enter picks, Escape goes back)")
            yield OptionList(*options, id="picker")

    def on_mount(self) -> None:
        found = self.query(OptionList)
        if not found:
            # Mounted while the app is shutting down (a key pressed after q).
            return
        picker = found.first()
        wanted = self._selected or ALL_SERIES
        try:
            picker.highlighted = picker.get_option_index(wanted)
        except Exception:
            picker.highlighted = 0
        picker.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id
        self.dismiss(None if option_id == ALL_SERIES else option_id)

    def action_cancel(self) -> None:
        self.dismiss(False)

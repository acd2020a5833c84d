"""The summary cards: the followed series' latest figures and their change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Static

from exo_benchtui.core.text import printable
from exo_benchtui.core.views import CardView
from exo_benchtui.ui.widgets.glyphs import for_terminal, overflow


class Card(Static):
    """One card: title, value with unit, and the change in arrow and words.

    The change is coloured through the ``-better``/``-worse`` classes of its
    line (see app.tcss); its words carry the meaning without colour too.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "card--title",
        "card--value",
        "card--better",
        "card--worse",
        "card--same",
    }

    def __init__(self, card: CardView | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._card = card

    def show(self, card: CardView) -> None:
        if card != self._card:
            self._card = card
            self.refresh()

    def render(self) -> Text:
        card = self._card
        if card is None:
            return Text("")
        shown = for_terminal
        title = Text(
            shown(self.app, printable(card.title, one_line=True)),
            self.get_component_rich_style("card--title"),
        )
        value = Text(
            shown(self.app, printable(card.value_text, one_line=True)),
            self.get_component_rich_style("card--value"),
        )
        if card.unit:
            value.append(" " + shown(self.app, printable(card.unit, one_line=True)))
        lines = [title, value]
        if card.words:
            style_name = f"card--{card.verdict}"
            style = (
                self.get_component_rich_style(style_name)
                if style_name in self.COMPONENT_CLASSES
                else ""
            )
            profile = getattr(self.app, "console_profile", None)
            ascii_only = profile is not None and profile.ascii_only
            compact = self.has_class("-compact")
            change = card.change_text(ascii_only=ascii_only, short=compact)
            change_text = Text(shown(self.app, printable(change, one_line=True)), style)
            if compact:
                # Compact cards put the change beside the value.
                value.append(" ")
                value.append_text(change_text)
            else:
                lines.append(change_text)
        width = max(1, self.content_size.width)
        for line in lines:
            line.truncate(width, overflow=overflow(self.app))
        return Text("\n").join(lines)


class SummaryCards(Grid):
    """Seven cards; four metric cards for the followed series, three counts."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)

    def compose(self) -> ComposeResult:
        for index in range(7):
            yield Card(id=f"card-{index}", classes="card")

    def show(self, cards: Sequence[CardView]) -> None:
        for widget, card in zip(self.query(Card), cards, strict=False):
            widget.show(card)

    def set_compact(self, compact: bool) -> None:
        for widget in self.query(Card):
            widget.set_class(compact, "-compact")
            widget.refresh()

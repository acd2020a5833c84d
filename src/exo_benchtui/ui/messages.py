"""Messages named for facts in the past tense, posted by workers to the app.

Workers never touch widgets; they post one of these and the app's handlers,
on the UI thread, update what is shown.
"""

from __future__ import annotations

from datetime import datetime

from textual.message import Message

from exo_benchtui.core.errors import BenchTuiError, SourceError
from exo_benchtui.core.model import RunDetail
from exo_benchtui.core.views import SyncStatus

__all__ = [
    "DetailFailed",
    "DetailLoaded",
    "ResultsSynced",
    "SyncFailed",
    "SyncProgressed",
    "SyncStatus",
]


class ResultsSynced(Message):
    """A sync pass finished; the store holds what it found."""

    def __init__(self, report) -> None:
        super().__init__()
        self.report = report
        """The engine's ``SyncReport``."""


class SyncFailed(Message):
    """A sync pass failed as a whole; the store kept everything it had."""

    def __init__(self, error: SourceError, at: datetime) -> None:
        super().__init__()
        self.error = error
        self.at = at


class SyncProgressed(Message):
    """A sync read ``done`` of ``total`` documents."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class DetailLoaded(Message):
    """A run's document was read again for its detail screen."""

    def __init__(self, key: str, detail: RunDetail) -> None:
        super().__init__()
        self.key = key
        self.detail = detail


class DetailFailed(Message):
    """Reading a run's document again failed."""

    def __init__(self, key: str, error: BenchTuiError) -> None:
        super().__init__()
        self.key = key
        self.error = error

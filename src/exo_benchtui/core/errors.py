"""The failure family: every error the user can see has a kind, a title and a hint.

The UI and the command line turn these into what the user sees in one place
each (the app's failure handler, and ``cli.main``); nothing else formats
errors for people.
"""

from __future__ import annotations

from enum import Enum


class FailureKind(Enum):
    """How a failure behaves, which decides how it is shown and retried."""

    TRANSIENT = "transient"
    """Network trouble, time-outs, 5xx, throttling: retried next cycle."""
    CONFIGURATION = "configuration"
    """Wrong bucket, region or endpoint: needs the user to change a setting."""
    AUTHORISATION = "authorisation"
    """No credentials, denied, expired: needs the user to log in or be granted."""
    CLOCK = "clock"
    """The machine's clock is too far off for signed requests."""
    USAGE = "usage"
    """Bad command line or configuration file: stops before start-up."""


class BenchTuiError(Exception):
    """An error with a short title and a sentence on what to do."""

    kind: FailureKind = FailureKind.CONFIGURATION

    def __init__(
        self, title: str, detail: str = "", *, hint: str = "", kind=None
    ) -> None:
        super().__init__(title)
        self.title = title
        """One line, like ``Bucket not found``."""
        self.detail = detail
        """What exactly happened, naming the bucket, endpoint, file or key."""
        self.hint = hint
        """What to do about it."""
        if kind is not None:
            self.kind = kind

    def __str__(self) -> str:
        parts = [self.title]
        if self.detail:
            parts.append(self.detail)
        text = ": ".join(parts[:2])
        if self.hint:
            # Hints read as their own sentence after the detail.
            text += f". {self.hint[:1].upper()}{self.hint[1:]}"
        return text


class SourceError(BenchTuiError):
    """Listing or reading the results failed as a whole."""


class UsageError(BenchTuiError):
    """A bad command line or configuration file; exit code 2."""

    kind = FailureKind.USAGE

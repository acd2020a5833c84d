"""The in-memory store of parsed runs, keyed by object key.

One sync thread writes while the UI thread reads, so every public method takes
the store's lock and returns values that are safe to keep (tuples, frozen
records, fresh lists). The version number moves only when content changes,
so the UI can skip a redraw when a sync found nothing new.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from operator import attrgetter

from exo_benchtui.core.model import (
    ParseOutcome,
    Problem,
    Run,
    SeriesKey,
    StageFigures,
    StoredObject,
)
from exo_benchtui.core.series import distinct_labels

_BY_TIME = attrgetter("completed_at", "key")

SeriesPoint = tuple[Run, StageFigures]
"""One run-stage of a series."""


@dataclass(frozen=True, slots=True)
class SeriesSummary:
    """A series with how many runs it has and when it last ran."""

    id: str
    key: SeriesKey
    label: str
    runs: int
    latest_at: datetime


@dataclass(slots=True)
class _Entry:
    obj: StoredObject
    outcome: ParseOutcome


class ResultStore:
    """Parsed runs keyed by object key, with a version that moves on change."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._entries: dict[str, _Entry] = {}
        self._version = 0
        # Derived views, rebuilt lazily when the version moved.
        self._indexed_version = -1
        self._runs_by_time: tuple[Run, ...] = ()
        self._series_points: dict[str, tuple[SeriesPoint, ...]] = {}
        self._series: tuple[SeriesSummary, ...] = ()
        # Runs stored under new keys since the last reindex: when they are
        # all newer than every indexed run (a sync bringing new results),
        # the reindex appends them instead of sorting everything again.
        self._appended: list[Run] = []
        self._rebuild_all = False
        """A run was replaced or removed: only a whole reindex is right."""

    # -- writing ---------------------------------------------------------

    @property
    def version(self) -> int:
        """A number that changes whenever the content changes, and only then."""
        with self._lock:
            return self._version

    def put(self, obj: StoredObject, outcome: ParseOutcome) -> bool:
        """Insert or replace the document at ``obj.key``; True if content changed.

        The listing identity (ETag, size) is always updated, so an unchanged
        re-upload is not fetched again, but the version moves only when the
        parsed outcome differs.
        """
        with self._lock:
            old = self._entries.get(obj.key)
            self._entries[obj.key] = _Entry(obj, outcome)
            if old is not None and old.outcome == outcome:
                return False
            self._version += 1
            if old is None:
                if outcome.run is not None:
                    self._appended.append(outcome.run)
            elif old.outcome.run is not None or outcome.run is not None:
                self._rebuild_all = True
            return True

    def remove(self, key: str) -> bool:
        """Forget ``key``; True if it was there."""
        with self._lock:
            entry = self._entries.pop(key, None)
            if entry is None:
                return False
            self._version += 1
            if entry.outcome.run is not None:
                self._rebuild_all = True
            return True

    def remove_missing(self, listed_keys: Iterable[str]) -> list[str]:
        """Forget every key not in ``listed_keys``; return the keys removed."""
        listed = set(listed_keys)
        with self._lock:
            gone = [key for key in self._entries if key not in listed]
            for key in gone:
                if self._entries.pop(key).outcome.run is not None:
                    self._rebuild_all = True
            if gone:
                self._version += 1
            return gone

    # -- reading ---------------------------------------------------------

    def identity(self, key: str) -> StoredObject | None:
        """How the source listed ``key`` when it was last read, or None."""
        with self._lock:
            entry = self._entries.get(key)
            return entry.obj if entry else None

    def keys(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._entries)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def get(self, key: str) -> Run | None:
        with self._lock:
            entry = self._entries.get(key)
            return entry.outcome.run if entry else None

    def outcome(self, key: str) -> ParseOutcome | None:
        with self._lock:
            entry = self._entries.get(key)
            return entry.outcome if entry else None

    @property
    def total_runs(self) -> int:
        """Documents that gave a run (unreadable ones are not counted)."""
        return len(self.runs())

    @property
    def active_configurations(self) -> int:
        """Distinct config files among the runs."""
        return len({run.config_file for run in self.runs() if run.config_file})

    def runs(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> tuple[Run, ...]:
        """Runs oldest first, optionally within ``[since, until]``."""
        with self._lock:
            self._reindex()
            runs = self._runs_by_time
        if since is None and until is None:
            return runs
        return tuple(
            run
            for run in runs
            if (since is None or run.completed_at >= since)
            and (until is None or run.completed_at <= until)
        )

    def problems(self) -> list[Problem]:
        """Every problem and every unreadable document, by key."""
        with self._lock:
            entries = sorted(self._entries.items())
        found: list[Problem] = []
        for key, entry in entries:
            if entry.outcome.error is not None:
                found.append(Problem(key, "$", entry.outcome.error))
            found.extend(entry.outcome.problems)
        return found

    @property
    def unreadable_count(self) -> int:
        """Documents that could not be read at all."""
        with self._lock:
            return sum(1 for e in self._entries.values() if e.outcome.run is None)

    def series(self) -> tuple[SeriesSummary, ...]:
        """Every series, the most recently active first."""
        with self._lock:
            self._reindex()
            return self._series

    def series_points(self, series_id: str) -> tuple[SeriesPoint, ...]:
        """The run-stages of one series, oldest first."""
        with self._lock:
            self._reindex()
            return self._series_points.get(series_id, ())

    def latest_pair(
        self, series_id: str
    ) -> tuple[SeriesPoint | None, SeriesPoint | None]:
        """The latest run-stage of a series and the one before it."""
        points = self.series_points(series_id)
        latest = points[-1] if points else None
        previous = points[-2] if len(points) > 1 else None
        return latest, previous

    # -- derived views ---------------------------------------------------

    def _reindex(self) -> None:
        """Bring the time-ordered views up to the content (lock held)."""
        if self._indexed_version == self._version:
            return
        appended, self._appended = self._appended, []
        if self._rebuild_all or not self._append(appended):
            self._rebuild()
        self._rebuild_all = False
        self._indexed_version = self._version

    def _append(self, appended: list[Run]) -> bool:
        """Add runs newer than every indexed one; False if they are not."""
        appended.sort(key=_BY_TIME)
        if not appended:
            return True
        indexed = self._runs_by_time
        if indexed and _BY_TIME(appended[0]) < _BY_TIME(indexed[-1]):
            return False
        added: dict[str, list[SeriesPoint]] = {}
        for run in appended:
            for stage in run.stages:
                added.setdefault(stage.series.id, []).append((run, stage))
        if not added.keys() <= self._series_points.keys():
            return False  # a new series: every label may change
        summaries = {summary.id: summary for summary in self._series}
        for series_id, points in added.items():
            line = self._series_points[series_id] + tuple(points)
            self._series_points[series_id] = line
            summaries[series_id] = replace(
                summaries[series_id], runs=len(line), latest_at=line[-1][0].completed_at
            )
        self._series = _most_recent_first(summaries.values())
        self._runs_by_time = indexed + tuple(appended)
        return True

    def _rebuild(self) -> None:
        runs = sorted(
            (e.outcome.run for e in self._entries.values() if e.outcome.run),
            key=_BY_TIME,
        )
        points: dict[str, list[SeriesPoint]] = {}
        keys: dict[str, SeriesKey] = {}
        for run in runs:
            for stage in run.stages:
                series_id = stage.series.id
                line = points.get(series_id)
                if line is None:
                    line = points[series_id] = []
                    keys[series_id] = stage.series
                line.append((run, stage))
        labels = distinct_labels(keys.values())
        summaries = [
            SeriesSummary(
                id=series_id,
                key=keys[series_id],
                label=labels[series_id],
                runs=len(series_points),
                latest_at=series_points[-1][0].completed_at,
            )
            for series_id, series_points in points.items()
        ]
        self._runs_by_time = tuple(runs)
        self._series_points = {sid: tuple(pts) for sid, pts in points.items()}
        self._series = _most_recent_first(summaries)


def _most_recent_first(summaries: Iterable[SeriesSummary]) -> tuple[SeriesSummary, ...]:
    return tuple(sorted(summaries, key=lambda s: (s.latest_at, s.id), reverse=True))

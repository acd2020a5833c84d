"""One sync of a source into the store: list, diff, read what changed, parse.

A sync lists every ``.json`` key, drops from the store the keys no longer
listed, and reads only objects that are new or whose ETag or size changed,
``workers`` at a time on one shared client. It either returns a
:class:`SyncReport` or raises :class:`SourceError`; in both cases everything
already in the store stays there, so a failing bucket never blanks the
dashboard.

A boto3 call blocked in a socket read cannot be cancelled, so the whole-sync
deadline is kept by waiting on futures only until the deadline and then
walking away from them: their threads end by themselves when the socket
time-outs fire, and nothing they return reaches the store.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime

from exo_benchtui.core.documents import (
    DEFAULT_MAX_DOCUMENT_BYTES,
    parse_document,
    read_detail,
)
from exo_benchtui.core.errors import FailureKind, SourceError
from exo_benchtui.core.model import ParseOutcome, RunDetail, StoredObject
from exo_benchtui.core.sources import (
    DEFAULT_WORKERS,
    ListedObject,
    ObjectTooLarge,
    ObjectUnavailable,
    Source,
)
from exo_benchtui.core.store import ResultStore

log = logging.getLogger(__name__)

DEFAULT_DEADLINE_S = 45.0
"""A whole sync gives up after this long, whatever the server does."""
MAX_BACKOFF_S = 600.0
"""The longest wait between syncs while the source keeps failing."""
REBUILD_INTERVAL_S = 600.0
"""At most one client rebuild per this long after authorisation failures."""
DETAIL_CACHE_SIZE = 4
"""Run details kept; each can be MBs of per-request and metrics data."""
CONTINUE_DELAY_S = 1.0
"""The delay after a sync that ran out of time while making progress."""
_POLL_S = 0.1
"""How often the waiting loop looks at the deadline and ``cancelled``."""
_PROGRESS_INTERVAL_S = 0.1


@dataclass(frozen=True, slots=True)
class SyncProgress:
    """Objects read of those to read, during the read phase."""

    done: int
    total: int


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one sync did."""

    location: str
    listed: int
    """``.json`` objects listed."""
    added: tuple[str, ...]
    updated: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int
    """Listed objects whose ETag and size were already in the store."""
    problems: dict[str, str] = field(default_factory=dict)
    """Key → why it was skipped or could not be read, this sync."""
    list_requests: int = 0
    get_requests: int = 0
    bytes_read: int = 0
    duration_s: float = 0.0
    finished_at: datetime | None = None
    last_success_at: datetime | None = None
    cancelled: bool = False
    """Stopped on request before reading everything; not a success."""
    remaining: int = 0
    """Objects left unread when the deadline came (the source was answering,
    just not fast enough, as on a cold start over a slow link); the next
    sync, which :meth:`SyncEngine.next_delay_s` brings forward, reads them."""

    def to_dict(self) -> dict[str, object]:
        """The ``"sync"`` part of ``summary --format json``."""
        return {
            "list_requests": self.list_requests,
            "get_requests": self.get_requests,
            "objects": self.listed,
            "bytes": self.bytes_read,
            "duration_s": round(self.duration_s, 3),
            "problems": dict(sorted(self.problems.items())),
        }


@dataclass(frozen=True, slots=True)
class _Read:
    """What a worker made of one listed object."""

    listed: ListedObject
    outcome: ParseOutcome | None = None
    """None when the object was skipped (see ``problem``)."""
    problem: str | None = None
    error: SourceError | None = None
    """A failure of the whole source: stops the sync."""
    denied: bool = False


class _Stop(Exception):
    """The sync was cancelled."""


class _DaemonPool:
    """``workers`` daemon threads running submitted calls, for one sync.

    Not ``ThreadPoolExecutor``: its threads are joined when the interpreter
    exits, so quitting while a read hangs on a silent server would wait for
    every socket time-out and retry (most of a minute). These threads are
    daemons; a read-only GET dropped at exit loses nothing.
    """

    def __init__(self, workers: int) -> None:
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._workers = workers
        for number in range(workers):
            threading.Thread(
                target=self._work, name=f"exo-sync-{number}", daemon=True
            ).start()

    def submit(self, call: Callable, *args) -> Future:
        future: Future = Future()
        self._tasks.put((future, call, args))
        return future

    def shutdown(self) -> None:
        """Cancel what has not started and let the threads end; never waits."""
        while True:
            try:
                task = self._tasks.get_nowait()
            except queue.Empty:
                break
            if task is not None:
                task[0].cancel()
        for _ in range(self._workers):
            self._tasks.put(None)

    def _work(self) -> None:
        while (task := self._tasks.get()) is not None:
            future, call, args = task
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(call(*args))
            except BaseException as exc:  # handed to whoever waits on it
                future.set_exception(exc)


class SyncEngine:
    """Keeps a :class:`ResultStore` in step with a :class:`Source`."""

    def __init__(
        self,
        source: Source,
        store: ResultStore,
        *,
        workers: int = DEFAULT_WORKERS,
        max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
        deadline_s: float = DEFAULT_DEADLINE_S,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.source = source
        self.store = store
        self.workers = workers
        self.max_document_bytes = max_document_bytes
        self.deadline_s = deadline_s
        self._clock = clock or (lambda: datetime.now(UTC))
        self._sync_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._last_success_at: datetime | None = None
        self._stale_since: datetime | None = None
        self._failures = 0
        self._incomplete = False
        self._last_error: SourceError | None = None
        self._last_rebuild_s: float | None = None
        self._details: OrderedDict[tuple[str, str | None], RunDetail] = OrderedDict()

    # -- state for the status line ---------------------------------------

    @property
    def last_success_at(self) -> datetime | None:
        """When a sync last finished without failing, or None."""
        with self._state_lock:
            return self._last_success_at

    @property
    def stale_since(self) -> datetime | None:
        """When syncs started failing (data shown is older), or None."""
        with self._state_lock:
            return self._stale_since

    @property
    def last_error(self) -> SourceError | None:
        """The failure of the last sync, or None if it succeeded."""
        with self._state_lock:
            return self._last_error

    @property
    def consecutive_failures(self) -> int:
        with self._state_lock:
            return self._failures

    def next_delay_s(self, refresh_s: float) -> float:
        """Seconds to wait before the next sync.

        ``refresh_s`` while syncs succeed; while they keep failing, doubling
        for each further failure up to ten minutes (or ``refresh_s`` if that
        is longer), so a broken source is not hammered.
        """
        with self._state_lock:
            failures = self._failures
            incomplete = self._incomplete
        if failures == 0 and incomplete:
            return min(refresh_s, CONTINUE_DELAY_S)
        if failures <= 1:
            return refresh_s
        ceiling = max(refresh_s, MAX_BACKOFF_S)
        return min(refresh_s * 2 ** min(failures - 1, 30), ceiling)

    # -- one sync ----------------------------------------------------------

    def sync(
        self,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> SyncReport:
        """Bring the store in step with the source.

        ``progress(done, total)`` is called from this thread during the read
        phase (not at all when nothing is to be read); ``cancelled()`` is
        polled and stops the sync early (the report then has
        ``cancelled=True``). Raises :class:`SourceError` when the listing
        fails, reads fail for the whole source, or the deadline passes before
        anything could be read; the store keeps what it had and what was read
        so far. A deadline reached while objects were arriving is not a
        failure: the report counts the rest in ``remaining``.

        Request counts are the source's counters before and after, so a read
        left running by an earlier sync that gave up may be counted here.
        """
        with self._sync_lock:
            started_s = time.monotonic()
            before = self.source.counters()
            try:
                report = self._sync(started_s, progress, cancelled or _never)
            except SourceError as error:
                self._failed(error, started_s)
                raise
            after = self.source.counters()
            finished_at = self._clock()
            if not report.cancelled:
                with self._state_lock:
                    self._last_success_at = finished_at
                    self._stale_since = None
                    self._failures = 0
                    self._last_error = None
                    self._incomplete = report.remaining > 0
            final = SyncReport(
                location=report.location,
                listed=report.listed,
                added=report.added,
                updated=report.updated,
                removed=report.removed,
                unchanged=report.unchanged,
                problems=report.problems,
                list_requests=after.list_requests - before.list_requests,
                get_requests=after.get_requests - before.get_requests,
                bytes_read=after.bytes_read - before.bytes_read,
                duration_s=time.monotonic() - started_s,
                finished_at=finished_at,
                last_success_at=self.last_success_at,
                cancelled=report.cancelled,
                remaining=report.remaining,
            )
            log.info(
                "sync of %s: %d listed, %d added, %d updated, %d removed, "
                "%d problems, %d LIST, %d GET, %d bytes in %.2f s",
                final.location,
                final.listed,
                len(final.added),
                len(final.updated),
                len(final.removed),
                len(final.problems),
                final.list_requests,
                final.get_requests,
                final.bytes_read,
                final.duration_s,
            )
            return final

    def sync_complete(
        self,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        *,
        max_rounds: int = 100,
    ) -> SyncReport:
        """Sync again while a sync ran out of time but was making progress.

        For one-shot callers such as ``summary``, which must not print a half
        loaded bucket. Returns one report for all rounds (requests, bytes and
        time summed; ``unchanged`` as the first round found it); raises like
        :meth:`sync`.
        """
        rounds = [self.sync(progress, cancelled)]
        while rounds[-1].remaining and not rounds[-1].cancelled:
            if len(rounds) >= max_rounds:
                break
            rounds.append(self.sync(progress, cancelled))
        if len(rounds) == 1:
            return rounds[0]
        last = rounds[-1]
        added = sorted({key for r in rounds for key in r.added})
        updated = sorted({key for r in rounds for key in r.updated} - set(added))
        problems: dict[str, str] = {}
        for r in rounds:
            for key in (*r.added, *r.updated):
                problems.pop(key, None)
            problems.update(r.problems)
        return SyncReport(
            location=last.location,
            listed=last.listed,
            added=tuple(added),
            updated=tuple(updated),
            removed=tuple(sorted({key for r in rounds for key in r.removed})),
            unchanged=rounds[0].unchanged,
            problems=problems,
            list_requests=sum(r.list_requests for r in rounds),
            get_requests=sum(r.get_requests for r in rounds),
            bytes_read=sum(r.bytes_read for r in rounds),
            duration_s=sum(r.duration_s for r in rounds),
            finished_at=last.finished_at,
            last_success_at=last.last_success_at,
            cancelled=last.cancelled,
            remaining=last.remaining,
        )

    def _failed(self, error: SourceError, started_s: float) -> None:
        now = self._clock()
        with self._state_lock:
            self._failures += 1
            self._last_error = error
            if self._stale_since is None:
                self._stale_since = now
        log.warning(
            "sync of %s failed (%s) after %.2f s: %s",
            self.source.location,
            error.kind.value,
            time.monotonic() - started_s,
            error,
        )

    def _sync(
        self,
        started_s: float,
        progress: Callable[[int, int], None] | None,
        cancelled: Callable[[], bool],
    ) -> SyncReport:
        deadline_s = started_s + self.deadline_s
        stop_event = threading.Event()

        def should_stop() -> bool:
            return stop_event.is_set() or time.monotonic() >= deadline_s

        executor = _DaemonPool(self.workers)
        try:
            try:
                listing = self._list(executor, deadline_s, cancelled, should_stop)
            except _Stop:
                return self._cancelled_report(0)
            listed_keys = [item.key for item in listing]
            removed = tuple(sorted(self.store.remove_missing(listed_keys)))
            todo: list[ListedObject] = []
            unchanged = 0
            for item in listing:
                known = self.store.identity(item.key)
                if (
                    known is not None
                    and known.etag == item.etag
                    and known.size_bytes == item.size_bytes
                ):
                    unchanged += 1
                else:
                    todo.append(item)
            added, updated, problems, was_cancelled, remaining = self._read_all(
                executor, todo, deadline_s, progress, cancelled, stop_event
            )
            return SyncReport(
                location=self.source.location,
                listed=len(listing),
                added=tuple(added),
                updated=tuple(updated),
                removed=removed,
                unchanged=unchanged,
                problems=problems,
                cancelled=was_cancelled,
                remaining=remaining,
            )
        finally:
            stop_event.set()
            # Never wait here: a worker may sit in a socket read until its
            # time-out, and the deadline has to hold.
            executor.shutdown()

    def _cancelled_report(self, listed: int) -> SyncReport:
        return SyncReport(
            location=self.source.location,
            listed=listed,
            added=(),
            updated=(),
            removed=(),
            unchanged=0,
            cancelled=True,
        )

    def _list(
        self,
        executor: _DaemonPool,
        deadline_s: float,
        cancelled: Callable[[], bool],
        should_stop: Callable[[], bool],
    ) -> list[ListedObject]:
        try:
            future = executor.submit(self.source.list_objects, should_stop)
            return self._wait_for(future, deadline_s, cancelled)
        except SourceError as error:
            if error.kind is not FailureKind.AUTHORISATION or not self._may_rebuild():
                raise
            # Credentials from the standard chain may have been renewed (SSO
            # login, rotated role): one fresh client, one more try.
            log.info("rebuilding the S3 client after: %s", error.title)
            self.source.reset()
            future = executor.submit(self.source.list_objects, should_stop)
            return self._wait_for(future, deadline_s, cancelled)

    def _may_rebuild(self) -> bool:
        now_s = time.monotonic()
        with self._state_lock:
            if (
                self._last_rebuild_s is not None
                and now_s - self._last_rebuild_s < REBUILD_INTERVAL_S
            ):
                return False
            self._last_rebuild_s = now_s
            return True

    def _wait_for(
        self, future: Future, deadline_s: float, cancelled: Callable[[], bool]
    ):
        while True:
            remaining = deadline_s - time.monotonic()
            if remaining <= 0:
                raise self._deadline_error()
            done, _ = wait([future], timeout=min(_POLL_S, remaining))
            if done:
                return future.result()
            if cancelled():
                raise _Stop

    def _deadline_error(self, done: int = 0, total: int = 0) -> SourceError:
        read = f"; {done:,} of {total:,} objects were read" if total else ""
        return SourceError(
            "S3 did not answer in time",
            f"the sync of {self.source.location} gave up after "
            f"{self.deadline_s:g} s{read}",
            hint="will try again next sync; what was read is kept",
            kind=FailureKind.TRANSIENT,
        )

    def _read_all(
        self,
        executor: _DaemonPool,
        todo: list[ListedObject],
        deadline_s: float,
        progress: Callable[[int, int], None] | None,
        cancelled: Callable[[], bool],
        stop_event: threading.Event,
    ) -> tuple[list[str], list[str], dict[str, str], bool, int]:
        added: list[str] = []
        updated: list[str] = []
        problems: dict[str, str] = {}
        total = len(todo)
        done = 0
        last_progress_s = 0.0

        def report_progress(force: bool = False) -> None:
            nonlocal last_progress_s
            now_s = time.monotonic()
            if (
                progress is not None
                and total > 0
                and (force or now_s - last_progress_s >= _PROGRESS_INTERVAL_S)
            ):
                last_progress_s = now_s
                progress(done, total)

        report_progress(force=True)
        # Completed futures arrive through a queue: waiting on thousands of
        # futures at once would cost O(n) per completion.
        finished: queue.SimpleQueue[Future] = queue.SimpleQueue()
        for item in todo:
            future = executor.submit(self._read_one, item, stop_event)
            future.add_done_callback(finished.put)
        denied = 0
        read_ok = 0
        failing = 0
        while done < total:
            remaining = deadline_s - time.monotonic()
            if remaining <= 0:
                stop_event.set()
                if done == 0:
                    raise self._deadline_error(done, total)
                # Slow but answering: keep what was read and go on next time.
                log.info("sync deadline: %d of %d objects read", done, total)
                return added, updated, problems, False, total - done
            if cancelled():
                stop_event.set()
                return added, updated, problems, True, total - done
            try:
                future = finished.get(timeout=min(_POLL_S, remaining))
            except queue.Empty:
                continue
            result: _Read = future.result()
            done += 1
            item = result.listed
            if result.error is not None:
                failing += 1
                # One object the server keeps failing on must not stop every
                # sync; many in a row mean the source itself is down.
                if (
                    result.error.kind is not FailureKind.TRANSIENT
                    or failing >= _FAILED_READS_BEFORE_GIVING_UP
                ):
                    stop_event.set()
                    raise result.error
                problems[item.key] = f"not read ({result.error}); tried again next sync"
                continue
            if result.problem is not None:
                problems[item.key] = result.problem
                denied += result.denied
            if result.outcome is not None:
                read_ok += 1
                failing = 0
                was_known = self.store.identity(item.key) is not None
                self.store.put(
                    StoredObject(item.key, item.etag, item.size_bytes), result.outcome
                )
                (updated if was_known else added).append(item.key)
                if result.outcome.error is not None:
                    problems[item.key] = result.outcome.error
            if denied >= _DENIED_BEFORE_GIVING_UP and read_ok == 0:
                stop_event.set()
                raise SourceError(
                    "Access denied",
                    f"the credentials in use may list {self.source.location} "
                    "but not read its objects",
                    hint="ask for s3:GetObject on this bucket and prefix",
                    kind=FailureKind.AUTHORISATION,
                )
            report_progress()
        report_progress(force=True)
        added.sort()
        updated.sort()
        return added, updated, problems, False, 0

    def _read_one(self, item: ListedObject, stop_event: threading.Event) -> _Read:
        """Runs in a worker: fetch and parse one object, never touching the store."""
        if stop_event.is_set():
            return _Read(item, problem="not read: the sync stopped")
        if item.size_bytes > self.max_document_bytes:
            problem = (
                f"{item.size_bytes:,} bytes is over the "
                f"{self.max_document_bytes:,}-byte limit; not downloaded"
            )
            return _Read(item, outcome=ParseOutcome(item.key, None, error=problem))
        try:
            fetched = self.source.fetch(item.key, max_bytes=self.max_document_bytes)
        except ObjectUnavailable as exc:
            denied = "denied" in exc.reason
            return _Read(item, problem=f"skipped: {exc.reason}", denied=denied)
        except ObjectTooLarge as exc:
            problem = (
                f"{exc.size_bytes:,} bytes is over the {exc.max_bytes:,}-byte "
                "limit; not downloaded"
            )
            return _Read(item, outcome=ParseOutcome(item.key, None, error=problem))
        except SourceError as exc:
            return _Read(item, error=exc)
        outcome = parse_document(
            item.key,
            fetched.body,
            last_modified=fetched.last_modified or item.last_modified,
            object_metadata=fetched.metadata,
            max_bytes=self.max_document_bytes,
        )
        return _Read(item, outcome=outcome)

    # -- run detail --------------------------------------------------------

    def fetch_detail(self, key: str) -> RunDetail:
        """The heavy parts of one document, read again (a few kept in memory).

        Raises :class:`SourceError` if the object cannot be read.
        """
        known = self.store.identity(key)
        cache_key = (key, known.etag if known else None)
        with self._state_lock:
            cached = self._details.get(cache_key)
            if cached is not None:
                self._details.move_to_end(cache_key)
                return cached
        try:
            fetched = self.source.fetch(key, max_bytes=self.max_document_bytes)
        except ObjectUnavailable as exc:
            raise SourceError(
                "Result not available",
                f"{key} in {self.source.location}: {exc.reason}",
                hint="it should disappear from the list at the next sync",
                kind=FailureKind.TRANSIENT,
            ) from exc
        except ObjectTooLarge as exc:
            raise SourceError(
                "Result too large",
                f"{key} is {exc.size_bytes:,} bytes, over the "
                f"{exc.max_bytes:,}-byte limit",
                kind=FailureKind.CONFIGURATION,
            ) from exc
        detail = read_detail(key, fetched.body, max_bytes=self.max_document_bytes)
        with self._state_lock:
            self._details[cache_key] = detail
            self._details.move_to_end(cache_key)
            while len(self._details) > DETAIL_CACHE_SIZE:
                self._details.popitem(last=False)
        return detail


_DENIED_BEFORE_GIVING_UP = 10
"""Denied reads, with none allowed, that mean the credentials cannot read."""
_FAILED_READS_BEFORE_GIVING_UP = 10
"""Reads failing in a row (after botocore's retries) that mean the source is down."""


def _never() -> bool:
    return False

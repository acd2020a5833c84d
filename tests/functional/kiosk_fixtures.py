"""Shared by the kiosk and console tests: a clock the test moves, and a
directory of result documents built with ``tests.builders``."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from exo_benchtui.settings import Settings
from tests.builders import document_key, encode, make_document, make_stage

START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
"""The fake clock's first reading, after every run written by ``write_history``."""

MODELS = (
    "mlx-community/Kimi-K2-Thinking",
    "mlx-community/Llama-3.3-70B-4bit",
    "mlx-community/Qwen3-0.6B-4bit",
)


@dataclass
class FakeClock:
    """Aware UTC now, moved only by the test."""

    now: datetime = field(default=START)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def write_run(
    directory: Path,
    *,
    model: str,
    completed_at: datetime,
    commit: str,
    run_id: int,
    avg_time_per_request: float = 2.0,
    avg_decode_tps: float = 30.0,
    errors: tuple[str | None, ...] = (),
) -> Path:
    """One document, saved under its S3 key with ``/`` as ``_``."""
    document = make_document(
        completed_at=completed_at,
        commit=commit,
        models=(model,),
        stages=[
            make_stage(
                errors=errors,
                avg_time_per_request=avg_time_per_request,
                avg_decode_tps=avg_decode_tps,
            )
        ],
    )
    key = document_key(completed_at, commit, run_id)
    path = directory / key.replace("/", "_")
    path.write_bytes(encode(document))
    return path


def write_history(directory: Path, *, runs_per_series: int = 3) -> None:
    """Three series (one per model), ``runs_per_series`` runs each, a day apart,
    the last one of each a little slower than the one before."""
    directory.mkdir(parents=True, exist_ok=True)
    for series, model in enumerate(MODELS):
        for index in range(runs_per_series):
            completed_at = START - timedelta(days=runs_per_series - index, hours=series)
            write_run(
                directory,
                model=model,
                completed_at=completed_at,
                commit=f"{series}{index}".ljust(40, "a"),
                run_id=1000 + series * 100 + index,
                avg_time_per_request=2.0 + 0.1 * index,
                avg_decode_tps=30.0 - index,
            )


def kiosk_settings(source: Path, tmp_path: Path, **overrides) -> Settings:
    values = {
        "source": str(source),
        "kiosk": True,
        "refresh_s": 60.0,
        "cycle_s": 20.0,
        "log_file": tmp_path / "exo-bench-tui.log",
    }
    values.update(overrides)
    return Settings(**values)


def run_async(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an ``async def`` test in its own event loop (no pytest plugin needed)."""

    @functools.wraps(test)
    def runner(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return runner


async def settled(pilot) -> None:
    """Let the sync worker finish and its message be handled."""
    for _ in range(2):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

"""Fixed data, a fixed clock and helpers for the dashboard's app tests.

The documents are built with ``tests/builders.py``; their figures follow
simple formulas of the run number, so a test can work out what it expects.
"""

from __future__ import annotations

import asyncio
import functools
import io
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from exo_benchtui.settings import Settings
from tests.builders import document_key, encode, make_document, make_stage

if TYPE_CHECKING:
    from exo_benchtui.ui.app import BenchApp

FIXED_NOW = datetime(2025, 11, 20, 12, 0, 0, tzinfo=UTC)
"""The clock of every app test: no real time reaches the screen."""

KIMI = "mlx-community/Kimi-K2-Thinking"
QWEN = "mlx-community/Qwen3-0.6B-4bit"


def fixed_clock() -> datetime:
    return FIXED_NOW


def run_time(number: int, count: int) -> datetime:
    """Run ``number`` of ``count``: six hours apart, the last one hour ago."""
    return FIXED_NOW - timedelta(hours=1 + 6 * (count - 1 - number))


def commit_of(number: int) -> str:
    return f"{number:04d}c0ffee{number:04d}".ljust(40, "0")


def history(count: int = 12) -> list[tuple[str, dict[str, Any]]]:
    """``count`` runs (key, document), oldest first.

    Every run has a Kimi ``pp64_g64`` stage whose response time grows by
    20 ms a run (2000 ms at run 0) and a ``pp256_g64`` stage whose decode
    speed grows by 0.5 tok/s a run (30 at run 0); every fourth run (3, 7,
    …) has one failed request of four in its first stage. Every third run
    is a Qwen run instead, so there are four series: two models, two stages.
    """
    documents = []
    for number in range(count):
        at = run_time(number, count)
        errors = ("timed out after 60 s",) if number % 4 == 3 else ()
        stages = [
            make_stage(
                "pp64_g64",
                errors=errors,
                avg_time_per_request=2.0 + 0.02 * number,
                avg_ms_per_token=29.7 + number,
            ),
            make_stage(
                "pp256_g64",
                prompt_length=256,
                avg_decode_tps=30.0 + 0.5 * number,
                avg_ms_per_token=45.0 + 5 * number,
            ),
        ]
        models = (QWEN,) if number % 3 == 2 else (KIMI,)
        document = make_document(
            completed_at=at, commit=commit_of(number), models=models, stages=stages
        )
        documents.append((document_key(at, commit_of(number), prefix=""), document))
    return documents


def write_documents(
    directory: Path, documents: list[tuple[str, dict[str, Any]]]
) -> list[Path]:
    """Write each document where a directory copy of the bucket would have it."""
    written = []
    for key, document in documents:
        path = directory / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encode(document))
        written.append(path)
    return written


def settings_for(source: str | Path, **changes: Any) -> Settings:
    """Settings for a test: no console detection, the default refresh."""
    return replace(Settings(source=str(source), ascii=False), **changes)


def pilot_test(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async Pilot test in its own event loop.

    The project has no pytest async plugin; this keeps the fixtures working
    (pytest reads the wrapped signature) without adding one.
    """

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


def plain(renderable: Any, width: int = 200) -> str:
    """What a Rich renderable (a Static's content) reads as, without styles."""
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def app_for(directory: Path, **changes: Any) -> BenchApp:
    """The app as the command line makes it, on ``directory``, fixed clock."""
    from exo_benchtui.ui.app import make_app

    return make_app(settings_for(directory, **changes), clock=fixed_clock)


async def settled(pilot: Any) -> None:
    """Let workers finish and their messages be handled."""
    for _ in range(2):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

"""The headless summary: every run and series of a store as JSON, Markdown or
a Rich table.

The JSON is for scripts and its keys are a contract (see the README): ``runs``
oldest first, ``series``, ``problems``, and ``sync`` when a sync report is
given. Values a document did not give are ``null``; NaN and Infinity never
appear. The Markdown and the table are for people and show every string from
the data through :func:`~exo_benchtui.core.text.printable`, never as markup.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from rich import box as boxes
from rich.cells import cell_len, set_cell_size
from rich.table import Table
from rich.text import Text

from exo_benchtui.core.metrics import format_number
from exo_benchtui.core.model import Run, StageFigures
from exo_benchtui.core.store import ResultStore
from exo_benchtui.core.text import counted, printable


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return value


def _stage_data(stage: StageFigures) -> dict[str, Any]:
    return {
        "name": stage.name,
        "series": stage.series.id,
        "success_rate_pct": _finite(stage.success_rate_pct),
        "avg_response_ms": _finite(stage.avg_response_ms),
        "throughput_tps": _finite(stage.throughput_tps),
        "ttft_ms": _finite(stage.ttft_ms),
        "ttft_std_ms": _finite(stage.ttft_std_ms),
        "decode_tps": _finite(stage.decode_tps),
        "ms_per_token": _finite(stage.ms_per_token),
        "ms_per_token_std": _finite(stage.ms_per_token_std),
        "successful": stage.successful,
        "failed": stage.failed,
        "failure_reasons": dict(stage.failure_reasons),
    }


def _run_data(run: Run) -> dict[str, Any]:
    return {
        "key": run.key,
        "completed_at": run.completed_at.astimezone(UTC).isoformat(),
        "git_commit": run.git_commit,
        "strategy": run.strategy,
        "models": list(run.models),
        "stages": [_stage_data(stage) for stage in run.stages],
    }


def _sync_data(sync: Any) -> dict[str, Any]:
    """The ``"sync"`` part: the report's own ``to_dict()`` when it has one, so
    the sync engine stays the one place that knows its counters."""
    to_dict = getattr(sync, "to_dict", None)
    if callable(to_dict):
        return dict(to_dict())
    return {
        "list_requests": getattr(sync, "list_requests", None),
        "get_requests": getattr(sync, "get_requests", None),
        "objects": getattr(sync, "listed", None),
        "bytes": getattr(sync, "bytes_read", None),
        "duration_s": getattr(sync, "duration_s", None),
        "problems": dict(sorted(dict(getattr(sync, "problems", None) or {}).items())),
    }


def summary_data(store: ResultStore, sync: Any = None) -> dict[str, Any]:
    """The summary as plain data, ready for ``json.dumps``.

    ``{"runs": [...], "series": [...], "problems": [...]}`` with the keys of
    the README, runs oldest first, series by label; ``"sync"`` is added when
    ``sync`` (a :class:`~exo_benchtui.core.sync.SyncReport`) is given:
    ``list_requests``, ``get_requests``, ``objects`` (listed), ``bytes``
    (read), ``duration_s`` and ``problems`` ({key: why it was not read}).
    """
    data: dict[str, Any] = {
        "runs": [_run_data(run) for run in store.runs()],
        "series": [
            {"id": series.id, "label": series.label, "runs": series.runs}
            for series in sorted(store.series(), key=lambda s: (s.label, s.id))
        ],
        "problems": [
            {"key": problem.key, "message": f"{problem.path}: {problem.message}"}
            for problem in store.problems()
        ],
    }
    if sync is not None:
        data["sync"] = _sync_data(sync)
    return data


def _without_non_finite(value: Any) -> Any:
    """NaN and Infinity are not JSON; scripts would choke on them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _without_non_finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_without_non_finite(item) for item in value]
    return value


def render_json(store: ResultStore, sync: Any = None) -> str:
    """:func:`summary_data` as indented JSON (ASCII, so any terminal shows it)."""
    data = _without_non_finite(summary_data(store, sync))
    return json.dumps(data, indent=2, ensure_ascii=True, allow_nan=False)


# -- for people ----------------------------------------------------------

_COLUMNS = (
    ("when", "Completed (UTC)"),
    ("commit", "Commit"),
    ("series", "Series"),
    ("success", "Success"),
    ("response", "Response"),
    ("throughput", "Throughput"),
    ("ttft", "TTFT"),
    ("decode", "Decode"),
    ("per_token", "Per token"),
    ("counts", "OK/failed"),
)
"""(key, heading) of every column, in the order shown."""

_LEFT_ALIGNED = frozenset({"when", "commit", "series"})

_SPREADS = "spreads"
_NARROWING = (
    "counts",
    "response",
    "throughput",
    _SPREADS,
    "decode",
    "commit",
    "per_token",
    "success",
)
"""What a narrow terminal loses, in turn, until the table fits: columns by
key, and ``spreads`` for the ``± std`` after TTFT and Per token. The figures
the dashboard shows first (success, TTFT, per token) go last."""

SERIES_MIN_CELLS = 24
"""The narrowest the Series column is made before a column is left out:
enough for the model and the start of the stage."""


def _figure(value: float | None, unit: str, spread: float | None = None) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    text = format_number(value)
    if spread is not None and math.isfinite(spread):
        text += f" ± {format_number(spread)}"
    return f"{text} {unit}"


def _counts(stage: StageFigures) -> str:
    ok = "?" if stage.successful is None else str(stage.successful)
    failed = "?" if stage.failed is None else str(stage.failed)
    return f"{ok}/{failed}"


def _rows(store: ResultStore) -> list[tuple[dict[str, str], dict[str, str]]]:
    """Display text by column key, a row per run-stage, newest first; data made
    safe. Each row twice: as it is, and without the ``± std`` of TTFT and Per
    token (for a narrow terminal), from one walk of the store."""
    labels = {series.id: series.label for series in store.series()}
    rows = []
    for run in reversed(store.runs()):
        when = run.completed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        commit = printable(run.short_commit, one_line=True) or "-"
        for stage in run.stages:
            row = {
                "when": when,
                "commit": commit,
                "series": printable(
                    labels.get(stage.series.id, stage.name), one_line=True
                ),
                "success": _figure(stage.success_rate_pct, "%"),
                "response": _figure(stage.avg_response_ms, "ms"),
                "throughput": _figure(stage.throughput_tps, "tok/s"),
                "ttft": _figure(stage.ttft_ms, "ms", stage.ttft_std_ms),
                "decode": _figure(stage.decode_tps, "tok/s"),
                "per_token": _figure(stage.ms_per_token, "ms", stage.ms_per_token_std),
                "counts": _counts(stage),
            }
            compact = row | {
                "ttft": _figure(stage.ttft_ms, "ms"),
                "per_token": _figure(stage.ms_per_token, "ms"),
            }
            rows.append((row, compact))
    return rows


def _problem_lines(store: ResultStore) -> list[str]:
    return [
        printable(f"{problem.key}: {problem.path}: {problem.message}", one_line=True)
        for problem in store.problems()
    ]


# Characters that Markdown (or the HTML it may contain) would act on.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def markdown_escape(text: str) -> str:
    """``text`` as literal Markdown on one line: specials backslashed,
    ``<``, ``>`` and ``&`` as HTML entities, control characters escaped."""
    text = printable(text, one_line=True)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def render_markdown(store: ResultStore) -> str:
    """A Markdown report for a pull request: one table row per run-stage
    (newest first), then any problems as a list."""
    runs = store.runs()
    lines = [
        "## EXO benchmark results",
        "",
        f"{counted(len(runs), 'run')}, {len(store.series())} series.",
        "",
    ]
    if runs:
        lines.append("| " + " | ".join(heading for _, heading in _COLUMNS) + " |")
        lines.append("|" + "|".join("---" for _ in _COLUMNS) + "|")
        for row, _ in _rows(store):
            cells = (markdown_escape(row[key]) for key, _ in _COLUMNS)
            lines.append("| " + " | ".join(cells) + " |")
    problems = _problem_lines(store)
    if problems:
        lines += ["", f"### Problems ({len(problems)})", ""]
        lines += [f"- {markdown_escape(line)}" for line in problems]
    return "\n".join(lines) + "\n"


def _as_is(text: str) -> str:
    return text


@dataclass(frozen=True, slots=True)
class _Layout:
    keys: tuple[str, ...]
    """The columns shown, in order."""
    spreads: bool
    series_cells: int | None
    """The Series column's width; None: as wide as its longest label."""
    left_out: tuple[str, ...]
    """Headings of the columns left out (and ``± std``), for the caption."""


def _natural_cells(rows: list[dict[str, str]], shown: Callable[[str], str]) -> dict:
    """Each column's width in cells: its heading or its longest cell."""
    return {
        key: max(
            [cell_len(shown(heading))] + [cell_len(shown(row[key])) for row in rows]
        )
        for key, heading in _COLUMNS
    }


def _fit(
    full_cells: dict[str, int], compact_cells: dict[str, int], width_cells: int | None
) -> _Layout:
    """The most columns that fit ``width_cells`` with Series at least
    :data:`SERIES_MIN_CELLS` wide (or as wide as its longest label)."""
    all_keys = tuple(key for key, _ in _COLUMNS)
    if width_cells is None:
        return _Layout(all_keys, True, None, ())
    keys, spreads = list(all_keys), True
    narrowing = iter(_NARROWING)
    while True:
        cells = full_cells if spreads else compact_cells
        fixed = sum(cells[key] for key in keys if key != "series")
        # A boxed table with edges: one cell of padding either side of each
        # column, a line between columns and one at each edge.
        room = width_cells - fixed - (3 * len(keys) + 1)
        step = next(narrowing, None)
        if room >= min(cells["series"], SERIES_MIN_CELLS) or step is None:
            break
        if step == _SPREADS:
            spreads = False
        else:
            keys.remove(step)
    headings = dict(_COLUMNS)
    left_out = [headings[key] for key in all_keys if key not in keys]
    if not spreads:
        left_out.append("± std")
    series_cells = max(1, min(room, cells["series"]))
    return _Layout(tuple(keys), spreads, series_cells, tuple(left_out))


_DANGLING_SEPARATOR = re.compile(r"(\s+[·-])?\s*$")


def _cut(text: str, cells: int | None, ellipsis: str) -> str:
    """``text`` in at most ``cells`` cells, ending in ``ellipsis`` if cut."""
    if cells is None or cell_len(text) <= cells:
        return text
    kept = set_cell_size(text, max(0, cells - cell_len(ellipsis)))
    # A cut just after a part leaves its " · " (" - " in ASCII) dangling.
    return _DANGLING_SEPARATOR.sub("", kept) + ellipsis


def render_table(
    store: ResultStore,
    *,
    width_cells: int | None = None,
    box: boxes.Box = boxes.HEAVY_HEAD,
    shown: Callable[[str], str] = _as_is,
) -> Table:
    """A Rich table of every run-stage, newest first, for a terminal.

    ``width_cells`` is the terminal's width: less important columns (and the
    ``± std`` spreads) are left out until the table fits with a Series column
    of at least :data:`SERIES_MIN_CELLS`, and the caption names what was left
    out. No cell wraps: figures keep their width, a long series label is cut
    with an ellipsis. None: every column, as wide as it needs.

    Every cell is a :class:`rich.text.Text`, so nothing from the data is read
    as markup. ``box`` draws the lines and ``shown`` maps every string (the
    ellipsis included), so a terminal with a small font (the Linux console)
    gets only glyphs it has.
    """
    runs, problems = store.runs(), store.problems()
    rows = _rows(store)
    full_rows = [row for row, _ in rows]
    compact_rows = [compact for _, compact in rows]
    layout = _fit(
        _natural_cells(full_rows, shown),
        _natural_cells(compact_rows, shown),
        width_cells,
    )
    notes = [counted(len(problems), "problem")] if problems else []
    if layout.left_out:
        hidden = ", ".join(layout.left_out)
        notes.append(f"Hidden at {width_cells} columns: {hidden}")
    table = Table(
        title=Text(shown(f"EXO benchmark results: {counted(len(runs), 'run')}")),
        caption=Text(shown(". ".join(notes))) if notes else None,
        box=box,
    )
    headings = dict(_COLUMNS)
    for key in layout.keys:
        table.add_column(
            Text(shown(headings[key])),
            justify="left" if key in _LEFT_ALIGNED else "right",
            no_wrap=True,
        )
    ellipsis = shown("…")
    for row in full_rows if layout.spreads else compact_rows:
        cells = []
        for key in layout.keys:
            text = shown(row[key])
            if key == "series":
                text = _cut(text, layout.series_cells, ellipsis)
            cells.append(Text(text))
        table.add_row(*cells)
    return table


def render_problems(
    store: ResultStore, *, shown: Callable[[str], str] = _as_is
) -> Text | None:
    """Every problem on its own line (key, JSON path, message), or None."""
    lines = _problem_lines(store)
    if not lines:
        return None
    return Text(shown("\n".join([f"Problems ({len(lines)}):", *lines])))

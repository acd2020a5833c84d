"""The plotted metrics and how a run compares with the one before it.

Every trend the dashboard and the kiosk show (arrow, signed delta, percent,
"better"/"worse") comes from :func:`compare`; no UI works one out itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from exo_benchtui.core.model import StageFigures

SAME_TOLERANCE = 0.005
"""A change smaller than 0.5 % of the previous value counts as "no change":
run-to-run noise of a few tenths of a percent would otherwise flip the arrow
and colour on every refresh."""


@dataclass(frozen=True, slots=True)
class Metric:
    """One figure of a run-stage that the dashboard plots and compares."""

    name: str
    """A stable identifier, e.g. ``ttft_ms``."""
    title: str
    """For people: ``Time to first token``."""
    unit: str
    """Unit of the values: ``ms``, ``tok/s``, ``%``."""
    attribute: str
    """The :class:`StageFigures` attribute holding the value."""
    higher_is_better: bool
    spread_attribute: str | None = None
    """The :class:`StageFigures` attribute holding the standard deviation."""
    delta_unit: str | None = None
    """Unit of a difference, when it is not ``unit`` (percentage points)."""
    axis: tuple[float, float] | None = None
    """The fixed range of a chart's y axis; None fits the axis to the data."""

    def value(self, stage: StageFigures) -> float | None:
        """This metric's value in ``stage``, or None."""
        return getattr(stage, self.attribute)

    def spread(self, stage: StageFigures) -> float | None:
        """The standard deviation in ``stage``, or None."""
        if self.spread_attribute is None:
            return None
        return getattr(stage, self.spread_attribute)

    def format(self, value: float | None) -> str:
        """``value`` with its unit, e.g. ``312 ms``; ``-`` when absent."""
        if value is None or not math.isfinite(value):
            return "-"
        return f"{format_number(value)} {self.unit}"


SUCCESS_RATE = Metric(
    "success_rate_pct",
    "Success rate",
    "%",
    "success_rate_pct",
    True,
    None,
    "pp",
    # The whole scale: fitted to 96-100 % a run with one failure in thirty
    # drew as a fall to the bottom of the chart.
    axis=(0.0, 100.0),
)
AVG_RESPONSE = Metric(
    "avg_response_ms", "Average response time", "ms", "avg_response_ms", False
)
TTFT = Metric("ttft_ms", "Time to first token", "ms", "ttft_ms", False, "ttft_std_ms")
THROUGHPUT = Metric("throughput_tps", "Throughput", "tok/s", "throughput_tps", True)
DECODE = Metric("decode_tps", "Decode speed", "tok/s", "decode_tps", True)
MS_PER_TOKEN = Metric(
    "ms_per_token", "Time per token", "ms", "ms_per_token", False, "ms_per_token_std"
)

METRICS: tuple[Metric, ...] = (
    SUCCESS_RATE,
    AVG_RESPONSE,
    TTFT,
    THROUGHPUT,
    DECODE,
    MS_PER_TOKEN,
)
"""Every plotted metric, in the order the dashboard shows them."""

METRICS_BY_NAME: dict[str, Metric] = {metric.name: metric for metric in METRICS}


def format_number(value: float) -> str:
    """A few significant digits: ``1234``, ``56.7``, ``3.14``, ``0.042``."""
    size = abs(value)
    if size >= 100:
        return f"{value:.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 0.1:
        return f"{value:.2f}"
    if size >= 0.001:
        return f"{value:.2g}"
    # Nearer zero than any figure here means anything (and "-0" or "1e-07"
    # would read as a change).
    return "0"


class Verdict(Enum):
    """Whether the latest value is good news; the value is the word shown."""

    BETTER = "better"
    WORSE = "worse"
    SAME = "no change"
    UNKNOWN = "no previous run"


@dataclass(frozen=True, slots=True)
class Change:
    """How the latest value of a metric compares with the previous one."""

    metric: Metric
    latest: float | None
    previous: float | None
    delta: float | None
    """latest − previous, in the metric's unit; None without both values."""
    delta_pct: float | None
    """delta as a percentage of ``previous``; None when previous is 0."""
    verdict: Verdict
    arrow: str
    """``▲`` when the value went up, ``▼`` down, ``=`` the same, else empty."""
    arrow_ascii: str
    """The same for terminals without those glyphs: ``^``, ``v``, ``=``."""

    @property
    def words(self) -> str:
        """The verdict in words, so it reads without colour: ``worse``."""
        if self.verdict is Verdict.UNKNOWN and self.latest is None:
            return "no value"
        return self.verdict.value

    @property
    def delta_text(self) -> str:
        """The signed delta with its unit, e.g. ``+12.5 ms``; empty without one."""
        if self.delta is None:
            return ""
        unit = self.metric.delta_unit or self.metric.unit
        return f"{_signed(self.delta)} {unit}"

    @property
    def pct_text(self) -> str:
        """The signed percent change, e.g. ``-3.2 %``; empty without one."""
        if self.delta_pct is None:
            return ""
        return f"{_signed(self.delta_pct)} %"

    def summary(self, *, ascii_only: bool = False) -> str:
        """One line for cards: ``▲ +12.5 ms (+4.1 %) worse``."""
        arrow = self.arrow_ascii if ascii_only else self.arrow
        parts = [arrow, self.delta_text]
        if self.pct_text:
            parts.append(f"({self.pct_text})")
        parts.append(self.words)
        return " ".join(part for part in parts if part)


def _signed(value: float) -> str:
    """``+1.5``, ``-1.5``, and ``0.0`` for what rounds to zero either way."""
    text = format_number(value)
    if text.startswith("-") or not text.strip("0.,"):
        return text
    return f"+{text}"


def _usable(value: float | None) -> float | None:
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        return None
    return float(value)


def compare(latest: float | None, previous: float | None, metric: Metric) -> Change:
    """Compare the latest value of ``metric`` with the previous run's.

    The verdict says whether the move is good news given
    ``metric.higher_is_better``. A change under :data:`SAME_TOLERANCE` of the
    previous value is ``no change`` (when the previous value is 0, any
    non-zero change counts). Without both values (or with a non-finite one)
    the verdict is ``no previous run`` and there is no delta.
    """
    latest, previous = _usable(latest), _usable(previous)
    if latest is None or previous is None:
        return Change(metric, latest, previous, None, None, Verdict.UNKNOWN, "", "")
    delta = latest - previous
    delta_pct = delta / abs(previous) * 100.0 if previous != 0 else None
    if not math.isfinite(delta):
        delta, delta_pct = None, None
    elif delta_pct is not None and not math.isfinite(delta_pct):
        delta_pct = None
    if delta is None:  # the values differ beyond what a float can hold
        went_up = latest > previous
    elif delta == 0 or (previous != 0 and abs(delta) < SAME_TOLERANCE * abs(previous)):
        return Change(
            metric, latest, previous, delta, delta_pct, Verdict.SAME, "=", "="
        )
    else:
        went_up = delta > 0
    good = went_up == metric.higher_is_better
    return Change(
        metric,
        latest,
        previous,
        delta,
        delta_pct,
        Verdict.BETTER if good else Verdict.WORSE,
        "▲" if went_up else "▼",
        "^" if went_up else "v",
    )

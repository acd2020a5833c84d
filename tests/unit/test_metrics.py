"""The metric catalogue and compare(): arrows, deltas, verdicts."""

from __future__ import annotations

import math

import pytest

from exo_benchtui.core.documents import parse_document
from exo_benchtui.core.metrics import (
    AVG_RESPONSE,
    DECODE,
    METRICS,
    METRICS_BY_NAME,
    MS_PER_TOKEN,
    SUCCESS_RATE,
    THROUGHPUT,
    TTFT,
    Verdict,
    compare,
    format_number,
)
from exo_benchtui.core.model import StageFigures
from tests.builders import encode, make_document, make_stage


def test_catalogue_directions():
    higher = {metric.name: metric.higher_is_better for metric in METRICS}
    assert higher == {
        "success_rate_pct": True,
        "avg_response_ms": False,
        "ttft_ms": False,
        "throughput_tps": True,
        "decode_tps": True,
        "ms_per_token": False,
    }
    assert METRICS_BY_NAME["ttft_ms"] is TTFT


def test_every_metric_names_a_stage_figure():
    fields = set(StageFigures.__dataclass_fields__)
    for metric in METRICS:
        assert metric.attribute in fields
        assert metric.spread_attribute is None or metric.spread_attribute in fields


def test_metric_value_and_spread_read_the_stage():
    stage = make_stage(avg_time_to_first_token=0.4, std_time_to_first_token=0.05)
    run = parse_document("k.json", encode(make_document(stages=[stage]))).run
    assert TTFT.value(run.stages[0]) == pytest.approx(400.0)
    assert TTFT.spread(run.stages[0]) == pytest.approx(50.0)
    assert DECODE.spread(run.stages[0]) is None


@pytest.mark.parametrize(
    ("metric", "latest", "previous", "verdict", "arrow", "ascii_arrow"),
    [
        (TTFT, 120.0, 100.0, Verdict.WORSE, "▲", "^"),
        (TTFT, 80.0, 100.0, Verdict.BETTER, "▼", "v"),
        (AVG_RESPONSE, 80.0, 100.0, Verdict.BETTER, "▼", "v"),
        (MS_PER_TOKEN, 31.0, 30.0, Verdict.WORSE, "▲", "^"),
        (THROUGHPUT, 30.0, 25.0, Verdict.BETTER, "▲", "^"),
        (DECODE, 20.0, 25.0, Verdict.WORSE, "▼", "v"),
        (SUCCESS_RATE, 50.0, 100.0, Verdict.WORSE, "▼", "v"),
        (SUCCESS_RATE, 100.0, 50.0, Verdict.BETTER, "▲", "^"),
    ],
)
def test_direction_decides_the_verdict(
    metric, latest, previous, verdict, arrow, ascii_arrow
):
    change = compare(latest, previous, metric)
    assert change.verdict is verdict
    assert change.words == verdict.value
    assert (change.arrow, change.arrow_ascii) == (arrow, ascii_arrow)
    assert change.delta == pytest.approx(latest - previous)
    assert change.delta_pct == pytest.approx((latest - previous) / previous * 100)


def test_delta_and_percent_texts():
    change = compare(112.5, 100.0, TTFT)
    assert change.delta_text == "+12.5 ms"
    assert change.pct_text == "+12.5 %"
    assert change.summary() == "▲ +12.5 ms (+12.5 %) worse"
    assert change.summary(ascii_only=True) == "^ +12.5 ms (+12.5 %) worse"
    drop = compare(66.67, 100.0, SUCCESS_RATE)
    assert drop.delta_text == "-33.3 pp"  # percentage points, not percent
    assert drop.pct_text == "-33.3 %"


def test_small_changes_are_no_change():
    # 0.4 % up: under the 0.5 % tolerance.
    change = compare(100.4, 100.0, TTFT)
    assert change.verdict is Verdict.SAME
    assert change.words == "no change"
    assert change.arrow == change.arrow_ascii == "="
    assert change.delta == pytest.approx(0.4)
    # 0.6 % up: a change.
    assert compare(100.6, 100.0, TTFT).verdict is Verdict.WORSE
    assert compare(5.0, 5.0, THROUGHPUT).verdict is Verdict.SAME


def test_change_from_zero_has_no_percent():
    change = compare(3.0, 0.0, THROUGHPUT)
    assert change.verdict is Verdict.BETTER
    assert change.delta == 3.0 and change.delta_pct is None
    assert change.pct_text == ""
    assert compare(0.0, 0.0, THROUGHPUT).verdict is Verdict.SAME


@pytest.mark.parametrize(
    ("latest", "previous", "words"),
    [
        (10.0, None, "no previous run"),
        (None, 10.0, "no value"),
        (None, None, "no value"),
        (math.nan, 10.0, "no value"),
        (10.0, math.inf, "no previous run"),
    ],
)
def test_unknown_without_both_values(latest, previous, words):
    change = compare(latest, previous, TTFT)
    assert change.verdict is Verdict.UNKNOWN
    assert change.delta is None and change.delta_pct is None
    assert change.arrow == change.arrow_ascii == ""
    assert change.words == words
    assert change.delta_text == ""


def test_overflowing_difference_still_has_a_direction():
    change = compare(1.7e308, -1.7e308, THROUGHPUT)
    assert change.verdict is Verdict.BETTER
    assert change.delta is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234.4, "1234"),
        (56.78, "56.8"),
        (3.14159, "3.14"),
        (0.0421, "0.042"),
        (0, "0"),
        # Zero has no sign, and what is too small to tell from it is zero.
        (-0.0, "0"),
        (-1e-9, "0"),
        (3e-7, "0"),
        (-0.0012, "-0.0012"),
    ],
)
def test_format_number(value, text):
    assert format_number(value) == text


@pytest.mark.parametrize("tiny", [-1e-12, 1e-12])
def test_a_change_that_rounds_to_zero_has_no_sign(tiny):
    change = compare(5.0 + tiny, 5.0, TTFT)
    assert change.verdict is Verdict.SAME
    assert (change.delta_text, change.pct_text) == ("0 ms", "0 %")
    assert change.summary() == "= 0 ms (0 %) no change"


def test_metric_format():
    assert TTFT.format(312.2) == "312 ms"
    assert TTFT.format(None) == "-"
    assert THROUGHPUT.format(math.nan) == "-"

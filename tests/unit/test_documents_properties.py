"""Property tests: no input makes reading a document raise.

Three kinds of input: arbitrary bytes, arbitrary JSON values, and valid
documents (from tests/builders.py) with random fields dropped or replaced by
random JSON. The last kind reaches deep into the parser, where the bugs are.
"""

from __future__ import annotations

import io
import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from exo_benchtui.core.documents import parse_document, read_detail
from exo_benchtui.core.model import ParseOutcome, RunDetail, StoredObject
from exo_benchtui.core.report import render_json, render_markdown, render_table
from exo_benchtui.core.store import ResultStore
from tests.builders import document_key, make_document, make_stage

KEY = document_key()
PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["", "\n", "HTTP 500\nx", "\x1b[31mred", "\ud800", "a|b"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)


def check_outcome(outcome: ParseOutcome) -> None:
    """What every outcome must satisfy, whatever the input."""
    assert isinstance(outcome, ParseOutcome)
    assert outcome.key == KEY
    assert (outcome.run is None) != (outcome.error is None)
    for problem in outcome.problems:
        assert problem.key == KEY
        assert problem.path.startswith("$")
        assert problem.message
    run = outcome.run
    if run is None:
        assert outcome.error
        return
    assert run.completed_at.utcoffset() == timedelta(0)
    for stage in run.stages:
        assert isinstance(stage.name, str) and stage.name
        assert stage.series.id
        for name in (
            "success_rate_pct",
            "avg_response_ms",
            "throughput_tps",
            "ttft_ms",
            "ttft_std_ms",
            "decode_tps",
            "ms_per_token",
            "ms_per_token_std",
            "duration_s",
        ):
            value = getattr(stage, name)
            assert value is None or (type(value) is float and math.isfinite(value)), (
                name,
                value,
            )
        for name in ("total_requests", "successful", "failed", "total_tokens"):
            value = getattr(stage, name)
            assert value is None or (type(value) is int and value >= 0), (name, value)
        counts = [count for _, count in stage.failure_reasons]
        assert all(count > 0 for count in counts)
        assert counts == sorted(counts, reverse=True)
        assert all(isinstance(m, str) and m for m, _ in stage.failure_reasons)


def check_detail(detail: RunDetail) -> None:
    assert isinstance(detail, RunDetail)
    assert len(detail.configs) == len(detail.requests)
    lines = [*detail.node_running, *detail.instance_running]
    lines += [*detail.node_memory_used_bytes]
    lines += [line for line in (detail.cluster_pending, detail.cluster_running) if line]
    for line in lines:
        assert all(math.isfinite(x) and math.isfinite(y) for x, y in line.points)


def check_reports(outcome: ParseOutcome) -> None:
    """The summary of any outcome renders, and its JSON is strict JSON."""
    store = ResultStore()
    store.put(StoredObject(KEY, None, None), outcome)
    json.loads(render_json(store), parse_constant=_refuse)
    render_markdown(store)
    Console(file=io.StringIO(), width=120).print(render_table(store))


def _refuse(constant: str) -> Any:
    raise AssertionError(f"{constant} in the JSON output")


@PROPERTY_SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(body):
    outcome = parse_document(KEY, body)
    check_outcome(outcome)
    check_detail(read_detail(KEY, body))


@PROPERTY_SETTINGS
@given(json_values)
def test_arbitrary_json_never_raises(value):
    body = json.dumps(value).encode()
    outcome = parse_document(KEY, body)
    check_outcome(outcome)
    check_detail(read_detail(KEY, body))
    check_reports(outcome)


@PROPERTY_SETTINGS
@given(
    st.dictionaries(
        st.sampled_from(["metadata", "cluster", "configuration", "results", "metrics"]),
        json_values,
    )
)
def test_arbitrary_sections_never_raise(document):
    body = json.dumps(document).encode()
    outcome = parse_document(KEY, body, last_modified=datetime(2025, 1, 1, tzinfo=UTC))
    check_outcome(outcome)
    # A time is always there, so the outcome turns on whether any section is
    # an object: with none it is not a result document at all.
    has_section = any(
        isinstance(document.get(name), dict)
        for name in ("metadata", "cluster", "configuration", "results")
    )
    assert (outcome.run is not None) == has_section
    check_detail(read_detail(KEY, body))
    check_reports(outcome)


# -- mutated valid documents ---------------------------------------------


@st.composite
def valid_documents(draw) -> dict[str, Any]:
    stage_count = draw(st.integers(min_value=0, max_value=3))
    stages = []
    for index in range(stage_count):
        iterations = draw(st.integers(min_value=1, max_value=4))
        failures = draw(st.integers(min_value=0, max_value=iterations))
        errors = tuple(
            draw(st.sampled_from([None, "timed out", "HTTP 500\nURL: x", ""]))
            for _ in range(failures)
        )
        stages.append(make_stage(f"s{index}", iterations=iterations, errors=errors))
    old = draw(st.booleans())
    return make_document(
        stages=stages,
        strategy="tensor" if old else None,
        snapshots=draw(st.integers(min_value=0, max_value=3)),
    )


def _places(value: Any, found: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in ``value``, depth first."""
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((value, key))
            _places(item, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((value, index))
            _places(item, found)
    return found


@st.composite
def mutated_documents(draw) -> dict[str, Any]:
    document = draw(valid_documents())
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        places = _places(document, [])
        if not places:
            break
        container, where = draw(st.sampled_from(places))
        if draw(st.booleans()):
            del container[where]
        else:
            container[where] = draw(json_values)
    return document


@PROPERTY_SETTINGS
@given(mutated_documents())
def test_mutated_documents_never_raise(document):
    body = json.dumps(document).encode()
    outcome = parse_document(KEY, body)
    check_outcome(outcome)
    # The key carries a timestamp, so a mutated document still gives a run,
    # unless no section of a result is left to read (then it is not a result).
    sections = ("metadata", "cluster", "configuration", "results")
    if any(isinstance(document.get(name), dict) for name in sections):
        assert outcome.run is not None
    else:
        assert outcome.error.startswith("not an EXO benchmark result")
    check_detail(read_detail(KEY, body))
    check_reports(outcome)


@PROPERTY_SETTINGS
@given(valid_documents())
def test_valid_documents_have_no_problems(document):
    outcome = parse_document(KEY, json.dumps(document).encode())
    assert outcome.problems == ()
    assert len(outcome.run.stages) == len(document["results"]["stages"])
    detail = read_detail(KEY, json.dumps(document).encode())
    assert detail.problems == ()
    assert [len(r) for r in detail.requests] == [
        len(stage["requests"]) for stage in document["results"]["stages"]
    ]

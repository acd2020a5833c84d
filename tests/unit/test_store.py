"""The result store: versions, removal, series grouping, stable series ids."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from exo_benchtui.core.documents import parse_document
from exo_benchtui.core.model import SeriesKey, StoredObject
from exo_benchtui.core.store import ResultStore
from tests.builders import document_key, encode, make_document, make_stage

START = datetime(2025, 11, 1, 12, 0, tzinfo=UTC)


def put(store: ResultStore, document, key: str, etag: str = "e1") -> bool:
    outcome = parse_document(key, encode(document))
    return store.put(StoredObject(key, etag, 100), outcome)


def day(n: int) -> datetime:
    return START + timedelta(days=n)


def test_version_moves_only_when_content_changes():
    store = ResultStore()
    key = document_key(day(0))
    assert store.version == 0
    assert put(store, make_document(completed_at=day(0)), key) is True
    assert store.version == 1
    # The same content again (a fresh parse, an equal outcome): no change.
    assert put(store, make_document(completed_at=day(0)), key, etag="e2") is False
    assert store.version == 1
    assert store.identity(key).etag == "e2"  # the listing identity still updates
    changed = make_document(
        completed_at=day(0), stages=[make_stage(avg_time_per_request=9.0)]
    )
    assert put(store, changed, key) is True
    assert store.version == 2


def test_remove_and_remove_missing():
    store = ResultStore()
    keys = [document_key(day(n), run_id=n) for n in range(3)]
    for n, key in enumerate(keys):
        put(store, make_document(completed_at=day(n)), key)
    version = store.version
    assert store.remove("not/there.json") is False
    assert store.version == version
    assert store.remove(keys[0]) is True
    assert store.version == version + 1
    assert store.get(keys[0]) is None
    assert store.remove_missing(keys[1:]) == []
    assert store.version == version + 1
    assert store.remove_missing([keys[2]]) == [keys[1]]
    assert store.version == version + 2
    assert store.keys() == frozenset({keys[2]})
    assert len(store) == 1


def test_runs_are_oldest_first_and_filter_by_time():
    store = ResultStore()
    for n in (2, 0, 1):
        put(store, make_document(completed_at=day(n)), document_key(day(n), run_id=n))
    assert [run.completed_at for run in store.runs()] == [day(0), day(1), day(2)]
    assert [r.completed_at for r in store.runs(since=day(1))] == [day(1), day(2)]
    assert [r.completed_at for r in store.runs(until=day(0))] == [day(0)]
    assert store.total_runs == 3


def test_series_group_comparable_stages_only():
    store = ResultStore()
    kimi = [make_stage("pp64_g64"), make_stage("pp256_g64", prompt_length=256)]
    for n in range(3):
        put(
            store,
            make_document(completed_at=day(n), stages=kimi),
            document_key(day(n), run_id=n),
        )
    put(
        store,
        make_document(
            completed_at=day(5),
            models=("mlx-community/Llama-3.2-1B-Instruct-4bit",),
            hardware=("laptop",),
            config_file="other.yaml",
        ),
        document_key(day(5), run_id=5),
    )
    series = store.series()
    assert len(series) == 3
    assert series[0].latest_at == day(5)  # most recently active first
    counts = sorted(summary.runs for summary in series)
    assert counts == [1, 3, 3]
    assert store.active_configurations == 2
    pp256 = next(s for s in series if s.key.stage_name == "pp256_g64")
    assert "pp256/tg64" in pp256.label and "Kimi-K2-Thinking" in pp256.label
    points = store.series_points(pp256.id)
    assert [run.completed_at for run, _ in points] == [day(0), day(1), day(2)]
    assert all(stage.name == "pp256_g64" for _, stage in points)


def test_latest_pair():
    store = ResultStore()
    assert store.latest_pair("nothing") == (None, None)
    for n, seconds in enumerate((1.0, 2.0)):
        stage = make_stage(avg_time_per_request=seconds)
        put(
            store,
            make_document(completed_at=day(n), stages=[stage]),
            document_key(day(n), run_id=n),
        )
    (summary,) = store.series()
    latest, previous = store.latest_pair(summary.id)
    assert latest[1].avg_response_ms == 2000.0
    assert previous[1].avg_response_ms == 1000.0
    store.remove(document_key(day(0), run_id=0))
    latest, previous = store.latest_pair(summary.id)
    assert latest[1].avg_response_ms == 2000.0 and previous is None


def test_problems_include_unreadable_documents():
    store = ResultStore()
    store.put(StoredObject("bad.json", None, 1), parse_document("bad.json", b"{"))
    document = make_document()
    document["results"]["stages"][0]["avg_decode_tps"] = "fast"
    put(store, document, document_key())
    problems = store.problems()
    # By key: "bad.json" sorts before "bench/...".
    assert [(p.key, p.path) for p in problems] == [
        ("bad.json", "$"),
        (document_key(), "$.results.stages[0].avg_decode_tps"),
    ]
    assert "not JSON" in problems[0].message
    assert store.unreadable_count == 1
    assert store.total_runs == 1


SERIES_FIELDS = {
    "models": ["mlx-community/Kimi-K2-Thinking", "mlx-community/Qwen3-0.6B"],
    "stage_name": "pp256_g64",
    "prompt_tokens": 256,
    "generation_tokens": 64,
    "iterations": 5,
    "request_interval_s": 2.0,
    "hardware": ["puffin4", "puffin8"],
    "strategy": "Tensor (MLX IBV)",
    "config_file": ".github/configs/bench_simple.yaml",
}


def _series_key() -> SeriesKey:
    fields = dict(SERIES_FIELDS)
    fields["models"] = tuple(fields["models"])
    fields["hardware"] = tuple(fields["hardware"])
    return SeriesKey(**fields)


def test_series_ids_are_stable_across_processes():
    program = (
        "import json, sys\n"
        "from exo_benchtui.core.model import SeriesKey\n"
        "fields = json.loads(sys.argv[1])\n"
        "fields['models'] = tuple(fields['models'])\n"
        "fields['hardware'] = tuple(fields['hardware'])\n"
        "print(SeriesKey(**fields).id)\n"
    )
    ids = set()
    for seed in ("1", "2"):  # different str hashes in each process
        env = dict(os.environ, PYTHONHASHSEED=seed)
        result = subprocess.run(
            [sys.executable, "-c", program, json.dumps(SERIES_FIELDS)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        ids.add(result.stdout.strip())
    assert ids == {_series_key().id}


def test_series_ids_differ_when_any_field_differs():
    base = _series_key()
    other_fields = {
        "stage_name": "pp64_g64",
        "prompt_tokens": 64,
        "generation_tokens": 32,
        "iterations": 4,
        "request_interval_s": 0.5,
        "hardware": ("puffin4",),
        "strategy": None,
        "config_file": "x.yaml",
        "models": ("mlx-community/Kimi-K2-Thinking",),
    }
    for name, value in other_fields.items():
        fields = {
            field: getattr(base, field) for field in SERIES_FIELDS if field != name
        }
        assert SeriesKey(**fields, **{name: value}).id != base.id, name


def test_series_that_would_read_alike_get_distinct_labels():
    store = ResultStore()
    for index, config in enumerate(("configs/a.yaml", "configs/b.yaml")):
        completed = datetime(2025, 11, 1, tzinfo=UTC) + timedelta(hours=index)
        key = document_key(completed, run_id=index)
        body = encode(make_document(completed_at=completed, config_file=config))
        store.put(StoredObject(key, "e", len(body)), parse_document(key, body))
    labels = sorted(summary.label for summary in store.series())
    assert len(labels) == 2
    assert labels[0].endswith(" · a.yaml")
    assert labels[1].endswith(" · b.yaml")


def test_hardware_in_another_order_is_the_same_series():
    store = ResultStore()
    for index, hardware in enumerate((("puffin8", "puffin4"), ("puffin4", "puffin8"))):
        completed = datetime(2025, 11, 1, tzinfo=UTC) + timedelta(hours=index)
        key = document_key(completed, run_id=index)
        body = encode(make_document(completed_at=completed, hardware=hardware))
        store.put(StoredObject(key, "e", len(body)), parse_document(key, body))
    assert len(store.series()) == 1
    assert store.series()[0].runs == 2


def _index(store: ResultStore):
    return (
        store.runs(),
        store.series(),
        {s.id: store.series_points(s.id) for s in store.series()},
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["put", "put", "put", "remove", "keep", "read"]),
            st.integers(0, 11),  # which key (and day)
            st.sampled_from([64, 128, 256]),  # prompt length: which series
            st.booleans(),  # a second model: a new series in mid-history
        ),
        max_size=30,
    )
)
def test_the_index_kept_by_appending_is_the_one_a_whole_reindex_gives(operations):
    """Runs newer than all others are appended; anything else reindexes whole."""
    store = ResultStore()
    for action, n, prompt, second in operations:
        key = document_key(day(n), run_id=n)
        if action == "put":
            models = ("m/Kimi",) + (("m/Qwen",) if second else ())
            document = make_document(
                completed_at=day(n),
                models=models,
                stages=[make_stage(prompt_length=prompt)],
            )
            put(store, document, key)
        elif action == "remove":
            store.remove(key)
        elif action == "keep":
            everything = store.keys()
            store.remove_missing(k for k in everything if k != key)
        else:
            # Several changes may come between two reads of the index.
            assert _index(store) == _index(_rebuilt(store))
    assert _index(store) == _index(_rebuilt(store))


def _rebuilt(store: ResultStore) -> ResultStore:
    """The same documents in a new store, whose first read indexes them whole."""
    fresh = ResultStore()
    everything = store.keys()
    for key in everything:
        fresh.put(store.identity(key), store.outcome(key))
    return fresh


def test_new_runs_read_together_are_indexed_in_time_order():
    store = ResultStore()
    put(store, make_document(completed_at=day(0)), document_key(day(0), run_id=0))
    store.runs()
    for n in (5, 3):  # newer than everything indexed, but not in order
        put(store, make_document(completed_at=day(n)), document_key(day(n), run_id=n))
    assert [run.completed_at for run in store.runs()] == [day(0), day(3), day(5)]
    (summary,) = store.series()
    assert (summary.runs, summary.latest_at) == (3, day(5))
    # Older than the newest indexed run: the whole index is rebuilt.
    put(store, make_document(completed_at=day(1)), document_key(day(1), run_id=1))
    assert [run.completed_at for run in store.runs()] == [day(n) for n in (0, 1, 3, 5)]

"""core.views: what the dashboard shows, worked out from a store of documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from exo_benchtui.core.documents import parse_document
from exo_benchtui.core.errors import FailureKind, SourceError
from exo_benchtui.core.model import StoredObject
from exo_benchtui.core.store import ResultStore
from exo_benchtui.core.views import (
    LineCache,
    MetricSet,
    RowCache,
    SyncStatus,
    build_view,
    format_ago,
    legend_labels,
    ms_per_token_class,
    per_column,
    status_line,
    success_class,
    time_ticks,
)
from tests.builders import document_key, encode, make_document, make_stage
from tests.functional.app_support import FIXED_NOW, QWEN, history


def store_of(documents) -> ResultStore:
    store = ResultStore()
    for key, document in documents:
        body = document if isinstance(document, bytes) else encode(document)
        store.put(StoredObject(key, "etag", len(body)), parse_document(key, body))
    return store


@pytest.fixture
def store() -> ResultStore:
    return store_of(history(12))


def test_cards_follow_the_first_stage_of_the_newest_run(store):
    view = build_view(store)
    # Run 11 is a Qwen run; its first stage is pp64_g64.
    assert view.cards_series_label.startswith("Qwen3-0.6B-4bit")
    assert "pp64/tg64" in view.cards_series_label
    success, response, ttft, decode = view.cards[:4]
    # Run 11 lost one request of four; run 8, the previous Qwen run, none.
    assert success.value_text == "75.0"
    assert (success.arrow, success.amount, success.words) == ("▼", "-25.0 pp", "worse")
    assert success.verdict == "worse"
    # 2.0 s + 0.02 s × 11 = 2220 ms against 2160 ms: 60/2160 = +2.78 %, slower.
    assert response.value_text == "2,220"
    assert response.change_text() == "▲ +2.78 % worse"
    assert response.change_text(ascii_only=True, short=True) == "^ worse"
    # The builders' TTFT does not move: the same, in words and symbol.
    assert ttft.value_text == "300.0"
    assert ttft.verdict == "same"
    assert ttft.change_text() == "= no change"
    assert decode.unit == "tok/s"
    assert [card.title for card in view.cards[4:]] == [
        "Benchmarks",
        "Configurations",
        "Last benchmark",
    ]
    assert view.cards[4].value_text == "12"
    assert view.cards[5].value_text == "1"
    assert view.cards[6].value_text == "11-20 11:00"


def test_cards_follow_the_selected_series(store):
    kimi_first = next(
        c
        for c in build_view(store).choices
        if c.label.startswith("Kimi") and "pp64/" in c.label
    )
    view = build_view(store, series_id=kimi_first.id)
    # Kimi pp64 ran at 0, 1, 3, 4, 6, 7, 9, 10: latest 10, previous 9.
    success, response = view.cards[:2]
    assert success.value_text == "100.0"
    assert success.change_text() == "= no change"
    # 2200 ms against 2180 ms: +20/2180 = +0.92 %.
    assert response.value_text == "2,200"
    assert response.change_text() == "▲ +0.92 % worse"
    assert len(view.rows) == 8
    assert [pane.lines[0].series_id for pane in view.panes] == [kimi_first.id] * 3


def test_a_series_with_one_run_has_no_comparison():
    store = store_of(history(1))
    card = build_view(store).cards[0]
    assert card.words == "no previous run"
    assert card.verdict == "unknown"


def test_empty_store_gives_words_not_errors():
    view = build_view(ResultStore())
    assert view.cards[0].value_text == "-"
    assert all(pane.empty_reason for pane in view.panes)
    assert view.bars.empty_reason
    assert view.rows == ()
    assert view.last_run_at is None


def test_all_series_draws_the_most_recently_active_and_counts_the_rest(store):
    view = build_view(store, max_series=2)
    assert view.series_count == 4
    assert view.left_out_series == 2
    # Qwen ran last (run 11), so both Qwen series are the most recent.
    assert all(c.label.startswith("Qwen") for c in view.shown_series)
    assert len(view.panes[1].lines) == 2
    assert build_view(store).left_out_series == 0


def test_metric_sets_choose_the_middle_panes(store):
    latency = build_view(store)
    ttft = build_view(store, metric_set=MetricSet.TTFT_DECODE)
    assert [p.title for p in latency.panes] == [
        "Success rate",
        "Average response time",
        "Throughput",
    ]
    assert [p.title for p in ttft.panes] == [
        "Success rate",
        "Time to first token",
        "Decode speed",
    ]
    assert MetricSet.LATENCY.other() is MetricSet.TTFT_DECODE


def test_chart_lines_are_unix_times_with_none_for_gaps():
    at = datetime(2025, 11, 1, tzinfo=UTC)
    documents = []
    for number, seconds in enumerate([2.0, None, 3.0, 4.0]):
        when = at + timedelta(days=number)
        stage = make_stage(avg_time_per_request=seconds)
        documents.append(
            (document_key(when), make_document(completed_at=when, stages=[stage]))
        )
    view = build_view(store_of(documents))
    line = view.panes[1].lines[0]
    assert line.x == tuple((at + timedelta(days=n)).timestamp() for n in range(4))
    assert line.y == (2000.0, None, 3000.0, 4000.0)
    assert line.segments() == [
        ([at.timestamp()], [2000.0]),
        (
            [
                (at + timedelta(days=2)).timestamp(),
                (at + timedelta(days=3)).timestamp(),
            ],
            [3000.0, 4000.0],
        ),
    ]
    assert view.panes[1].empty_reason is None


def test_per_column_draws_one_point_a_column_and_keeps_the_newest():
    # 2,000 runs an hour apart on a chart 100 columns wide: 20 runs a column.
    xs = [float(3600 * i) for i in range(2000)]
    ys = [100.0] * 2000
    ys[45] = 0.0  # one failed run among the 20 of column 2
    ys[-1] = 50.0  # the newest run, alone at the end
    [(out_x, out_y)] = per_column([(xs, ys)], xs[0], xs[-1], 100)
    assert len(out_x) == 101  # 100 columns, and the newest point as it is
    assert (out_x[-1], out_y[-1]) == (xs[-1], 50.0)
    # The mean: the column's success rate, with the failed run in it.
    assert out_y[:3] == [100.0, 100.0, pytest.approx(95.0)]
    assert out_x == sorted(out_x)
    assert out_x[0] == pytest.approx(sum(xs[:20]) / 20)


def test_per_column_keeps_sparse_points_and_gaps_as_they_are():
    segments = [([0.0, 10.0], [1.0, 2.0]), ([50.0, 90.0, 100.0], [3.0, 4.0, 5.0])]
    # Fewer points than columns: nothing to merge.
    assert per_column(segments, 0.0, 100.0, 80) == segments
    # Two points in one column of a segment merge; the gap stays a gap.
    assert per_column(segments, 0.0, 100.0, 2) == [
        ([0.0, 10.0], [1.0, 2.0]),
        ([70.0, 100.0], [3.5, 5.0]),
    ]
    # No width or a single instant: as they are.
    assert per_column(segments, 0.0, 100.0, 0) == segments
    assert per_column(segments, 5.0, 5.0, 10) == segments


def test_line_cache_reuses_a_line_until_its_series_or_label_changes():
    at = datetime(2025, 11, 1, tzinfo=UTC)

    def point(hours: int, value: float):
        run = SimpleNamespace(completed_at=at + timedelta(hours=hours))
        return run, SimpleNamespace(avg_response_ms=value)

    cache = LineCache()
    points = (point(0, 1.0),)
    line = cache.line("s1", points, "avg_response_ms", "Kimi")
    assert (line.x, line.y) == ((at.timestamp(),), (1.0,))
    assert cache.line("s1", points, "avg_response_ms", "Kimi") is line
    assert cache.line("s1", points, "avg_response_ms", "Qwen").label == "Qwen"
    # The store hands back a new tuple when the series changed.
    later = (*points, point(1, 2.0))
    changed = cache.line("s1", later, "avg_response_ms", "Kimi")
    assert changed.y == (1.0, 2.0)
    cache.forget_unused()
    assert cache.line("s1", later, "avg_response_ms", "Kimi") is changed
    cache.forget_unused()
    cache.forget_unused()  # not asked for since the last call: forgotten
    again = cache.line("s1", later, "avg_response_ms", "Kimi")
    assert again is not changed
    assert again == changed


def test_the_success_pane_has_the_whole_percent_scale(store):
    view = build_view(store)
    assert view.panes[0].title == "Success rate"
    assert view.panes[0].axis == (0.0, 100.0)
    assert all(pane.axis is None for pane in view.panes[1:])


def test_table_rows_newest_first_with_the_browser_colours(store):
    rows = build_view(store).rows
    assert len(rows) == 24
    newest = rows[0]
    assert newest.time_text == "2025-11-20 11:00"
    assert newest.commit == "0011c0ff"
    assert newest.success_text == "75.0"
    assert newest.success_class == "poor"
    # Run 11, pp256: 45 + 5 × 11 = 100 ms per token: red.
    assert rows[1].ms_per_token_text == "100.0 ± 0.4"
    assert rows[1].ms_per_token_class == "poor"
    assert rows[0].ttft_text == "300.0 ± 25.0"
    assert newest.strategy == "Tensor (MLX IBV)"


@pytest.mark.parametrize(
    ("pct", "expected"),
    [
        (100, "good"),
        (95, "good"),
        (94.99, "fair"),
        (80, "fair"),
        (79.99, "poor"),
        (None, ""),
    ],
)
def test_success_colour_thresholds(pct, expected):
    assert success_class(pct) == expected


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        (10, "good"),
        (49.99, "good"),
        (50, "fair"),
        (99.99, "fair"),
        (100, "poor"),
        (None, ""),
    ],
)
def test_ms_per_token_colour_thresholds(ms, expected):
    assert ms_per_token_class(ms) == expected


def test_bars_count_requests_per_run(store):
    bars = build_view(store).bars
    assert len(bars.x) == 12
    # Run 3: 3 of 4 in the first stage, 4 of 4 in the second.
    assert (bars.successful[3], bars.failed[3]) == (7, 1)
    assert (bars.successful[0], bars.failed[0]) == (8, 0)
    limited = build_view(store, max_bars=5).bars
    assert limited.left_out == 7
    assert limited.successful == bars.successful[7:]


def test_untrusted_text_is_made_printable():
    # The short model name is what follows the last "/", so no "[/]" here.
    evil = "org/evil[bold red]x\x1b[31m\x1b]0;title\x07"
    document = make_document(models=(evil,), commit="\x1b[2Jdeadbeef" + "0" * 31)
    view = build_view(store_of([(document_key(), document)]))
    label = view.choices[0].label
    assert "\x1b" not in label and "\x07" not in label
    assert label.startswith("evil[bold red]x\\x1b[31m\\x1b]0;title\\x07 · ")
    row = view.rows[0]
    assert "\x1b" not in row.commit
    assert "\x1b" not in row.series_label


def test_time_ticks_carry_readable_dates():
    start = datetime(2025, 11, 1, tzinfo=UTC).timestamp()
    positions, labels = time_ticks(start, start + 10 * 86400, 3)
    assert labels == ["11-01", "11-06", "11-11"]
    assert positions[0] == start
    _, short_labels = time_ticks(start, start + 3600, 2)
    assert short_labels == ["11-01 00:00", "11-01 01:00"]
    _, seconds = time_ticks(start, start + 60, 3)
    assert seconds == ["00:00:00", "00:00:30", "00:01:00"]
    one, one_label = time_ticks(start, start, 4)
    assert one == [start] and one_label == ["11-01 00:00"]


def test_format_ago():
    assert format_ago(FIXED_NOW - timedelta(seconds=10), FIXED_NOW) == "just now"
    assert format_ago(FIXED_NOW - timedelta(minutes=2), FIXED_NOW) == "2 min ago"
    assert format_ago(FIXED_NOW - timedelta(hours=3), FIXED_NOW) == "3 h ago"
    assert format_ago(FIXED_NOW - timedelta(days=4), FIXED_NOW) == "4 days ago"


def test_status_line_words(store):
    view = build_view(store)
    ok = SyncStatus(
        source="s3://b/bench/",
        last_success_at=FIXED_NOW - timedelta(minutes=2),
        next_sync_at=FIXED_NOW + timedelta(seconds=45),
    )
    line = status_line(ok, view, FIXED_NOW)
    assert line.text == (
        "s3://b/bench/ · synced 2 min ago · next in 45 s · 12 runs · 4 series"
    )
    assert line.severity == "ok"
    error = SourceError(
        "Cannot reach S3",
        "detail",
        hint="check the network",
        kind=FailureKind.TRANSIENT,
    )
    stale = SyncStatus(
        source="s3://b/bench/",
        last_success_at=FIXED_NOW - timedelta(minutes=5),
        stale_since=FIXED_NOW - timedelta(minutes=4),
        last_error=error,
    )
    line = status_line(stale, view, FIXED_NOW)
    assert "Cannot reach S3, stale since 2025-11-20 11:56: check the network" in (
        line.text
    )
    assert line.severity == "error"
    empty = SyncStatus(source="s3://b/none/", last_success_at=FIXED_NOW)
    line = status_line(empty, build_view(ResultStore()), FIXED_NOW)
    assert "no results under this prefix" in line.text
    assert line.severity == "warning"


def test_unreadable_documents_are_counted(store):
    store.put(
        StoredObject("bench/broken.json", "e", 3),
        parse_document("bench/broken.json", b"{no"),
    )
    view = build_view(store)
    assert view.unreadable == 1
    assert view.total_runs == 12
    assert (
        "1 unreadable (press p)"
        in status_line(SyncStatus(last_success_at=FIXED_NOW), view, FIXED_NOW).text
    )


def test_models_group_into_their_own_series():
    view = build_view(store_of(history(3)))
    qwen = [c for c in view.choices if c.label.startswith("Qwen")]
    assert len(qwen) == 2
    assert QWEN.rsplit("/", 1)[1] in qwen[0].label


def test_legends_leave_out_what_every_series_shares(store):
    assert legend_labels(["A · pp64 · T · h", "B · pp64 · T · h"]) == ["A", "B"]
    assert legend_labels(["A · x", "A · x"]) == ["A · x", "A · x"]
    assert legend_labels(["only · one"]) == ["only · one"]
    lines = build_view(store).panes[0].lines
    # All four series share the strategy and the hardware.
    assert [line.label for line in lines] == [
        label.replace(" · Tensor (MLX IBV) · puffin4", "")
        for label in (c.label for c in build_view(store).shown_series)
    ]


def test_row_cache_gives_the_same_view_and_rebuilds_only_changed_runs(store):
    cache = RowCache()
    first = build_view(store, row_cache=cache)
    assert first == build_view(store)  # the cache changes nothing on screen
    again = build_view(store, row_cache=cache)
    # Unchanged runs: the very same row objects, not rebuilt.
    assert all(a is b for a, b in zip(first.rows, again.rows, strict=True))

    # A document replaced with other figures: its rows are built again.
    newest = store.runs()[-1]
    stage = make_stage(errors=("timed out", "timed out", "timed out"))
    document = make_document(completed_at=newest.completed_at, stages=[stage])
    body = encode(document)
    store.put(
        StoredObject(newest.key, "etag-2", len(body)),
        parse_document(newest.key, body),
    )
    after = build_view(store, row_cache=cache)
    assert after == build_view(store)
    changed = [row for row in after.rows if row.run_key == newest.key]
    assert [row.success_pct for row in changed] == [25.0]


def test_row_cache_forgets_removed_runs(store):
    cache = RowCache()
    build_view(store, row_cache=cache)
    gone = store.runs()[0].key
    store.remove(gone)
    view = build_view(store, row_cache=cache)
    assert gone not in {row.run_key for row in view.rows}
    assert gone not in cache._rows


def test_table_keeps_the_newest_rows_and_counts_the_rest(store):
    everything = build_view(store)
    assert everything.rows_left_out == 0
    capped = build_view(store, max_rows=5)
    assert capped.rows == everything.rows[:5]
    assert capped.rows_left_out == len(everything.rows) - 5
    series_id = store.series()[0].id
    series_rows = build_view(store, series_id=series_id).rows
    assert len(series_rows) > 3
    one = build_view(store, series_id=series_id, max_rows=3)
    assert one.rows == series_rows[:3]
    assert one.rows_left_out == len(series_rows) - 3


def test_bars_count_what_they_leave_out_for_one_series(store):
    series_id = store.series()[0].id
    total = len(build_view(store, series_id=series_id).bars.x)
    limited = build_view(store, series_id=series_id, max_bars=2).bars
    assert len(limited.x) == 2
    assert limited.left_out == total - 2

"""The sync engine over a local directory, and what does not depend on S3."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exo_benchtui.core.errors import FailureKind, SourceError, UsageError
from exo_benchtui.core.sources import (
    DirectorySource,
    S3Source,
    SourceOptions,
    open_source,
)
from exo_benchtui.core.store import ResultStore
from exo_benchtui.core.sync import DETAIL_CACHE_SIZE, SyncEngine
from tests.builders import encode, make_document, make_stage
from tests.s3server import result_objects


def write_results(root: Path, objects) -> list[str]:
    keys = []
    for item in objects:
        path = root / item.key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(item.body)
        keys.append(item.key)
    return keys


def test_directory_sync_reads_nested_json_and_follows_changes(tmp_path):
    keys = write_results(tmp_path, result_objects(6))
    (tmp_path / "bench" / "notes.txt").write_text("not a result")
    (tmp_path / "bench" / "broken.json").write_bytes(b"{not json")
    engine = SyncEngine(DirectorySource(tmp_path), ResultStore(), workers=3)

    first = engine.sync()

    assert sorted(first.added) == sorted([*keys, "bench/broken.json"])
    assert first.listed == 7 and first.get_requests == 7 and first.list_requests == 1
    assert engine.store.total_runs == 6
    assert "bench/broken.json" in first.problems
    assert engine.sync().get_requests == 0

    changed = tmp_path / keys[2]
    changed.write_bytes(encode(make_document(stages=[make_stage(iterations=9)])))
    # A rewrite within the same clock tick still changes the identity here.
    os.utime(changed, ns=(10**18, 10**18))
    (tmp_path / keys[4]).unlink()

    second = engine.sync()

    assert second.updated == (keys[2],)
    assert second.removed == (keys[4],)
    assert second.get_requests == 1
    assert engine.store.get(keys[2]).stages[0].total_requests == 9
    assert engine.store.identity(keys[4]) is None


def test_directory_keys_are_posix_paths_relative_to_the_directory(tmp_path):
    write_results(tmp_path, result_objects(1, prefix="a/b/"))
    listed = DirectorySource(tmp_path).list_objects()

    assert [item.key for item in listed] == [result_objects(1, prefix="a/b/")[0].key]
    status = (tmp_path / listed[0].key).stat()
    assert listed[0].etag == f"{status.st_mtime_ns}-{status.st_size}"
    assert listed[0].size_bytes == status.st_size


def test_a_missing_directory_is_a_configuration_failure(tmp_path):
    engine = SyncEngine(DirectorySource(tmp_path / "gone"), ResultStore())

    with pytest.raises(SourceError) as caught:
        engine.sync()

    assert caught.value.kind is FailureKind.CONFIGURATION
    assert str(tmp_path / "gone") in str(caught.value)
    assert engine.stale_since is not None and engine.last_success_at is None


def test_progress_is_reported_and_cancelling_stops_the_reads(tmp_path):
    write_results(tmp_path, result_objects(40))
    engine = SyncEngine(DirectorySource(tmp_path), ResultStore(), workers=1)
    seen = []

    report = engine.sync(
        progress=lambda done, total: seen.append((done, total)),
        cancelled=lambda: len(engine.store) >= 5,
    )

    assert report.cancelled
    assert 5 <= len(engine.store) < 40
    assert engine.last_success_at is None
    assert seen[0] == (0, 40)
    # The next sync picks up where the cancelled one stopped.
    rest = engine.sync()
    assert len(rest.added) == 40 - len(report.added)
    assert len(engine.store) == 40
    assert engine.last_success_at == rest.finished_at


def test_fetch_detail_reads_again_and_keeps_a_few(tmp_path):
    keys = write_results(tmp_path, result_objects(DETAIL_CACHE_SIZE + 2))
    source = DirectorySource(tmp_path)
    engine = SyncEngine(source, ResultStore())
    engine.sync()
    gets = source.counters().get_requests

    detail = engine.fetch_detail(keys[0])
    again = engine.fetch_detail(keys[0])

    assert detail is again
    assert detail.key == keys[0] and len(detail.requests[0]) == 2
    assert source.counters().get_requests == gets + 1
    for key in keys[1 : DETAIL_CACHE_SIZE + 1]:
        engine.fetch_detail(key)
    engine.fetch_detail(keys[0])  # evicted by then: read again
    assert source.counters().get_requests == gets + DETAIL_CACHE_SIZE + 2

    (tmp_path / keys[-1]).unlink()
    with pytest.raises(SourceError) as caught:
        engine.fetch_detail(keys[-1])
    assert keys[-1] in str(caught.value)


def test_open_source_picks_the_source_or_says_what_is_wrong(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    assert isinstance(open_source(str(tmp_path)), DirectorySource)

    s3 = open_source(
        "s3://exo-benchmark-results/bench",
        SourceOptions(region="us-east-1", endpoint_url="http://127.0.0.1:9"),
    )
    assert isinstance(s3, S3Source)
    assert (s3.bucket, s3.prefix) == ("exo-benchmark-results", "bench/")
    config = s3.client.meta.config
    assert config.s3 == {"addressing_style": "path"}
    assert config.request_checksum_calculation == "when_required"
    assert config.response_checksum_validation == "when_required"
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert (config.connect_timeout, config.read_timeout) == (5.0, 15.0)
    assert "exo-bench-tui/" in config.user_agent_extra

    for bad in ("s3://", "https://example.com/x", str(tmp_path / "missing")):
        with pytest.raises(UsageError) as caught:
            open_source(bad)
        assert bad in str(caught.value)


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (SourceOptions(endpoint_url="not a url"), "'not a url'"),
        (SourceOptions(profile="no-such-profile"), "no-such-profile"),
    ],
)
def test_s3_settings_that_cannot_work_are_named(tmp_path, monkeypatch, options, words):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)

    with pytest.raises(SourceError) as caught:
        open_source("s3://exo-benchmark-results/bench/", options)

    assert caught.value.kind is FailureKind.CONFIGURATION
    assert words in str(caught.value)

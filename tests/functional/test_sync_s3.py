"""The sync engine against a real HTTP S3 endpoint (moto on loopback)."""

# The fixtures come from tests/s3server.py and are named again as arguments.
# ruff: noqa: F811

from __future__ import annotations

import logging

import pytest

from exo_benchtui.core.sources import S3Source, SourceOptions, open_source
from exo_benchtui.core.store import ResultStore
from exo_benchtui.core.sync import SyncEngine
from tests.s3server import (  # noqa: F401  (fixtures)
    ResultObject,
    aws_env,
    fault_proxy,
    moto_endpoint,
    new_bucket,
    result_objects,
    s3_admin,
    seed,
    upload,
)


def make_engine(endpoint_url, bucket, prefix="bench/", *, workers=16, **engine_args):
    options = SourceOptions(endpoint_url=endpoint_url, workers=workers)
    source = open_source(f"s3://{bucket}/{prefix}", options)
    store = ResultStore()
    return SyncEngine(source, store, workers=workers, **engine_args), store


def count_http(source, operation):
    """HTTP attempts the client sends for ``operation`` (retries included)."""
    sent = []
    source.client.meta.events.register(
        f"before-send.s3.{operation}", lambda **_: sent.append(1)
    )
    return sent


def test_2500_results_load_in_3_pages_and_a_warm_sync_reads_nothing(
    s3_admin, new_bucket, moto_endpoint
):
    bucket = new_bucket()
    results = result_objects(2500)
    seed(bucket, results)
    # Beside the prefix, and under it but not results: all ignored.
    beside = result_objects(3, start=5000, prefix="bench-archive/")
    beside += result_objects(2, start=6000, prefix="other/bench/")
    upload(s3_admin, bucket, beside)
    for key in ("bench/README.txt", "bench/2025/06/01/x.json.tmp", "bench/2025/"):
        s3_admin.put_object(Bucket=bucket, Key=key, Body=b"not a result")
    # Few workers: moto answers in this process, and more threads only fight
    # over its interpreter lock (the product default is measured elsewhere).
    engine, store = make_engine(moto_endpoint, bucket, workers=4)
    lists_sent = count_http(engine.source, "ListObjectsV2")
    gets_sent = count_http(engine.source, "GetObject")
    seen = []

    cold = engine.sync(progress=lambda done, total: seen.append((done, total)))

    assert cold.list_requests == 3 == len(lists_sent)
    assert cold.get_requests == 2500 == len(gets_sent)
    assert cold.listed == 2500
    assert len(cold.added) == 2500 and not cold.updated and not cold.removed
    assert cold.problems == {}
    assert store.keys() == {r.key for r in results}
    assert store.total_runs == 2500
    assert cold.bytes_read == sum(len(r.body) for r in results)
    assert seen[0] == (0, 2500) and seen[-1] == (2500, 2500)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    run = store.get(results[7].key)
    assert run is not None and run.branch == "main"
    assert run.run_id == results[7].metadata["run_id"]
    assert run.git_commit == results[7].metadata["commit"]

    warm = engine.sync()

    assert (warm.list_requests, warm.get_requests) == (3, 0)
    assert (len(lists_sent), len(gets_sent)) == (6, 2500)
    assert warm.unchanged == 2500 and not warm.added and not warm.updated
    assert warm.bytes_read == 0


def test_only_new_and_changed_objects_are_read_and_deleted_ones_dropped(
    s3_admin, new_bucket, fault_proxy
):
    bucket = new_bucket()
    results = result_objects(40)
    upload(s3_admin, bucket, results)
    engine, store = make_engine(fault_proxy.endpoint_url, bucket)
    engine.sync()
    assert engine.sync().get_requests == 0

    version = store.version
    fresh = result_objects(10, start=40)
    changed = result_objects(1, start=12, version=1)[0]
    assert changed.key == results[12].key and changed.body != results[12].body
    upload(s3_admin, bucket, [*fresh, changed])
    proxied_gets = fault_proxy.count("GET") - fault_proxy.count("GET", "list-type=2")

    report = engine.sync()

    proxied_now = fault_proxy.count("GET") - fault_proxy.count("GET", "list-type=2")
    assert report.get_requests == 11 == proxied_now - proxied_gets
    assert sorted(report.added) == sorted(r.key for r in fresh)
    assert report.updated == (changed.key,)
    assert report.unchanged == 39
    assert store.version > version
    assert store.get(changed.key).stages[0].total_requests == 3
    assert len(store) == 50

    s3_admin.delete_object(Bucket=bucket, Key=results[0].key)

    after_delete = engine.sync()

    assert after_delete.removed == (results[0].key,)
    assert store.identity(results[0].key) is None
    assert store.get(results[0].key) is None
    assert after_delete.get_requests == 0
    assert len(store) == 49
    assert engine.last_success_at == after_delete.finished_at
    assert engine.stale_since is None


def test_object_deleted_between_list_and_get_is_skipped(
    s3_admin, new_bucket, moto_endpoint
):
    bucket = new_bucket()
    results = result_objects(20)
    upload(s3_admin, bucket, results)
    engine, store = make_engine(moto_endpoint, bucket, workers=4)
    doomed = results[5].key

    deleted = []

    def delete_first(params, **_):
        # Runs in a sync worker just before the real GET goes out.
        if params.get("Key") == doomed and not deleted:
            s3_admin.delete_object(Bucket=bucket, Key=doomed)
            deleted.append(doomed)

    engine.source.client.meta.events.register(
        "before-parameter-build.s3.GetObject", delete_first
    )

    report = engine.sync()

    assert doomed in report.problems
    assert "deleted" in report.problems[doomed]
    assert store.identity(doomed) is None
    assert store.keys() == {r.key for r in results} - {doomed}
    assert report.get_requests == 20

    # Recreated: not recorded as read, so the next sync fetches it.
    upload(s3_admin, bucket, [results[5]])
    again = engine.sync()
    assert again.added == (doomed,) and again.get_requests == 1


def test_object_over_the_size_cap_is_reported_and_never_downloaded(
    s3_admin, new_bucket, fault_proxy
):
    bucket = new_bucket()
    small = result_objects(5)
    cap = max(len(r.body) for r in small) + 10
    big = result_objects(1, start=99)[0]
    big = ResultObject(big.key, big.body + b" " * (cap + 1), big.metadata)
    assert len(big.body) > cap
    upload(s3_admin, bucket, [*small, big])
    engine, store = make_engine(
        fault_proxy.endpoint_url, bucket, max_document_bytes=cap
    )

    report = engine.sync()

    assert report.get_requests == 5
    assert fault_proxy.count("GET", big.key) == 0
    assert big.key in report.problems
    assert f"{len(big.body):,} bytes" in report.problems[big.key]
    assert store.get(big.key) is None
    assert store.total_runs == 5
    assert any(p.key == big.key for p in store.problems())
    # Not downloaded next time either, and not reported as new again.
    assert engine.sync().get_requests == 0
    assert fault_proxy.count("GET", big.key) == 0


@pytest.mark.parametrize("pool", [None, 4])
def test_32_workers_with_a_matching_pool_never_discard_connections(
    s3_admin, new_bucket, moto_endpoint, caplog, pool
):
    bucket = new_bucket()
    seed(bucket, result_objects(150))
    options = SourceOptions(
        endpoint_url=moto_endpoint, workers=32, max_pool_connections=pool
    )
    source = S3Source(bucket, "bench/", options)
    engine = SyncEngine(source, ResultStore(), workers=32)
    caplog.set_level(logging.WARNING, logger="urllib3.connectionpool")

    report = engine.sync()

    assert report.get_requests == 150 and len(report.added) == 150
    full = [r for r in caplog.records if "Connection pool is full" in r.getMessage()]
    if pool is None:
        assert source.client.meta.config.max_pool_connections == 32
        assert full == []
    else:
        # The control: a pool smaller than the workers does warn, so the
        # check above would notice a pool sized wrongly.
        assert full != []


def test_fetch_detail_reads_the_object_again_once(s3_admin, new_bucket, fault_proxy):
    bucket = new_bucket()
    results = result_objects(3)
    upload(s3_admin, bucket, results)
    engine, _ = make_engine(fault_proxy.endpoint_url, bucket)
    engine.sync()
    key = results[1].key

    detail = engine.fetch_detail(key)
    again = engine.fetch_detail(key)

    assert detail is again and detail.key == key
    assert [len(stage) for stage in detail.requests] == [2]
    assert fault_proxy.count("GET", key) == 2  # the sync's read, and this one

    changed = result_objects(1, start=1, version=1)[0]
    upload(s3_admin, bucket, [changed])
    engine.sync()
    # A new version of the object is a new detail, not the cached one.
    assert [len(stage) for stage in engine.fetch_detail(key).requests] == [3]

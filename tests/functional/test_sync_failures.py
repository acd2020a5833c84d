"""How the sync fails: kinds, messages, retries, deadlines, recovery.

Every failure here comes over real HTTP or TCP: moto itself, a proxy in front
of it that answers some requests with an S3 error, a proxy that can be
switched off, or a server that accepts connections and never answers.
"""

# The fixtures come from tests/s3server.py and are named again as arguments.
# ruff: noqa: F811

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from exo_benchtui.core.errors import FailureKind, SourceError
from exo_benchtui.core.sources import S3Source, SourceOptions
from exo_benchtui.core.store import ResultStore
from exo_benchtui.core.sync import MAX_BACKOFF_S, SyncEngine
from tests.s3server import (  # noqa: F401  (fixtures)
    DUMMY_KEY_ID,
    DUMMY_SECRET,
    Fault,
    SilentServer,
    SwitchableTcpProxy,
    aws_env,
    fault_proxy,
    moto_endpoint,
    moto_port,
    new_bucket,
    result_objects,
    s3_admin,
    upload,
)


def engine_for(endpoint_url, bucket, *, max_attempts=3, deadline_s=45.0, **options):
    source = S3Source(
        bucket,
        "bench/",
        SourceOptions(endpoint_url=endpoint_url, max_attempts=max_attempts, **options),
    )
    return SyncEngine(source, ResultStore(), deadline_s=deadline_s)


def failure_of(engine) -> SourceError:
    with pytest.raises(SourceError) as caught:
        engine.sync()
    return caught.value


def test_slowdown_is_retried_and_the_sync_succeeds(s3_admin, new_bucket, fault_proxy):
    bucket = new_bucket()
    results = result_objects(6)
    upload(s3_admin, bucket, results)
    fault_proxy.inject(
        Fault(
            503,
            "SlowDown",
            "Reduce your request rate.",
            query_has="list-type=2",
            times=1,
        )
    )
    fault_proxy.inject(Fault(503, "SlowDown", path_has="/bench/", times=2))
    engine = engine_for(fault_proxy.endpoint_url, bucket)

    report = engine.sync()

    assert [code for _, _, code in fault_proxy.injected] == ["SlowDown"] * 3
    assert report.list_requests == 1 and report.get_requests == 6
    # Each refused request went out once more.
    assert fault_proxy.count("GET") == 1 + 6 + 3
    assert len(report.added) == 6 and report.problems == {}
    assert engine.store.total_runs == 6


def test_access_denied_says_so_and_rebuilds_the_client_only_once(
    s3_admin, new_bucket, fault_proxy
):
    bucket = new_bucket()
    upload(s3_admin, bucket, result_objects(3))
    fault_proxy.inject(Fault(403, "AccessDenied", "Access Denied"))
    engine = engine_for(fault_proxy.endpoint_url, bucket)
    first_client = engine.source.client

    error = failure_of(engine)

    assert error.kind is FailureKind.AUTHORISATION
    assert error.title == "Access denied"
    assert f"s3://{bucket}/bench/" in str(error)
    assert fault_proxy.endpoint_url in str(error)
    assert "--no-sign-request" in str(error)
    # One try, one more with a fresh client: no retry storm.
    assert fault_proxy.count() == 2
    assert engine.source.client is not first_client
    rebuilt = engine.source.client

    again = failure_of(engine)

    assert again.kind is FailureKind.AUTHORISATION
    assert fault_proxy.count() == 3
    assert engine.source.client is rebuilt
    assert engine.consecutive_failures == 2


def test_no_such_bucket_is_a_configuration_failure_without_retries(fault_proxy):
    engine = engine_for(fault_proxy.endpoint_url, "bench-no-such-bucket-here")

    error = failure_of(engine)

    assert error.kind is FailureKind.CONFIGURATION
    assert error.title == "Bucket not found"
    assert "'bench-no-such-bucket-here'" in str(error)
    assert fault_proxy.endpoint_url in str(error)
    assert fault_proxy.count() == 1


@pytest.mark.parametrize(
    ("status", "code", "headers", "kind", "words"),
    [
        (403, "RequestTimeTooSkewed", (), FailureKind.CLOCK, "Raspberry Pi"),
        (400, "ExpiredToken", (), FailureKind.AUTHORISATION, "aws sso login"),
        (403, "InvalidAccessKeyId", (), FailureKind.AUTHORISATION, "access key"),
        (403, "SignatureDoesNotMatch", (), FailureKind.AUTHORISATION, "secret key"),
        (
            301,
            "PermanentRedirect",
            (("x-amz-bucket-region", "eu-west-1"),),
            FailureKind.CONFIGURATION,
            "--region eu-west-1",
        ),
        (500, "InternalError", (), FailureKind.TRANSIENT, "try again"),
    ],
)
def test_each_s3_error_code_gets_its_kind_and_advice(
    s3_admin, new_bucket, fault_proxy, status, code, headers, kind, words
):
    bucket = new_bucket()
    fault_proxy.inject(Fault(status, code, headers=headers))
    engine = engine_for(fault_proxy.endpoint_url, bucket, max_attempts=2)

    error = failure_of(engine)

    assert error.kind is kind, str(error)
    assert words in str(error)
    assert bucket in str(error)
    # Bounded: two attempts, and one client rebuild for authorisation.
    assert fault_proxy.count() <= 4
    assert DUMMY_SECRET not in str(error) and DUMMY_KEY_ID not in str(error)


def test_no_credentials_found(aws_env, monkeypatch, moto_endpoint, new_bucket):
    bucket = new_bucket()
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    engine = engine_for(moto_endpoint, bucket)

    error = failure_of(engine)

    assert error.kind is FailureKind.AUTHORISATION
    assert error.title == "No AWS credentials found"
    assert "--no-sign-request" in str(error)


def test_expired_sso_session_says_to_log_in(
    aws_env, monkeypatch, tmp_path, moto_endpoint
):
    config = tmp_path / "sso-config"
    config.write_text(
        "[profile lab]\n"
        "sso_start_url = https://example.awsapps.com/start\n"
        "sso_region = us-east-1\n"
        "sso_account_id = 123456789012\n"
        "sso_role_name = ReadResults\n"
        "region = us-east-1\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    # No cached SSO token anywhere: what an expired login looks like.
    monkeypatch.setenv("HOME", str(tmp_path))
    engine = engine_for(moto_endpoint, "bench-sso", profile="lab")

    error = failure_of(engine)

    assert error.kind is FailureKind.AUTHORISATION
    assert "aws sso login --profile lab" in str(error)


def test_unsigned_requests_read_a_public_bucket(
    aws_env, monkeypatch, s3_admin, new_bucket, moto_endpoint
):
    bucket = new_bucket()
    results = result_objects(3)
    upload(s3_admin, bucket, results)
    s3_admin.put_bucket_acl(Bucket=bucket, ACL="public-read")
    for item in results[:2]:
        s3_admin.put_object_acl(Bucket=bucket, Key=item.key, ACL="public-read")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    engine = engine_for(moto_endpoint, bucket, no_sign_request=True)

    report = engine.sync()

    assert sorted(report.added) == sorted(r.key for r in results[:2])
    # The one private object is denied to anonymous readers: skipped, kept
    # out of the store, and tried again next sync.
    assert list(report.problems) == [results[2].key]
    assert "denied" in report.problems[results[2].key]
    assert engine.sync().get_requests == 1


def test_server_gone_mid_session_keeps_the_store_and_recovers(
    s3_admin, new_bucket, moto_endpoint
):
    bucket = new_bucket()
    results = result_objects(12)
    upload(s3_admin, bucket, results)
    proxy = SwitchableTcpProxy(moto_port(moto_endpoint)).start()
    times = iter(
        datetime(2026, 1, 1, 12, 0, tzinfo=UTC) + timedelta(minutes=i)
        for i in range(10)
    )
    source = S3Source(
        bucket,
        "bench/",
        SourceOptions(
            endpoint_url=proxy.endpoint_url,
            connect_timeout_s=1,
            read_timeout_s=2,
            max_attempts=2,
        ),
    )
    engine = SyncEngine(source, ResultStore(), clock=lambda: next(times))
    try:
        first = engine.sync()
        assert len(first.added) == 12
        version = engine.store.version

        proxy.stop()
        started = time.monotonic()
        error = failure_of(engine)
        elapsed = time.monotonic() - started

        assert error.kind is FailureKind.TRANSIENT
        assert proxy.endpoint_url in str(error)
        # Two attempts with a back-off of at most a few seconds between them.
        assert elapsed < 10
        assert len(engine.store) == 12 and engine.store.version == version
        assert engine.stale_since == datetime(2026, 1, 1, 12, 1, tzinfo=UTC)
        assert engine.last_success_at == first.finished_at
        assert engine.last_error is error

        failure_of(engine)
        assert engine.stale_since == datetime(2026, 1, 1, 12, 1, tzinfo=UTC)
        assert engine.next_delay_s(60) == 120

        upload(s3_admin, bucket, result_objects(1, start=12))
        proxy.start()
        recovered = engine.sync()
    finally:
        proxy.stop()

    assert len(recovered.added) == 1 and recovered.get_requests == 1
    assert len(engine.store) == 13
    assert engine.stale_since is None and engine.last_error is None
    assert engine.last_success_at == recovered.finished_at
    assert engine.next_delay_s(60) == 60


def test_a_server_that_never_answers_is_given_up_on_at_the_deadline(aws_env):
    server = SilentServer()
    # Without the deadline this would take 3 attempts × 5 s read time-out.
    engine = engine_for(
        server.endpoint_url,
        "bench-silent",
        max_attempts=3,
        deadline_s=1.5,
        read_timeout_s=5,
        connect_timeout_s=5,
    )
    try:
        started = time.monotonic()
        error = failure_of(engine)
        elapsed = time.monotonic() - started
    finally:
        server.close()

    assert server.accepted >= 1
    assert error.kind is FailureKind.TRANSIENT
    assert "gave up after 1.5 s" in str(error)
    assert 1.5 <= elapsed < 1.5 + 1.0


def test_reads_that_run_past_the_deadline_are_left_for_the_next_sync(
    s3_admin, new_bucket, moto_endpoint
):
    bucket = new_bucket()
    upload(s3_admin, bucket, result_objects(8))
    server = SilentServer()
    engine = engine_for(moto_endpoint, bucket, deadline_s=2.0, read_timeout_s=5)
    calls = []
    lock = threading.Lock()

    def hang(params, **_):
        # The third GET goes to a server that never answers.
        with lock:
            calls.append(params["url"])
            if len(calls) == 3:
                params["url"] = params["url"].replace(
                    moto_endpoint, server.endpoint_url
                )

    engine.source.client.meta.events.register("before-call.s3.GetObject", hang)
    try:
        started = time.monotonic()
        partial = engine.sync()
        elapsed = time.monotonic() - started
    finally:
        server.close()

    assert elapsed < 2.0 + 1.0
    # What was read before the deadline is kept; the rest comes soon after.
    assert partial.remaining == 1 and len(partial.added) == 7
    assert len(engine.store) == 7
    assert engine.next_delay_s(60) < 60
    rest = engine.sync()
    assert rest.remaining == 0 and len(rest.added) == 1 and rest.get_requests == 1
    assert len(engine.store) == 8
    assert engine.next_delay_s(60) == 60


def test_back_off_doubles_while_failing_and_is_capped():
    from exo_benchtui.core.sources import DirectorySource

    engine = SyncEngine(DirectorySource("/nonexistent/results"), ResultStore())
    delays = []
    for _ in range(8):
        with pytest.raises(SourceError):
            engine.sync()
        delays.append(engine.next_delay_s(60))

    assert delays == [60, 120, 240, 480, MAX_BACKOFF_S, 600, 600, 600]
    assert engine.next_delay_s(900) == 900


@pytest.mark.parametrize("code", ["InvalidAccessKeyId", "SignatureDoesNotMatch"])
def test_no_credential_reaches_the_message_or_the_log(
    aws_env, monkeypatch, new_bucket, fault_proxy, caplog, code
):
    key_id, secret = "AKIAEXOBENCHTEST0001", "exo-bench-secret-value-42"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    bucket = new_bucket()
    fault_proxy.inject(Fault(403, code, f"rejected {key_id}"))
    caplog.set_level(logging.DEBUG, logger="exo_benchtui")

    error = failure_of(engine_for(fault_proxy.endpoint_url, bucket))

    assert error.kind is FailureKind.AUTHORISATION
    ours = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith("exo_benchtui")
    )
    assert "failed (authorisation)" in ours
    for text in (str(error), repr(error.args), ours):
        assert secret not in text and key_id not in text


def test_one_object_the_server_keeps_failing_on_does_not_fail_the_sync(
    s3_admin, new_bucket, fault_proxy
):
    bucket = new_bucket()
    results = result_objects(6)
    upload(s3_admin, bucket, results)
    bad = results[3].key
    fault_proxy.inject(Fault(500, "InternalError", path_has=bad))
    engine = engine_for(fault_proxy.endpoint_url, bucket, max_attempts=2)

    report = engine.sync()

    assert len(report.added) == 5 and list(report.problems) == [bad]
    assert "tried again next sync" in report.problems[bad]
    assert fault_proxy.count("GET", bad) == 2  # botocore's own retry, once
    assert engine.store.identity(bad) is None
    assert engine.last_error is None
    assert engine.sync().get_requests == 1


def test_reads_failing_everywhere_fail_the_sync_and_keep_the_store(
    s3_admin, new_bucket, fault_proxy
):
    bucket = new_bucket()
    results = result_objects(30)
    upload(s3_admin, bucket, results[:5])
    engine = engine_for(fault_proxy.endpoint_url, bucket, max_attempts=1)
    engine.sync()
    upload(s3_admin, bucket, results[5:])
    fault_proxy.inject(Fault(503, "ServiceUnavailable", path_has="/bench/"))

    error = failure_of(engine)

    assert error.kind is FailureKind.TRANSIENT
    assert "ServiceUnavailable" in str(error)
    assert engine.store.keys() == {r.key for r in results[:5]}


def test_listing_allowed_but_reading_denied_is_an_authorisation_failure(
    s3_admin, new_bucket, fault_proxy
):
    bucket = new_bucket()
    upload(s3_admin, bucket, result_objects(15))
    fault_proxy.inject(Fault(403, "AccessDenied", path_has="/bench/"))
    engine = SyncEngine(
        S3Source(
            bucket, "bench/", SourceOptions(endpoint_url=fault_proxy.endpoint_url)
        ),
        ResultStore(),
        workers=2,
    )

    error = failure_of(engine)

    assert error.kind is FailureKind.AUTHORISATION
    assert "but not read" in str(error) and "s3:GetObject" in str(error)
    assert fault_proxy.count("GET", "/bench/") <= 15
    assert len(engine.store) == 0


def listing_page(token: str | None, number: int) -> bytes:
    """One truncated ListObjectsV2 page, pointing to ``token`` next."""
    next_token = f"<NextContinuationToken>{token}</NextContinuationToken>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        "<Name>bench-loop</Name><Prefix>bench/</Prefix><KeyCount>1</KeyCount>"
        "<MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated>"
        f"{next_token if token else ''}"
        f"<Contents><Key>bench/{number}.json</Key>"
        "<LastModified>2025-06-01T00:00:00.000Z</LastModified>"
        '<ETag>"0123"</ETag><Size>10</Size><StorageClass>STANDARD</StorageClass>'
        "</Contents></ListBucketResult>"
    ).encode()


def test_a_listing_that_cycles_through_tokens_is_stopped(fault_proxy):
    def cycle(path: str) -> bytes:
        # t1 -> t2 -> t1 -> ...: never the same token twice in a row.
        return listing_page("t2" if "continuation-token=t1" in path else "t1", 1)

    fault_proxy.inject(Fault(200, "", query_has="list-type=2", body=cycle))
    engine = engine_for(fault_proxy.endpoint_url, "bench-loop")

    error = failure_of(engine)

    assert error.kind is FailureKind.TRANSIENT
    assert "repeated a continuation token" in str(error)
    assert fault_proxy.count("GET", "list-type=2") == 3
    assert len(engine.store) == 0


def test_a_listing_that_never_ends_is_stopped_at_the_page_cap(fault_proxy):
    pages = []

    def endless(path: str) -> bytes:
        pages.append(path)
        return listing_page(f"t{len(pages)}", len(pages))

    fault_proxy.inject(Fault(200, "", query_has="list-type=2", body=endless))
    source = S3Source(
        "bench-loop",
        "bench/",
        SourceOptions(endpoint_url=fault_proxy.endpoint_url),
        max_list_pages=5,
    )
    engine = SyncEngine(source, ResultStore())

    error = failure_of(engine)

    assert "did not finish after 5 pages" in str(error)
    assert len(pages) == 5
    assert source.counters().get_requests == 0


def test_a_process_quitting_while_a_read_hangs_does_not_wait_for_it(aws_env):
    server = SilentServer()
    program = textwrap.dedent(
        f"""
        from exo_benchtui.core.errors import SourceError
        from exo_benchtui.core.sources import S3Source, SourceOptions
        from exo_benchtui.core.store import ResultStore
        from exo_benchtui.core.sync import SyncEngine

        options = SourceOptions(
            endpoint_url="{server.endpoint_url}", read_timeout_s=30, max_attempts=3
        )
        source = S3Source("bench-silent", "bench/", options)
        try:
            SyncEngine(source, ResultStore(), deadline_s=0.5).sync()
        except SourceError as error:
            print(error.kind.value)
        """
    )
    try:
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, timeout=100
        )
        elapsed = time.monotonic() - started
    finally:
        server.close()

    assert result.stdout.strip() == "transient", result.stderr
    # A joined reader thread would hold the exit for 3 × 30 s of read time-out.
    assert elapsed < 20


def test_a_truncated_page_without_a_token_is_not_taken_as_the_whole(
    s3_admin, new_bucket, fault_proxy
):
    bucket = new_bucket()
    upload(s3_admin, bucket, result_objects(3))
    engine = engine_for(fault_proxy.endpoint_url, bucket)
    engine.sync()
    fault_proxy.inject(
        Fault(200, "", query_has="list-type=2", body=lambda _: listing_page(None, 9))
    )

    error = failure_of(engine)

    assert "truncated page with no token" in str(error)
    # Nothing dropped on the word of a cut-off listing.
    assert len(engine.store) == 3


def test_a_read_time_out_within_the_deadline_is_transient(aws_env):
    server = SilentServer()
    engine = engine_for(
        server.endpoint_url, "bench-silent", max_attempts=1, read_timeout_s=0.3
    )
    try:
        error = failure_of(engine)
    finally:
        server.close()

    assert error.kind is FailureKind.TRANSIENT
    assert error.title == "S3 did not answer in time"
    assert server.endpoint_url in str(error)


def test_sync_complete_goes_on_until_a_slow_source_is_fully_read(
    s3_admin, new_bucket, moto_endpoint
):
    bucket = new_bucket()
    results = result_objects(12)
    upload(s3_admin, bucket, results)
    engine = engine_for(moto_endpoint, bucket, deadline_s=1.0)
    engine.workers = 2
    # A slow link: each read takes a quarter of a second, so one sync of
    # one second cannot read all twelve.
    engine.source.client.meta.events.register(
        "before-call.s3.GetObject", lambda **_: time.sleep(0.25)
    )

    report = engine.sync_complete()

    rounds = report.list_requests  # one single-page listing per round
    assert rounds >= 2
    assert report.remaining == 0
    assert report.added == tuple(sorted(r.key for r in results))
    assert report.problems == {}
    # Reads in flight at a deadline finish unseen and are made again.
    assert 12 <= report.get_requests <= 12 + 2 * (rounds - 1)
    assert len(engine.store) == 12

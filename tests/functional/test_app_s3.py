"""The dashboard's failure states against a real S3 endpoint (moto on loopback).

Each state must say in words what happened and what to do, and keep the
last good data on screen.
"""

# The fixtures come from tests/s3server.py and are named again as arguments.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from exo_benchtui.ui.app import BenchApp, make_app
from exo_benchtui.ui.screens.main import MainScreen
from exo_benchtui.ui.widgets.runs_table import RunsTable
from exo_benchtui.ui.widgets.status import StatusBar
from tests.functional.app_support import fixed_clock, pilot_test, settings_for
from tests.s3server import (  # noqa: F401 - pytest fixtures
    Fault,
    FaultProxy,
    SwitchableTcpProxy,
    aws_env,
    moto_endpoint,
    new_bucket,
    result_objects,
    s3_admin,
    upload,
)


def s3_app(bucket: str, endpoint_url: str, prefix: str = "bench/") -> BenchApp:
    settings = settings_for(
        f"s3://{bucket}/{prefix}", endpoint_url=endpoint_url, region="us-east-1"
    )
    return make_app(settings, clock=fixed_clock)


async def settled(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def status(app: BenchApp) -> tuple[str, set[str]]:
    bar = app.screen.query_one(StatusBar)
    return bar.text, {c for c in bar.classes if c.startswith("-")}


def port_of(endpoint: str) -> int:
    return int(endpoint.rsplit(":", 1)[1])


@pilot_test
async def test_results_from_s3(new_bucket, s3_admin, moto_endpoint):
    bucket = new_bucket()
    upload(s3_admin, bucket, result_objects(5))
    app = s3_app(bucket, moto_endpoint)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        text, classes = status(app)
        assert text.startswith("synced just now")
        host = moto_endpoint.removeprefix("http://")
        # The source last, with the endpoint: this is not AWS's bucket.
        assert text.endswith(f" · s3://{bucket}/bench/ @ {host}")
        assert "5 runs · 1 series" in text
        assert classes == {"-ok"}


@pilot_test
async def test_no_credentials(new_bucket, moto_endpoint, monkeypatch):
    bucket = new_bucket()
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    app = s3_app(bucket, moto_endpoint)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        text, classes = status(app)
        assert "No AWS credentials found" in text
        assert "-error" in classes
        assert app.sync_status.last_error.hint in text


@pilot_test
async def test_bucket_not_found(aws_env, moto_endpoint):
    app = s3_app("no-such-bucket-for-the-dashboard", moto_endpoint)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        text, classes = status(app)
        assert "Bucket not found" in text
        assert "-error" in classes
        chart = app.screen.query_one("#pane-0")
        assert chart.empty_reason == "No data: Bucket not found"


@pilot_test
async def test_access_denied(new_bucket, s3_admin, moto_endpoint):
    bucket = new_bucket()
    upload(s3_admin, bucket, result_objects(2))
    proxy = FaultProxy(port_of(moto_endpoint))
    proxy.inject(Fault(403, "AccessDenied", "Access Denied"))
    try:
        app = s3_app(bucket, proxy.endpoint_url)
        async with app.run_test(size=(160, 48)) as pilot:
            await settled(pilot)
            text, classes = status(app)
            assert "Access denied" in text
            assert "-error" in classes
    finally:
        proxy.close()


@pilot_test
async def test_no_results_under_the_prefix(new_bucket, moto_endpoint):
    bucket = new_bucket()
    app = s3_app(bucket, moto_endpoint, prefix="nothing-here/")
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        text, classes = status(app)
        assert "0 runs · 0 series" in text
        assert "no results under this prefix" in text
        assert classes == {"-warning"}


@pilot_test
async def test_unreadable_documents_from_s3(new_bucket, s3_admin, moto_endpoint):
    bucket = new_bucket()
    upload(s3_admin, bucket, result_objects(3))
    broken_key = "bench/2025/06/02/000000_x_1.json"
    s3_admin.put_object(Bucket=bucket, Key=broken_key, Body=b"[")
    app = s3_app(bucket, moto_endpoint)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot)
        text, classes = status(app)
        assert "3 runs" in text
        assert "1 unreadable (press p)" in text
        assert classes == {"-warning"}


@pilot_test
async def test_unreachable_keeps_the_last_good_data_and_says_since_when(
    new_bucket, s3_admin, moto_endpoint
):
    bucket = new_bucket()
    upload(s3_admin, bucket, result_objects(4))
    proxy = SwitchableTcpProxy(port_of(moto_endpoint)).start()
    try:
        app = s3_app(bucket, proxy.endpoint_url)
        async with app.run_test(size=(160, 48)) as pilot:
            await settled(pilot)
            assert "4 runs" in status(app)[0]
            proxy.stop()
            await pilot.press("r")
            await settled(pilot)
            text, classes = status(app)
            assert "-error" in classes
            assert "stale since 2025-11-20 12:00" in text
            # It may recover by itself: a short warning toast, once.
            toasts = list(app._notifications)
            assert [t.severity for t in toasts] == ["warning"]
            assert toasts[0].title == "Cannot reach S3"
            # The hint is a sentence of its own, capitalised.
            assert ". Will try again next sync; check" in toasts[0].message
            assert "4 runs" in text  # what was read before stays
            await pilot.press("t")
            assert app.screen.query_one(RunsTable).row_count == 4
            await pilot.press("t")
            assert isinstance(app.screen, MainScreen)
            # Back again: the next sync clears the error.
            proxy.start()
            await pilot.press("r")
            await settled(pilot)
            text, classes = status(app)
            assert classes == {"-ok"}
            assert "stale" not in text
    finally:
        proxy.stop()


@pytest.fixture(autouse=True)
def _fast_failures(monkeypatch):
    """Fail a dead endpoint at once: the test is about words, not retries."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")


def test_a_password_in_the_endpoint_url_is_never_in_the_status_line():
    app = s3_app("results", "http://reader:hunter2@127.0.0.1:9000")
    assert app.source_text() == "s3://results/bench/ @ 127.0.0.1:9000"

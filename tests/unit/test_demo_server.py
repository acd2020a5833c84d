"""The demo's S3 server: loopback only, the history uploaded, a live feed."""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlparse

import boto3
import pytest
from botocore.config import Config

from exo_benchtui.demo import DemoServer
from tests.cli_support import isolate_user_dirs

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def bucket() -> str:
    # moto keeps buckets per process: every test makes its own.
    return f"demo-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(autouse=True)
def home(monkeypatch, tmp_path):
    return isolate_user_dirs(monkeypatch, tmp_path)


def listing(server: DemoServer) -> list[str]:
    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint_url,
        region_name="us-east-1",
        config=Config(retries={"mode": "standard", "max_attempts": 2}),
    )
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=server.bucket, Prefix="bench/"
    )
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def test_history_is_served_on_loopback(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "someone-real")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    assert DemoServer().location == "s3://exo-benchmark-results/bench/"
    with DemoServer(now=NOW, runs=12, feed_interval_s=None, bucket=bucket()) as server:
        assert urlparse(server.endpoint_url).hostname == "127.0.0.1"
        # The user's profile is hidden while the demo runs; dummy keys instead.
        assert "AWS_PROFILE" not in os.environ
        assert os.environ["AWS_ACCESS_KEY_ID"].startswith("demo")
        keys = listing(server)
        assert len(keys) == 12
        client = boto3.client(
            "s3", endpoint_url=server.endpoint_url, region_name="us-east-1"
        )
        head = client.head_object(Bucket=server.bucket, Key=keys[0])
        assert head["ContentType"] == "application/json"
        assert set(head["Metadata"]) == {"commit", "run_id", "branch"}
        body = client.get_object(Bucket=server.bucket, Key=keys[0])["Body"].read()
        assert json.loads(body)["metadata"]["git_commit"] == head["Metadata"]["commit"]
        added = server.add_result()
        assert added.key in listing(server)
    # Restored afterwards.
    assert os.environ["AWS_PROFILE"] == "someone-real"
    assert "AWS_ACCESS_KEY_ID" not in os.environ


def test_the_feeder_adds_results_while_the_demo_runs():
    with DemoServer(now=NOW, runs=5, feed_interval_s=0.2, bucket=bucket()) as server:
        # Wait for the feeder (not a timing claim: the bound only stops a hang).
        deadline = time.monotonic() + 30
        while len(listing(server)) < 7 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(listing(server)) >= 7
        assert server.uploaded >= 7


def test_the_dashboards_s3_path_reads_the_demo():
    from exo_benchtui.core.sources import SourceOptions, open_source
    from exo_benchtui.core.store import ResultStore
    from exo_benchtui.core.sync import SyncEngine

    with DemoServer(now=NOW, runs=15, feed_interval_s=None, bucket=bucket()) as server:
        source = open_source(
            server.location, SourceOptions(endpoint_url=server.endpoint_url)
        )
        store = ResultStore()
        report = SyncEngine(source, store, workers=4).sync()
        assert len(report.added) == 15
        assert report.problems == {}
        assert store.total_runs == 15
        assert store.problems() == []
        assert {run.branch for run in store.runs()} == {"main"}


def test_the_demo_ignores_a_proxy_and_a_broken_aws_config(monkeypatch, tmp_path):
    from exo_benchtui.core.sources import SourceOptions, open_source
    from exo_benchtui.core.store import ResultStore
    from exo_benchtui.core.sync import SyncEngine

    broken = tmp_path / "config"
    broken.write_text("[default\nregion=\n")
    # Nothing listens on port 9: a client that used this proxy would fail.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(broken))
    with DemoServer(now=NOW, runs=3, feed_interval_s=None, bucket=bucket()) as server:
        source = open_source(
            server.location, SourceOptions(endpoint_url=server.endpoint_url)
        )
        store = ResultStore()
        SyncEngine(source, store, workers=2).sync()
        assert store.total_runs == 3
    assert os.environ["AWS_CONFIG_FILE"] == str(broken)  # restored afterwards

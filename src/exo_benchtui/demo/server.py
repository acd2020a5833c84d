"""The demo's S3 server: moto on 127.0.0.1, a bucket, a history, a feeder.

The dashboard reads it through the normal S3 path (boto3 with an endpoint
URL), so the demo exercises the same code as a real bucket. Everything stays
on loopback and works offline. Credentials are dummy values put in this
process's environment for the demo's lifetime only, and restored after.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from exo_benchtui.demo.history import PREFIX, DemoObject, HistoryGenerator

log = logging.getLogger(__name__)

BUCKET = "exo-benchmark-results"
REGION = "us-east-1"
FEED_INTERVAL_S = 20.0

# Not secrets: moto accepts any key. Set so boto3's chain finds these and
# never the user's real credentials or profile while the demo runs.
_DEMO_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "demo-access-key",
    "AWS_SECRET_ACCESS_KEY": "demo-secret-key",
    "AWS_DEFAULT_REGION": REGION,
    # The user's own AWS files play no part in the demo, and a broken one
    # must not stop it.
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    # The server is on loopback: an HTTP(S)_PROXY set for the office network
    # must not be asked to reach it.
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}
_HIDDEN_ENVIRONMENT = (
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_REGION",
)


class DemoServer:
    """A context manager: start the server and upload the history on enter.

    ``location`` is the ``s3://`` URL of the results and ``endpoint_url`` the
    server's address. With ``feed_interval_s`` set, a thread adds a new result
    every that many seconds until exit.
    """

    def __init__(
        self,
        *,
        now: datetime | None = None,
        seed: int = 7,
        runs: int = 240,
        feed_interval_s: float | None = FEED_INTERVAL_S,
        bucket: str = BUCKET,
    ) -> None:
        self.bucket = bucket
        """moto keeps buckets per process, so tests pass their own name."""
        self.region = REGION
        self.location = f"s3://{bucket}/{PREFIX}"
        self.endpoint_url = ""
        self.uploaded = 0
        """Objects written so far (history and feed)."""
        self._now = now or datetime.now(UTC)
        self._generator = HistoryGenerator(now=self._now, seed=seed, runs=runs)
        self._feed_interval_s = feed_interval_s
        self._stop = threading.Event()
        self._count_lock = threading.Lock()
        self._feeder: threading.Thread | None = None
        self._server: Any = None
        self._client: Any = None
        self._saved_environment: dict[str, str | None] = {}

    def __enter__(self) -> DemoServer:
        # Imported here: moto and boto3 are slow to import and only the demo
        # needs the server.
        import boto3
        from botocore.config import Config
        from moto.server import ThreadedMotoServer

        self._set_environment()
        # werkzeug (moto's HTTP server) logs every request to stderr unless
        # told otherwise, which would tear the dashboard's screen.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        try:
            # Not verbose: moto would print a start-up line to stdout, which
            # would corrupt `demo --summary --format json`.
            self._server = ThreadedMotoServer(
                ip_address="127.0.0.1", port=0, verbose=False
            )
            self._server.start()
            host, port = self._server._server.server_address[:2]
            self.endpoint_url = f"http://{host}:{port}"
            self._client = boto3.client(
                "s3",
                endpoint_url=self.endpoint_url,
                region_name=REGION,
                config=Config(max_pool_connections=16),
            )
            self._client.create_bucket(Bucket=self.bucket)
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(self.put, self._generator.history()))
        except BaseException:
            self._shutdown()
            raise
        log.info("demo: %d results at %s", self.uploaded, self.endpoint_url)
        if self._feed_interval_s is not None:
            self._feeder = threading.Thread(
                target=self._feed, name="demo-feeder", daemon=True
            )
            self._feeder.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._shutdown()

    def put(self, item: DemoObject) -> None:
        """Upload one result as EXO's CI job does (JSON, with its metadata)."""
        self._client.put_object(
            Bucket=self.bucket,
            Key=item.key,
            Body=item.body,
            ContentType="application/json",
            Metadata=item.metadata,
        )
        with self._count_lock:
            self.uploaded += 1

    def add_result(self, at: datetime | None = None) -> DemoObject:
        """Make and upload the next result, finished at ``at`` (default now)."""
        item = self._generator.next_run(at or datetime.now(UTC))
        self.put(item)
        return item

    def _feed(self) -> None:
        assert self._feed_interval_s is not None
        while not self._stop.wait(self._feed_interval_s):
            try:
                item = self.add_result()
            except Exception as error:
                # The server is going away (exit) or broke: say so and stop.
                log.warning("demo feeder stopped: %s", error)
                return
            log.info("demo: new result %s", item.key)

    def _shutdown(self) -> None:
        self._stop.set()
        if self._feeder is not None:
            self._feeder.join(timeout=5)
            self._feeder = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        self._restore_environment()

    def _set_environment(self) -> None:
        for name in (*_DEMO_ENVIRONMENT, *_HIDDEN_ENVIRONMENT):
            self._saved_environment[name] = os.environ.get(name)
        for name in _HIDDEN_ENVIRONMENT:
            os.environ.pop(name, None)
        os.environ.update(_DEMO_ENVIRONMENT)

    def _restore_environment(self) -> None:
        for name, value in self._saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_environment = {}

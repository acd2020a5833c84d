"""A real S3 endpoint on loopback for the sync tests, and ways to break it.

- ``moto_endpoint``: moto's ``ThreadedMotoServer`` on 127.0.0.1, a free port,
  one per test session (moto keeps buckets in process; each test makes its
  own bucket with ``new_bucket``).
- ``aws_env``: dummy credentials in the environment and no real ~/.aws files.
- :class:`FaultProxy`: an HTTP proxy in front of moto that counts requests and
  answers chosen ones with an S3 error (503 SlowDown, 403 AccessDenied, …).
- :class:`SwitchableTcpProxy`: a TCP proxy that can be switched off (listener
  and live connections closed, so clients get "connection refused") and on
  again on the same port.
- :class:`SilentServer`: accepts connections and never answers.

Import the fixtures into a test module with ``from tests.s3server import …``.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import logging
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from botocore.config import Config
from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends
from moto.s3.utils import metadata_from_headers
from moto.server import ThreadedMotoServer

from tests.builders import document_key, encode, make_document, make_stage

DUMMY_KEY_ID = "testing"
DUMMY_SECRET = "testing"
FIRST_RUN = datetime(2025, 6, 1, 0, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of a moto S3 server for the whole session."""
    # werkzeug logs every request at INFO: thousands of lines per test.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server._server.server_address[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    """Dummy credentials; the real ~/.aws config and credentials are never read."""
    missing = tmp_path / "no-aws-config"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(missing / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(missing / "credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", DUMMY_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", DUMMY_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in (
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def s3_admin(aws_env, moto_endpoint):
    """A plain boto3 client straight to moto, for setting up buckets."""
    session = boto3.session.Session(region_name="us-east-1")
    client = session.client(
        "s3",
        endpoint_url=moto_endpoint,
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=16),
    )
    yield client
    client.close()


@pytest.fixture
def new_bucket(s3_admin) -> Callable[[], str]:
    """Makes a fresh, uniquely named bucket; returns its name."""

    def make() -> str:
        name = f"bench-{uuid.uuid4().hex[:16]}"
        s3_admin.create_bucket(Bucket=name)
        return name

    return make


@dataclass(frozen=True)
class ResultObject:
    """One result as EXO's CI would upload it."""

    key: str
    body: bytes
    metadata: dict[str, str]


def result_objects(
    count: int, *, start: int = 0, prefix: str = "bench/", version: int = 0
) -> list[ResultObject]:
    """``count`` small, valid, distinct results, one minute apart.

    The n-th result is the same for the same ``n`` (and ``version``), so a
    test can rebuild one to overwrite it with different content.
    """
    made = []
    for number in range(start, start + count):
        completed_at = FIRST_RUN + timedelta(minutes=number)
        commit = hashlib.sha1(f"commit-{number}".encode()).hexdigest()
        run_id = 19_000_000_000 + number
        document = make_document(
            completed_at=completed_at,
            commit=commit,
            stages=[make_stage(iterations=2 + version)],
            snapshots=0,
        )
        made.append(
            ResultObject(
                key=document_key(completed_at, commit, run_id, prefix=prefix),
                body=encode(document),
                metadata={"commit": commit, "run_id": str(run_id), "branch": "main"},
            )
        )
    return made


def upload(client, bucket: str, objects: list[ResultObject], workers: int = 16):
    """PUT the objects as the CI job does, several at a time."""

    def put(item: ResultObject) -> None:
        client.put_object(
            Bucket=bucket,
            Key=item.key,
            Body=item.body,
            ContentType="application/json",
            Metadata=item.metadata,
        )

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(put, objects))


def seed(bucket: str, objects: list[ResultObject]) -> None:
    """Put objects straight into the moto backend this process serves.

    The same objects, ETags and metadata as :func:`upload`, without HTTP:
    2,500 PUTs through moto's server take about 25 s on two cores, and the
    code under test (the sync) still reads everything over HTTP.
    """
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    for item in objects:
        key = backend.put_object(bucket, item.key, item.body)
        headers = {"Content-Type": "application/json"}
        headers.update({f"x-amz-meta-{k}": v for k, v in item.metadata.items()})
        key.set_metadata(metadata_from_headers(headers))


def _free_listener(port: int = 0) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    # accept() wakes up now and then to notice a stop.
    listener.settimeout(0.05)
    return listener


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class SwitchableTcpProxy:
    """Forwards 127.0.0.1:port to a target; ``stop()`` is a server going away."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._running = threading.Event()
        self._thread: threading.Thread | None = None
        self._listener: socket.socket | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SwitchableTcpProxy:
        """Listen (again) on the same port as before, or a free one the first time."""
        self._listener = _free_listener(self.port)
        self.port = self._listener.getsockname()[1]
        self._running.set()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the listener and every live connection."""
        self._running.clear()
        if self._thread is not None:
            self._thread.join()
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _close(sock)

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while self._running.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(source, sink), daemon=True
                ).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _close(sink)
            _close(source)


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never says a word."""

    def __init__(self) -> None:
        self._listener = _free_listener()
        self.port = self._listener.getsockname()[1]
        self._held: list[socket.socket] = []
        self._running = threading.Event()
        self._running.set()
        self.accepted = 0
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept_loop(self) -> None:
        while self._running.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self._held.append(conn)

    def close(self) -> None:
        self._running.clear()
        self._thread.join()
        self._listener.close()
        for conn in self._held:
            _close(conn)


@dataclass(frozen=True)
class Fault:
    """Answer matching requests with this S3 error instead of forwarding them."""

    status: int
    code: str
    message: str = "injected by the test proxy"
    method: str | None = None
    """Only this HTTP method (None: any)."""
    query_has: str | None = None
    """Only requests whose query string contains this (``list-type=2``: LIST)."""
    path_has: str | None = None
    """Only requests whose path (without the query) contains this."""
    times: int | None = None
    """How many requests to answer so; None: all."""
    headers: tuple[tuple[str, str], ...] = ()
    body: Callable[[str], bytes] | None = None
    """Answer with this (given the request path) instead of an error document:
    a server that misbehaves without saying so."""


class FaultProxy:
    """An HTTP proxy to moto that logs requests and injects S3 errors."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.requests: list[tuple[str, str]] = []
        """(method, path with query) of every request received, in order."""
        self.injected: list[tuple[str, str, str]] = []
        """(method, path, code) of every request answered with a fault."""
        self._faults: list[list] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # quiet: tests read counters
                pass

            def do_GET(self):
                proxy._handle(self)

            do_HEAD = do_PUT = do_POST = do_DELETE = do_GET

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        # A short poll so close() does not wait half a second per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append([fault, 0])

    def count(self, method: str | None = None, path_has: str = "") -> int:
        with self._lock:
            return sum(
                1
                for m, p in self.requests
                if (method is None or m == method) and path_has in p
            )

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _match(self, method: str, path: str) -> Fault | None:
        bare_path, _, query = path.partition("?")
        with self._lock:
            self.requests.append((method, path))
            for entry in self._faults:
                fault, used = entry
                if fault.method is not None and fault.method != method:
                    continue
                if fault.query_has is not None and fault.query_has not in query:
                    continue
                if fault.path_has is not None and fault.path_has not in bare_path:
                    continue
                if fault.times is not None and used >= fault.times:
                    continue
                entry[1] += 1
                self.injected.append((method, path, fault.code))
                return fault
        return None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        fault = self._match(handler.command, handler.path)
        if fault is not None:
            payload = (
                fault.body(handler.path)
                if fault.body is not None
                else (
                    '<?xml version="1.0" encoding="UTF-8"?>\n'
                    f"<Error><Code>{fault.code}</Code>"
                    f"<Message>{fault.message}</Message>"
                    "<RequestId>test-proxy</RequestId></Error>"
                ).encode()
            )
            handler.send_response(fault.status)
            handler.send_header("Content-Type", "application/xml")
            for name, value in fault.headers:
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(payload)
            return
        upstream = http.client.HTTPConnection("127.0.0.1", self.target_port, timeout=30)
        try:
            headers = {
                name: value
                for name, value in handler.headers.items()
                if name.lower() not in {"connection", "keep-alive"}
            }
            upstream.request(handler.command, handler.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
            handler.send_response(response.status, response.reason)
            length = response.getheader("Content-Length") or "0"
            for name, value in response.getheaders():
                if name.lower() not in _HOP_BY_HOP:
                    handler.send_header(name, value)
            # A HEAD answer says how long the body would be; others carry it.
            sent = length if handler.command == "HEAD" else str(len(data))
            handler.send_header("Content-Length", sent)
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(data)
        finally:
            upstream.close()


_HOP_BY_HOP = {"connection", "transfer-encoding", "keep-alive", "content-length"}


def moto_port(endpoint_url: str) -> int:
    return int(endpoint_url.rsplit(":", 1)[1])


@pytest.fixture
def fault_proxy(aws_env, moto_endpoint) -> Iterator[FaultProxy]:
    proxy = FaultProxy(moto_port(moto_endpoint))
    yield proxy
    proxy.close()

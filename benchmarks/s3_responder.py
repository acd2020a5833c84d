"""A minimal S3 responder for the benchmarks, run in its own process.

moto spends milliseconds of CPU on every request, so a client with dozens of
workers measures moto rather than itself. This server answers only what a
sync needs (ListObjectsV2 with pagination, GetObject, HeadObject, HeadBucket)
from bodies, ETags and listing fragments computed once at start-up, so each
request costs well under a millisecond. It adds a fixed delay to every S3
request in the thread serving that connection, which models the round trip
to a far region: concurrent requests wait in parallel, as they would.

Path-style addressing only (``http://127.0.0.1:PORT/BUCKET/KEY``), which is
what the product uses with a custom endpoint. It checks no signatures.

Control endpoints (not delayed, not counted):
``POST /__admin/state?visible=N&latency_ms=X`` (list only the first N keys,
change the delay) and ``GET /__admin/stats`` (request counts as JSON).
The bucket ``<BUCKET>-first-<N>`` serves the same objects with at most the
first N of them visible, so clients of several sizes can run at once.

Run: ``python benchmarks/s3_responder.py --count 10010 --latency-ms 50``;
it prints one JSON line ``{"port": ...}`` when ready and serves until its
standard input closes.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import hashlib
import json
import multiprocessing
import os
import pickle
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit
from urllib.request import Request, urlopen
from xml.sax.saxutils import escape

# Run as a script, this folder is on sys.path: the benchmarks are no package.
import corpus

_S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"


@dataclass(frozen=True, slots=True)
class _Object:
    body: bytes
    headers: tuple[tuple[str, str], ...]
    listing_xml: bytes
    """This object's ``<Contents>`` element, ready to join into a page."""


class _State:
    """What the server holds and counts; shared by the handler threads."""

    def __init__(self, docs: list[corpus.Document], latency_s: float) -> None:
        self.keys = [doc.key for doc in docs]
        if self.keys != sorted(self.keys):
            raise ValueError("corpus keys must come in sorted order")
        self.objects = {doc.key: _prepare(doc) for doc in docs}
        self.visible = len(docs)
        self.latency_s = latency_s
        self.counts = {"list": 0, "get": 0, "head": 0, "other": 0}
        self.lock = threading.Lock()

    def count(self, kind: str) -> None:
        with self.lock:
            self.counts[kind] += 1


def _prepare(doc: corpus.Document) -> _Object:
    etag = '"' + hashlib.md5(doc.body, usedforsecurity=False).hexdigest() + '"'
    modified_iso = doc.last_modified.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    headers = [
        ("Content-Type", "application/json"),
        ("ETag", etag),
        ("Last-Modified", format_datetime(doc.last_modified, usegmt=True)),
        ("Accept-Ranges", "bytes"),
        *((f"x-amz-meta-{name}", value) for name, value in doc.metadata.items()),
    ]
    listing = (
        f"<Contents><Key>{escape(doc.key)}</Key>"
        f"<LastModified>{modified_iso}</LastModified>"
        f"<ETag>{escape(etag)}</ETag><Size>{len(doc.body)}</Size>"
        "<StorageClass>STANDARD</StorageClass></Contents>"
    )
    return _Object(doc.body, tuple(headers), listing.encode())


def _token(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()


def _untoken(token: str) -> str:
    return base64.urlsafe_b64decode(token.encode()).decode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as S3 and botocore use it
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's
        # algorithm and the client's delayed ACK add ~40 ms to some replies.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        pass  # a log line per request would cost more than the request

    # -- plumbing ---------------------------------------------------------

    def _reply(
        self,
        status: int,
        body: bytes,
        headers: tuple[tuple[str, str], ...] = (),
        *,
        send_body: bool = True,
    ) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amz-request-id", "0")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _error(self, status: int, code: str, message: str, send_body=True) -> None:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<Error><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
        ).encode()
        self._reply(
            status, body, (("Content-Type", "application/xml"),), send_body=send_body
        )

    def _drain(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)

    def _s3_target(self) -> tuple[str, int, dict[str, list[str]]] | None:
        """(key, how many keys are visible, query) of an S3 request.

        Answered after the added latency.
        """
        self._drain()
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        bucket, _, key = parts.path.lstrip("/").partition("/")
        state = self.server.state
        if state.latency_s:
            time.sleep(state.latency_s)
        visible = state.visible
        first = bucket.removeprefix(f"{corpus.BUCKET}-first-")
        if first != bucket and first.isdigit():
            visible = min(visible, int(first))
        elif bucket != corpus.BUCKET:
            state.count("other")
            self._error(404, "NoSuchBucket", f"no bucket {bucket!r}")
            return None
        return unquote(key), visible, query

    # -- verbs ------------------------------------------------------------

    def do_GET(self) -> None:
        if self.path.startswith("/__admin/"):
            self._admin()
            return
        target = self._s3_target()
        if target is None:
            return
        key, visible, query = target
        if key:
            self._get_object(key, visible)
        elif "list-type" in query:
            self._list(query, visible)
        elif "location" in query:
            self.server.state.count("other")
            body = f'<LocationConstraint xmlns="{_S3_NS}"/>'.encode()
            self._reply(200, body, (("Content-Type", "application/xml"),))
        else:
            self.server.state.count("other")
            self._error(501, "NotImplemented", "only ListObjectsV2 is served")

    def do_HEAD(self) -> None:
        target = self._s3_target()
        if target is None:
            return
        key, visible, _ = target
        state = self.server.state
        state.count("head")
        if not key:
            self._reply(200, b"", send_body=False)
            return
        obj = self._visible_object(key, visible)
        if obj is None:
            self._error(404, "NoSuchKey", key, send_body=False)
            return
        self.send_response(200)
        for name, value in obj.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(obj.body)))
        self.end_headers()

    def do_POST(self) -> None:
        self._drain()
        if self.path.startswith("/__admin/"):
            self._admin()
        else:
            self._error(501, "NotImplemented", "writes are not served")

    def do_PUT(self) -> None:
        self.do_POST()

    # -- S3 operations ------------------------------------------------------

    def _visible_object(self, key: str, visible: int) -> _Object | None:
        state = self.server.state
        index = bisect.bisect_left(state.keys, key, 0, visible)
        if index < visible and state.keys[index] == key:
            return state.objects[key]
        return None

    def _get_object(self, key: str, visible: int) -> None:
        self.server.state.count("get")
        obj = self._visible_object(key, visible)
        if obj is None:
            self._error(404, "NoSuchKey", key)
            return
        self._reply(200, obj.body, obj.headers)

    def _list(self, query: dict[str, list[str]], visible: int) -> None:
        state = self.server.state
        state.count("list")

        def arg(name: str, default: str = "") -> str:
            return query.get(name, [default])[0]

        prefix = arg("prefix")
        max_keys = max(0, min(1000, int(arg("max-keys", "1000") or 1000)))
        url_encoded = arg("encoding-type") == "url"
        start = bisect.bisect_left(state.keys, prefix, 0, visible)
        if arg("start-after"):
            start = max(start, bisect.bisect_right(state.keys, arg("start-after")))
        if arg("continuation-token"):
            begin = _untoken(arg("continuation-token"))
            start = max(start, bisect.bisect_left(state.keys, begin, 0, visible))
        end = start
        while (
            end < visible
            and end - start < max_keys
            and state.keys[end].startswith(prefix)
        ):
            end += 1
        truncated = end < visible and state.keys[end].startswith(prefix)
        page = state.keys[start:end]
        contents = b"".join(state.objects[key].listing_xml for key in page)
        if url_encoded:
            # Our keys hold only characters that URL encoding leaves alone.
            assert all(quote(key, safe="/") == key for key in page)
        head = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<ListBucketResult xmlns="{_S3_NS}">',
            f"<Name>{corpus.BUCKET}</Name><Prefix>{escape(prefix)}</Prefix>",
            f"<KeyCount>{len(page)}</KeyCount><MaxKeys>{max_keys}</MaxKeys>",
            f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>",
        ]
        if url_encoded:
            head.append("<EncodingType>url</EncodingType>")
        if arg("continuation-token"):
            token = escape(arg("continuation-token"))
            head.append(f"<ContinuationToken>{token}</ContinuationToken>")
        if truncated:
            token = _token(state.keys[end])
            head.append(f"<NextContinuationToken>{token}</NextContinuationToken>")
        body = "".join(head).encode() + contents + b"</ListBucketResult>"
        self._reply(200, body, (("Content-Type", "application/xml"),))

    # -- control --------------------------------------------------------------

    def _admin(self) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path == "/__admin/state":
            with state.lock:
                if "visible" in query:
                    state.visible = min(len(state.keys), int(query["visible"][0]))
                if "latency_ms" in query:
                    state.latency_s = float(query["latency_ms"][0]) / 1000
        with state.lock:
            answer = {
                "visible": state.visible,
                "total": len(state.keys),
                "latency_ms": state.latency_s * 1000,
                "counts": dict(state.counts),
            }
        self._reply(200, json.dumps(answer).encode(), (("Content-Type", "text/json"),))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A cold sync opens dozens of connections at once; the default backlog
    # of 5 drops SYNs and costs a 1 s retransmit.
    request_queue_size = 1024

    def __init__(self, state: _State) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


# -- the corpus, generated once and cached -----------------------------------


def _generate(args: tuple[int, int, int]) -> list[corpus.Document]:
    start, stop, seed = args
    return [corpus.make_document(i, seed) for i in range(start, stop)]


def load_corpus(count: int, seed: int) -> list[corpus.Document]:
    """Documents ``0 .. count-1``, from a cache in the temp dir when present.

    The cache name carries a hash of ``corpus.py``, so editing the generator
    never serves stale documents.
    """
    source_hash = hashlib.sha1(Path(corpus.__file__).read_bytes()).hexdigest()[:10]
    cache = Path(tempfile.gettempdir()) / (
        f"exo-bench-corpus-{source_hash}-{seed}-{count}.pickle"
    )
    if cache.exists():
        with cache.open("rb") as f:
            return pickle.load(f)
    chunk = 250
    jobs = [(i, min(i + chunk, count), seed) for i in range(0, count, chunk)]
    with multiprocessing.Pool(os.cpu_count() or 1) as pool:
        docs = [doc for part in pool.imap(_generate, jobs) for doc in part]
    partial = cache.with_suffix(f".{os.getpid()}.tmp")
    with partial.open("wb") as f:
        pickle.dump(docs, f, protocol=pickle.HIGHEST_PROTOCOL)
    partial.replace(cache)
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    docs = load_corpus(args.count, args.seed)
    server = _Server(_State(docs, args.latency_ms / 1000))
    del docs
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    sys.stdin.read()  # serve until the parent closes our stdin or exits
    server.shutdown()


# -- the parent's side ---------------------------------------------------------


@dataclass
class Responder:
    """A running responder process, seen from the benchmark harness."""

    process: object
    endpoint_url: str

    def state(self, **changes: float) -> dict:
        """Change ``visible`` or ``latency_ms`` (if given); return the state."""
        query = "&".join(f"{name}={value}" for name, value in changes.items())
        request = Request(f"{self.endpoint_url}/__admin/state?{query}", method="POST")
        with urlopen(request, timeout=10) as reply:
            return json.load(reply)

    def counts(self) -> dict[str, int]:
        with urlopen(f"{self.endpoint_url}/__admin/stats", timeout=10) as reply:
            return json.load(reply)["counts"]


@contextmanager
def run_responder(count: int, seed: int = 7, latency_ms: float = 50.0) -> Iterator:
    """Start the responder in its own process; stop it on exit."""
    import subprocess

    process = subprocess.Popen(
        [
            sys.executable,
            __file__,
            f"--count={count}",
            f"--seed={seed}",
            f"--latency-ms={latency_ms}",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the S3 responder exited before it was ready")
        port = json.loads(line)["port"]
        yield Responder(process, f"http://127.0.0.1:{port}")
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    main()

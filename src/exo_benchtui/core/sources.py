"""Where results come from: an S3 bucket prefix, or a local directory.

Both sources have the same small interface (:class:`Source`): list every
``.json`` object with an identity (ETag and size) that changes when the
object changes, and fetch one object's bytes. The sync engine does the rest.

One :class:`S3Source` owns ONE boto3 session and ONE client, created in the
constructor and shared by every worker thread: botocore clients are
thread-safe, sessions are not, and clients created again and again leak memory
in long runs.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol

import boto3
import botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.handlers import validate_bucket_name
from botocore.utils import parse_timestamp

from exo_benchtui import __version__
from exo_benchtui.core.errors import FailureKind, SourceError, UsageError
from exo_benchtui.core.s3errors import S3Place, classify, is_missing_object

DEFAULT_WORKERS = 32
"""Concurrent GETs. From docs/BENCHMARKS.md: at 50 ms a request, 16 to 32
nearly halves a cold sync; 64 saves a tenth or less for twice the
documents held in memory at once, and a Raspberry Pi is CPU-bound long
before either."""
DEFAULT_MAX_LIST_PAGES = 10_000
"""10 million keys at 1,000 a page: past this a server is looping."""
DEFAULT_CONNECT_TIMEOUT_S = 5.0
DEFAULT_READ_TIMEOUT_S = 15.0
DEFAULT_MAX_ATTEMPTS = 3
"""Per request, in botocore's ``standard`` retry mode (first try included)."""


def parse_s3_time(text: str) -> datetime:
    """A timestamp from an S3 response, as botocore's own parser would read it.

    S3 lists ``LastModified`` in ISO 8601 with a ``Z`` and sends it in RFC 1123
    headers, both of which the standard library reads; botocore's default goes
    through dateutil, which took most of a warm sync's CPU (benchmarks/).
    Anything else goes to botocore's parser.
    """
    try:
        if text[10:11] == "T":
            moment = datetime.fromisoformat(text)
        else:
            moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        moment = None
    if moment is not None and moment.tzinfo is not None:
        return moment
    return parse_timestamp(text)


@dataclass(frozen=True, slots=True)
class ListedObject:
    """One object as the listing shows it."""

    key: str
    etag: str | None
    size_bytes: int
    last_modified: datetime | None


@dataclass(frozen=True, slots=True)
class FetchedObject:
    """One object's bytes and what the source says about it."""

    body: bytes
    metadata: dict[str, str]
    """User metadata (S3's ``x-amz-meta-*``), lower-case names; {} for files."""
    last_modified: datetime | None


@dataclass(frozen=True, slots=True)
class SourceCounters:
    """Requests made and bytes read since the source was opened."""

    list_requests: int = 0
    get_requests: int = 0
    bytes_read: int = 0


@dataclass(frozen=True, slots=True)
class SourceOptions:
    """How to reach a source; the command line and settings fill it."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    """An S3-compatible store (MinIO, Ceph, R2, LocalStack); None for AWS."""
    no_sign_request: bool = False
    """Anonymous requests, for public buckets (the AWS CLI's flag name)."""
    workers: int = DEFAULT_WORKERS
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S
    read_timeout_s: float = DEFAULT_READ_TIMEOUT_S
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_pool_connections: int | None = None
    """None: as many as ``workers`` (at least 10), so no thread waits for one."""


class ObjectUnavailable(LookupError):
    """One listed object could not be read (deleted since, or hidden): skip it."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


class ObjectTooLarge(Exception):
    """The object grew over the size cap between listing and reading."""

    def __init__(self, key: str, size_bytes: int, max_bytes: int) -> None:
        super().__init__(f"{key}: {size_bytes:,} bytes is over {max_bytes:,}")
        self.key = key
        self.size_bytes = size_bytes
        self.max_bytes = max_bytes


class Source(Protocol):
    """What the sync engine needs from a place that holds result documents."""

    location: str
    """For people: ``s3://bucket/prefix`` or a directory path."""

    def list_objects(
        self, stop: Callable[[], bool] | None = None
    ) -> list[ListedObject]:
        """Every ``.json`` object, by key; raises :class:`SourceError`."""
        ...

    def fetch(self, key: str, *, max_bytes: int | None = None) -> FetchedObject:
        """One object; raises :class:`ObjectUnavailable`, :class:`ObjectTooLarge`
        or :class:`SourceError`."""
        ...

    def counters(self) -> SourceCounters: ...

    def reset(self) -> None:
        """Start again with fresh credentials (after an authorisation failure)."""
        ...


class _Counting:
    """Thread-safe request counters shared by the sources."""

    def __init__(self) -> None:
        self._count_lock = threading.Lock()
        self._lists = 0
        self._gets = 0
        self._bytes = 0

    def _counted(self, *, lists: int = 0, gets: int = 0, nbytes: int = 0) -> None:
        with self._count_lock:
            self._lists += lists
            self._gets += gets
            self._bytes += nbytes

    def counters(self) -> SourceCounters:
        """Requests and bytes since the source was opened."""
        with self._count_lock:
            return SourceCounters(self._lists, self._gets, self._bytes)


class S3Source(_Counting):
    """A bucket prefix read through one shared boto3 client."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        options: SourceOptions | None = None,
        *,
        max_list_pages: int = DEFAULT_MAX_LIST_PAGES,
    ) -> None:
        super().__init__()
        options = options or SourceOptions()
        if not bucket:
            raise UsageError("No bucket named", "an s3:// location needs a bucket")
        # A prefix is a folder: without the slash "bench" would also list
        # "bench-archive/…", which is beside the results, not in them.
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        self.bucket = bucket
        self.prefix = prefix
        self.options = options
        self.max_list_pages = max_list_pages
        self.endpoint_url = options.endpoint_url or _env_endpoint()
        self._client_lock = threading.Lock()
        self._session, self._client = self._connect()
        self.place = S3Place(
            bucket=bucket,
            prefix=prefix,
            endpoint_url=self.endpoint_url,
            region=self._client.meta.region_name,
            profile=options.profile or os.environ.get("AWS_PROFILE"),
        )
        self.location = self.place.url

    def __repr__(self) -> str:
        return f"S3Source({self.location!r}, endpoint={self.endpoint_url!r})"

    @property
    def client(self):
        """The shared botocore client (tests register event hooks on it)."""
        return self._client

    def _connect(self):
        options = self.options
        place = S3Place(
            self.bucket,
            self.prefix,
            self.endpoint_url,
            options.region,
            options.profile or os.environ.get("AWS_PROFILE"),
        )
        config = {
            "max_pool_connections": options.max_pool_connections
            or max(options.workers, 10),
            "retries": {"mode": "standard", "total_max_attempts": options.max_attempts},
            "connect_timeout": options.connect_timeout_s,
            "read_timeout": options.read_timeout_s,
            "user_agent_extra": f"exo-bench-tui/{__version__}",
        }
        if self.endpoint_url:
            # S3-compatible stores rarely do virtual-host buckets, and several
            # reject the checksums boto3 >= 1.36 sends by default.
            config["s3"] = {"addressing_style": "path"}
            config["request_checksum_calculation"] = "when_required"
            config["response_checksum_validation"] = "when_required"
        if options.no_sign_request:
            config["signature_version"] = UNSIGNED
        try:
            # Refused here, before any request, a bad name stops the program
            # at start-up instead of failing every sync of the dashboard.
            validate_bucket_name({"Bucket": self.bucket})
            core = botocore.session.get_session()
            core.get_component("response_parser_factory").set_parser_defaults(
                timestamp_parser=parse_s3_time
            )
            session = boto3.session.Session(
                profile_name=options.profile,
                region_name=options.region,
                botocore_session=core,
            )
            client = session.client(
                "s3", endpoint_url=self.endpoint_url, config=Config(**config)
            )
        except (BotoCoreError, ValueError) as exc:
            raise classify(exc, place) from exc
        return session, client

    def reset(self) -> None:
        """Build the session and client again, so credentials are looked up anew.

        Call it once after an authorisation failure, never in a loop.
        """
        session, client = self._connect()
        with self._client_lock:
            old = self._client
            self._session, self._client = session, client
        old.close()

    def list_objects(
        self, stop: Callable[[], bool] | None = None
    ) -> list[ListedObject]:
        """Every ``.json`` key under the prefix, over all pages.

        Raises :class:`SourceError` if a page fails, if the server repeats a
        continuation token, or after ``max_list_pages`` pages: a listing that
        did not finish must never be taken as complete (keys would be dropped).
        """
        client = self._client
        paginator = client.get_paginator("list_objects_v2")
        found: list[ListedObject] = []
        seen_tokens: set[str] = set()
        pages = paginator.paginate(Bucket=self.bucket, Prefix=self.prefix)
        try:
            for number, page in enumerate(pages, start=1):
                self._counted(lists=1)
                for item in page.get("Contents", ()):
                    key = item["Key"]
                    if key.endswith(".json"):
                        found.append(
                            ListedObject(
                                key=key,
                                etag=item.get("ETag"),
                                size_bytes=int(item.get("Size", 0)),
                                last_modified=item.get("LastModified"),
                            )
                        )
                token = page.get("NextContinuationToken")
                if not page.get("IsTruncated"):
                    break
                if not token:
                    # Taking a cut-off listing as whole would drop every key
                    # after it from the store.
                    raise self._broken_listing("sent a truncated page with no token")
                if token in seen_tokens:
                    raise self._broken_listing("repeated a continuation token")
                seen_tokens.add(token)
                if number >= self.max_list_pages:
                    raise self._broken_listing(f"did not finish after {number:,} pages")
                if stop is not None and stop():
                    raise SourceError(
                        "Listing stopped",
                        f"the listing of {self.location} was stopped",
                        kind=FailureKind.TRANSIENT,
                    )
        except SourceError:
            raise
        except (BotoCoreError, ClientError, OSError) as exc:
            raise classify(exc, self.place) from exc
        return found

    def _broken_listing(self, what: str) -> SourceError:
        return SourceError(
            "S3 listing did not end",
            f"{self.place.where} {what} while listing {self.location}",
            hint="will try again next sync; the server may be misbehaving",
            kind=FailureKind.TRANSIENT,
        )

    def fetch(self, key: str, *, max_bytes: int | None = None) -> FetchedObject:
        """GET one object, reading and closing its body in every case."""
        self._counted(gets=1)
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if is_missing_object(exc):
                raise ObjectUnavailable(key, _missing_reason(exc)) from exc
            raise classify(exc, self.place) from exc
        except (BotoCoreError, OSError) as exc:
            raise classify(exc, self.place) from exc
        stream = response["Body"]
        with closing(stream):
            length = int(response.get("ContentLength") or 0)
            if max_bytes is not None and length > max_bytes:
                # Closing unread drops the connection instead of draining it.
                raise ObjectTooLarge(key, length, max_bytes)
            try:
                body = stream.read()
            except (BotoCoreError, OSError) as exc:
                raise classify(exc, self.place) from exc
        self._counted(nbytes=len(body))
        metadata = {str(k).lower(): str(v) for k, v in response["Metadata"].items()}
        return FetchedObject(body, metadata, response.get("LastModified"))


def _missing_reason(exc: ClientError) -> str:
    code = exc.response.get("Error", {}).get("Code", "")
    if code in {"AccessDenied", "403"}:
        return "access denied when reading it (deleted, or outside the policy)"
    return "deleted between the listing and the read"


def _env_endpoint() -> str | None:
    # boto3 reads these itself, but path-style addressing and the checksum
    # settings depend on knowing a custom endpoint is in use.
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")


class DirectorySource(_Counting):
    """Result documents under a local directory, at any depth."""

    def __init__(self, path: Path | str) -> None:
        super().__init__()
        self.path = Path(path).expanduser()
        self.location = str(self.path)

    def __repr__(self) -> str:
        return f"DirectorySource({self.location!r})"

    def reset(self) -> None:
        """Nothing to rebuild for files."""

    def list_objects(
        self, stop: Callable[[], bool] | None = None
    ) -> list[ListedObject]:
        """Every ``*.json`` file; the key is the path relative to the directory."""
        self._counted(lists=1)
        if not self.path.is_dir():
            raise SourceError(
                "Results directory not found",
                f"{self.location} is not a directory (any more)",
                hint="check the path given as the results location",
                kind=FailureKind.CONFIGURATION,
            )
        found: list[ListedObject] = []
        try:
            for file in self.path.rglob("*.json"):
                try:
                    status = file.stat()
                except OSError:
                    continue  # removed while listing: it is simply not there
                if not file.is_file():
                    continue
                found.append(
                    ListedObject(
                        key=file.relative_to(self.path).as_posix(),
                        # Changes whenever the file is rewritten, like an ETag.
                        etag=f"{status.st_mtime_ns}-{status.st_size}",
                        size_bytes=status.st_size,
                        last_modified=datetime.fromtimestamp(status.st_mtime, UTC),
                    )
                )
        except OSError as exc:
            raise SourceError(
                "Results directory unreadable",
                f"{self.location}: {exc.strerror or exc}",
                hint="check the directory's permissions",
                kind=FailureKind.CONFIGURATION,
            ) from exc
        found.sort(key=lambda item: item.key)
        return found

    def fetch(self, key: str, *, max_bytes: int | None = None) -> FetchedObject:
        """Read one file, refusing it unread if it is over ``max_bytes``."""
        self._counted(gets=1)
        file = self.path / key
        try:
            with file.open("rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if max_bytes is not None and size > max_bytes:
                    raise ObjectTooLarge(key, size, max_bytes)
                body = handle.read()
                modified = datetime.fromtimestamp(
                    os.fstat(handle.fileno()).st_mtime, UTC
                )
        except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
            raise ObjectUnavailable(key, exc.strerror or str(exc)) from exc
        except OSError as exc:
            raise SourceError(
                "Results file unreadable",
                f"{file}: {exc.strerror or exc}",
                kind=FailureKind.TRANSIENT,
            ) from exc
        self._counted(nbytes=len(body))
        return FetchedObject(body, {}, modified)


def open_source(location: str, options: SourceOptions | None = None) -> Source:
    """The source for ``s3://BUCKET/PREFIX`` or an existing directory.

    Raises :class:`UsageError` for anything else, and :class:`SourceError`
    if the S3 client cannot be set up (unknown profile, bad endpoint).
    """
    options = options or SourceOptions()
    if location.startswith("s3://"):
        bucket, _, prefix = location[len("s3://") :].partition("/")
        if not bucket:
            raise UsageError(
                "No bucket named",
                f"{location!r} has no bucket; write s3://BUCKET/PREFIX",
            )
        return S3Source(bucket, prefix, options)
    if "://" in location:
        raise UsageError(
            "Unknown results location",
            f"{location!r}: only s3:// URLs and local directories are read",
        )
    path = Path(location).expanduser()
    if not path.is_dir():
        raise UsageError(
            "Results location not found",
            f"{location!r} is neither an s3://BUCKET/PREFIX URL nor a directory",
            hint="pass s3://exo-benchmark-results/bench/ or a folder of results",
        )
    return DirectorySource(path)

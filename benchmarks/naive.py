"""The naive sync the old browser page did, for comparison: run in its own process.

One ListObjectsV2 call (so at most the first 1,000 keys: everything past
them is silently lost), then a GET of every listed object, one after the
other. Each body goes through the product's own parser and store, so the
only difference from our engine is the access pattern.

Prints one JSON line: duration, request counts, objects listed and loaded,
and the process's CPU time (which shows that the wall time is waiting).
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import boto3
from botocore.config import Config

from exo_benchtui.core.documents import parse_document
from exo_benchtui.core.model import StoredObject
from exo_benchtui.core.store import ResultStore


def naive_sync(endpoint_url: str, bucket: str, prefix: str) -> dict:
    # The same client settings the product uses with a custom endpoint.
    client = boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        config=Config(
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"mode": "standard", "max_attempts": 3},
        ),
    )
    store = ResultStore()
    started = time.perf_counter()
    cpu_started = time.process_time()
    listing = client.list_objects_v2(Bucket=bucket, Prefix=prefix)
    objects = listing.get("Contents", [])
    body_bytes = 0
    for item in objects:
        response = client.get_object(Bucket=bucket, Key=item["Key"])
        body = response["Body"].read()
        body_bytes += len(body)
        outcome = parse_document(
            item["Key"],
            body,
            last_modified=response.get("LastModified"),
            object_metadata=response.get("Metadata"),
        )
        store.put(StoredObject(item["Key"], item["ETag"], item["Size"]), outcome)
    duration_s = time.perf_counter() - started
    return {
        "duration_s": duration_s,
        "cpu_s": time.process_time() - cpu_started,
        "lists": 1,
        "gets": len(objects),
        "listed": len(objects),
        "truncated": bool(listing.get("IsTruncated")),
        "loaded": len(store.runs()),
        "bytes": body_bytes,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--prefix", default="bench/")
    args = parser.parse_args()
    print(json.dumps(naive_sync(args.endpoint_url, args.bucket, args.prefix)))


if __name__ == "__main__":
    main()

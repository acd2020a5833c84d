"""How many requests per second an S3 server answers, with no added latency.

The load comes from one boto3 client shared by many threads (the product's
own pattern) hammering GetObject on realistic documents for a fixed time.
The server runs in its own process, so the figure also gives the server's
CPU time per request (from ``/proc/PID/stat``), which is what decides
whether it, and not the client, would be measured.

``python benchmarks/capacity.py --serve-moto`` runs moto's threaded server
on 127.0.0.1 on a free port and prints ``{"port": ...}``; the harness uses
it to measure moto the same way as the benchmark's own responder.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
from botocore.config import Config

import corpus


def client_for(endpoint_url: str, pool: int):
    """A boto3 S3 client configured as the product configures one."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        config=Config(
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            max_pool_connections=pool,
            retries={"mode": "standard", "max_attempts": 3},
        ),
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def measure(
    endpoint_url: str, keys: list[str], server_pid: int, *, threads: int, seconds: float
) -> dict:
    """GET random keys from ``threads`` threads for ``seconds``; req/s and CPU."""
    client = client_for(endpoint_url, threads)
    client.get_object(Bucket=corpus.BUCKET, Key=keys[0])["Body"].read()  # warm up
    done = [0] * threads
    stop = time.perf_counter() + seconds

    def hammer(slot: int) -> None:
        n = 0
        while time.perf_counter() < stop:
            key = keys[(slot * 7919 + n) % len(keys)]
            client.get_object(Bucket=corpus.BUCKET, Key=key)["Body"].read()
            n += 1
        done[slot] = n

    cpu_before = cpu_seconds(server_pid)
    started = time.perf_counter()
    workers = [threading.Thread(target=hammer, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    server_cpu = cpu_seconds(server_pid) - cpu_before
    total = sum(done)
    return {
        "requests": total,
        "requests_per_s": total / elapsed,
        "server_cpu_ms_per_request": 1000 * server_cpu / total,
        "server_cpu_share": server_cpu / elapsed,
        "threads": threads,
    }


@contextmanager
def run_moto(env: dict[str, str]) -> Iterator[tuple[subprocess.Popen, str]]:
    """moto's threaded server in its own process: (process, endpoint URL)."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve-moto"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        port = json.loads(process.stdout.readline())["port"]
        yield process, f"http://127.0.0.1:{port}"
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fill_moto(endpoint_url: str, docs: list[corpus.Document]) -> list[str]:
    client = client_for(endpoint_url, 4)
    client.create_bucket(Bucket=corpus.BUCKET)
    for doc in docs:
        client.put_object(
            Bucket=corpus.BUCKET, Key=doc.key, Body=doc.body, Metadata=doc.metadata
        )
    return [doc.key for doc in docs]


def _serve_moto() -> None:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    print(json.dumps({"port": server._server.server_address[1]}), flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve-moto", action="store_true", required=True)
    parser.parse_args()
    _serve_moto()

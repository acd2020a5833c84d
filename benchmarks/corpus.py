"""Realistic EXO result documents for the benchmarks, generated in code.

The documents follow the shape of EXO's staged benchmark runner (see
``shared/data/README.md``): ``metadata``, ``cluster``, ``configuration``,
``results.stages[].requests`` and ``metrics.snapshots`` (one sample per half
second per run). Sizes follow the real documents (about 40-200 KB, growing
with run time) and one document in fifty is a long run whose metrics section
reaches a few MB. Nothing here is copied from the real documents; every value
comes from a seeded random generator, so a given ``(seed, index)`` always
gives the same bytes in every process.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

BUCKET = "exo-benchmark-results"
PREFIX = "bench/"
FIRST_RUN_AT = datetime(2024, 1, 1, tzinfo=UTC)
LARGE_EVERY = 50
"""One document in this many has a long run's metrics section (MBs)."""

_ERRORS = (
    "HTTP 500 Internal Server Error\nURL: http://localhost:52415/v1/chat/"
    "completions\nHeaders:\n  server: uvicorn\n  content-length: 21\nBody: ",
    "Connection reset by peer",
    "Remote end closed connection without response",
    "Request timed out after 60.0s",
)


@dataclass(frozen=True, slots=True)
class _Config:
    """One benchmark configuration: the things that make a series."""

    config_file: str
    models: tuple[str, ...]
    hardware: str
    nodes: int
    newer: bool
    sharding: str
    instance_meta: str
    stages: tuple[tuple[str, int, int, float, int], ...]
    """(name, prompt tokens, generation tokens, interval s, iterations)."""
    base_tps: float


_CONFIGS = (
    _Config(
        ".github/configs/bench_simple.yaml",
        ("mlx-community/Kimi-K2-Thinking",),
        "M3ULTRA_GPU80_512GB",
        2,
        True,
        "Tensor",
        "MlxIbv",
        (
            ("pp64_g64", 64, 64, 0.5, 4),
            ("pp256_g64", 256, 64, 0.5, 4),
            ("pp1024_g64", 1024, 64, 0.5, 4),
        ),
        31.0,
    ),
    _Config(
        ".github/configs/bench_simple.yaml",
        ("mlx-community/DeepSeek-V3.1-8bit",),
        "M3ULTRA_GPU80_512GB",
        2,
        True,
        "Pipeline",
        "MlxRing",
        (("pp64_g64", 64, 64, 0.5, 4),),
        24.0,
    ),
    _Config(
        ".github/configs/bench_load.yaml",
        ("mlx-community/Qwen3-0.6B-4bit", "mlx-community/Qwen3-0.6B-4bit"),
        "M3ULTRA_GPU80_512GB",
        4,
        False,
        "",
        "",
        (
            ("warmup", 50, 100, 0.5, 6),
            ("medium_load", 200, 150, 0.3, 8),
            ("stress_test", 500, 200, 0.1, 10),
            ("cooldown", 50, 50, 1.0, 3),
        ),
        190.0,
    ),
    _Config(
        ".github/configs/bench_simple.yaml",
        ("mlx-community/Llama-3.3-70B-Instruct-4bit",),
        "M4PRO_GPU20_64GB",
        2,
        False,
        "",
        "",
        (("pp128_g128", 128, 128, 0.5, 6),),
        12.0,
    ),
    _Config(
        ".github/configs/bench_simple.yaml",
        ("mlx-community/gpt-oss-120b-MXFP4-Q8",),
        "M3ULTRA_GPU80_512GB",
        4,
        True,
        "Tensor",
        "MlxJaccl",
        (("pp64_g64", 64, 64, 0.5, 4), ("pp512_g128", 512, 128, 0.5, 4)),
        58.0,
    ),
)
CONFIGURATIONS = len(_CONFIGS)
"""Document ``i`` has the configuration of document ``i + CONFIGURATIONS``."""


@dataclass(frozen=True, slots=True)
class Document:
    """One generated result document as S3 would hold it."""

    key: str
    body: bytes
    metadata: dict[str, str]
    last_modified: datetime


def _node_id(rng: random.Random) -> str:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    return "12D3KooW" + "".join(rng.choice(alphabet) for _ in range(44))


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _stage(
    rng: random.Random, spec: tuple[str, int, int, float, int], tps: float, t0: float
) -> tuple[dict, dict, float]:
    name, prompt, generation, interval, iterations = spec
    failing = rng.random() < 0.04
    requests = []
    at = t0
    for request_id in range(1, iterations + 1):
        ok = not (failing and rng.random() < 0.6)
        decode = tps * rng.uniform(0.9, 1.1)
        ttft_s = 0.05 + prompt / 2000 * rng.uniform(0.8, 1.2)
        elapsed = ttft_s + generation / decode if ok else 60.0
        requests.append(
            {
                "request_id": request_id,
                "success": ok,
                "tokens": generation if ok else 0,
                "elapsed_s": round(elapsed, 3),
                "started_at": at,
                "completed_at": at + elapsed,
                "time_to_first_token_s": round(ttft_s, 3) if ok else None,
                "decode_tps": round(decode, 2) if ok else None,
                "error": None if ok else rng.choice(_ERRORS),
            }
        )
        at += interval + (elapsed if interval < 0.4 else 0)
    good = [r for r in requests if r["success"]]
    # The runner leaves the first successful request out of the averages.
    timed = good[1:] or good
    successful = len(good)

    def mean(values: list[float]) -> float | None:
        return round(sum(values) / len(values), 3) if values else None

    def std(values: list[float]) -> float | None:
        if not values:
            return None
        m = sum(values) / len(values)
        return round((sum((v - m) ** 2 for v in values) / len(values)) ** 0.5, 3)

    tokens = sum(r["tokens"] for r in good)
    ms_per_token = [1000 / r["decode_tps"] for r in timed]
    completed = max(r["completed_at"] for r in requests)
    result = {
        "name": name,
        "total_requests": iterations,
        "successful_requests": successful,
        "failed_requests": iterations - successful,
        "success_rate": round(successful / iterations, 4),
        "total_tokens": tokens,
        "avg_tokens_per_request": tokens / successful if successful else None,
        "avg_time_per_request": mean([r["elapsed_s"] for r in good]),
        "avg_time_to_first_token": mean([r["time_to_first_token_s"] for r in timed]),
        "std_time_to_first_token": std([r["time_to_first_token_s"] for r in timed]),
        "avg_decode_tps": mean([r["decode_tps"] for r in timed]),
        "avg_ms_per_token": mean(ms_per_token),
        "std_ms_per_token": std(ms_per_token),
        "stage_started_at": t0,
        "stage_completed_at": completed,
        "stage_duration_s": completed - t0,
        "requests": requests,
    }
    config = {
        "name": name,
        "prompt_length": prompt,
        "generation_length": generation,
        "time_between_requests": interval,
        "iterations": iterations,
    }
    return config, result, completed


def _snapshots(
    rng: random.Random,
    count: int,
    t0: float,
    nodes: list[str],
    instances: list[str],
) -> list[dict]:
    ram_total = 549_755_813_888
    used = [rng.randrange(20, 430) * 1_000_000_000 for _ in nodes]
    snapshots = []
    for i in range(count):
        busy = rng.random() < 0.5
        snapshots.append(
            {
                "timestamp": t0 + 0.5 * i,
                "node_memory": {
                    node: {
                        "ram_total_bytes": ram_total,
                        "ram_available_bytes": ram_total - used[n] - i * 4096,
                        "ram_used_bytes": used[n] + i * 4096,
                        "swap_total_bytes": 0,
                        "swap_available_bytes": 0,
                        "swap_used_bytes": 0,
                    }
                    for n, node in enumerate(nodes)
                },
                "instance_tasks": [
                    {
                        "instance_id": instance,
                        "node_id": nodes[n % len(nodes)],
                        "pending_tasks": int(busy and rng.random() < 0.3),
                        "running_tasks": int(busy),
                        "total_active_tasks": int(busy),
                    }
                    for n, instance in enumerate(instances)
                ],
                "node_tasks": [
                    {
                        "node_id": node,
                        "pending_tasks": 0,
                        "running_tasks": int(busy and n == 0),
                        "total_active_tasks": int(busy and n == 0),
                        "instance_count": 1,
                    }
                    for n, node in enumerate(nodes)
                ],
            }
        )
    return snapshots


def completed_at(index: int, seed: int = 7) -> datetime:
    """When document ``index`` finished: about 20 runs a day from 2024-01-01."""
    rng = random.Random(f"{seed}:time:{index}")
    # Jitter below the spacing keeps keys in index order, and any index is
    # found without generating the ones before it.
    minutes = index * 72 + rng.randrange(0, 60)
    return FIRST_RUN_AT + timedelta(minutes=minutes, seconds=index % 60)


def make_document(index: int, seed: int = 7) -> Document:
    """Document number ``index`` of the corpus; keys sort in index order."""
    rng = random.Random(f"{seed}:{index}")
    config = _CONFIGS[index % len(_CONFIGS)]
    finished = completed_at(index, seed)
    # A slow drift plus noise, and a step regression a third of the way in.
    drift = 1.0 + 0.1 * ((index // 500) % 5) / 5
    step = 0.85 if index % 3000 > 1000 else 1.0
    tps = config.base_tps * drift * step
    commit = hashlib.sha1(f"{seed}:{index}:commit".encode()).hexdigest()
    run_id = 19_000_000_000 + index * 37
    long_run = index % LARGE_EVERY == LARGE_EVERY - 1
    snapshot_count = rng.randrange(600, 1500) if long_run else rng.randrange(30, 120)
    run_s = snapshot_count * 0.5
    started = finished.timestamp() - run_s - 5.0
    nodes = [_node_id(rng) for _ in range(config.nodes)]
    instances = [_uuid(rng) for _ in config.models]
    configs, results = [], []
    t = started + 5.0
    for spec in config.stages:
        stage_config, result, t = _stage(rng, spec, tps, t)
        configs.append(stage_config)
        results.append(result)
    cluster: dict = {
        "model_ids": list(config.models),
        "instance_ids": instances,
        "instance_count": len(instances),
        "runner_count": config.nodes,
    }
    if config.newer:
        cluster["sharding"] = config.sharding
        cluster["instance_meta"] = config.instance_meta
    else:
        cluster["strategy"] = None if len(config.models) > 1 else "tensor"
    document = {
        "metadata": {
            "benchmark_started_at": started,
            "benchmark_completed_at": finished.timestamp(),
            "total_duration_s": run_s + 5.0,
            "git_commit": commit,
            "config_file": config.config_file,
            "hardware_labels": [config.hardware],
            "expected_nodes": config.nodes,
            "timeout_seconds": 1800,
        },
        "cluster": cluster,
        "configuration": {"stages": configs},
        "results": {"stages": results},
        "metrics": {
            "snapshots": _snapshots(rng, snapshot_count, started, nodes, instances)
        },
    }
    key = f"{PREFIX}{finished:%Y/%m/%d/%H%M%S}_{commit[:8]}_{run_id}.json"
    body = json.dumps(document).encode("utf-8")
    metadata = {"commit": commit, "run_id": str(run_id), "branch": "main"}
    return Document(key, body, metadata, finished + timedelta(seconds=3))


def make_corpus(count: int, seed: int = 7) -> list[Document]:
    """Documents ``0 .. count-1``, oldest (and lowest key) first."""
    return [make_document(i, seed) for i in range(count)]

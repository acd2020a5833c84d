"""Small, valid EXO result documents built in code, for the tests.

The shape follows EXO's staged benchmark runner (see the core issue); every
figure can be overridden so a test states the numbers it checks.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

DEFAULT_COMPLETED = datetime(2025, 11, 12, 2, 20, 1, tzinfo=UTC)


def make_request(
    request_id: int, *, success: bool = True, error: str | None = None, **extra
) -> dict[str, Any]:
    """One entry of ``results.stages[].requests``."""
    started = 1_762_913_957.0 + request_id * 2.5
    request = {
        "request_id": request_id,
        "success": success,
        "tokens": 64 if success else 0,
        "elapsed_s": 2.2 if success else 60.0,
        "started_at": started,
        "completed_at": started + 2.2,
        "time_to_first_token_s": 0.3 if success else None,
        "decode_tps": 33.5 if success else None,
        "error": None if success else error,
    }
    request.update(extra)
    return request


def make_stage(
    name: str = "pp64_g64",
    *,
    prompt_length: int = 64,
    generation_length: int = 64,
    iterations: int = 4,
    time_between_requests: float = 0.5,
    errors: tuple[str | None, ...] = (),
    **figures,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A (configuration stage, results stage) pair.

    ``errors`` lists the error messages of failed requests (None for a failed
    request with no message); the counts and success rate follow from them
    unless ``figures`` overrides them.
    """
    config = {
        "name": name,
        "prompt_length": prompt_length,
        "generation_length": generation_length,
        "time_between_requests": time_between_requests,
        "iterations": iterations,
    }
    failed = len(errors)
    successful = iterations - failed
    requests = [make_request(i + 1) for i in range(successful)]
    requests += [
        make_request(successful + i + 1, success=False, error=message)
        for i, message in enumerate(errors)
    ]
    result = {
        "name": name,
        "total_requests": iterations,
        "successful_requests": successful,
        "failed_requests": failed,
        "success_rate": round(successful / iterations, 4) if iterations else 0.0,
        "total_tokens": successful * generation_length,
        "avg_tokens_per_request": float(generation_length) if successful else None,
        "avg_time_per_request": 2.192,
        "avg_time_to_first_token": 0.3,
        "std_time_to_first_token": 0.025,
        "avg_decode_tps": 33.67,
        "avg_ms_per_token": 29.7,
        "std_ms_per_token": 0.39,
        "stage_started_at": 1_762_913_957.0,
        "stage_completed_at": 1_762_913_967.0,
        "stage_duration_s": 10.0,
        "requests": requests,
    }
    result.update(figures)
    return config, result


def make_document(
    *,
    completed_at: datetime = DEFAULT_COMPLETED,
    commit: str = "133fed9b830b3e52d906e9e24f3379afc192ebd5",
    models: tuple[str, ...] = ("mlx-community/Kimi-K2-Thinking",),
    hardware: tuple[str, ...] = ("puffin4",),
    config_file: str = ".github/configs/bench_simple.yaml",
    sharding: str | None = "Tensor",
    instance_meta: str | None = "MlxIbv",
    strategy: str | None = None,
    stages: list[tuple[dict[str, Any], dict[str, Any]]] | None = None,
    snapshots: int = 3,
) -> dict[str, Any]:
    """A whole document. With ``strategy`` set it is of the older generation."""
    stages = stages if stages is not None else [make_stage()]
    finished = completed_at.timestamp()
    cluster: dict[str, Any] = {
        "model_ids": list(models),
        "instance_ids": [f"instance-{i}" for i in range(len(models))],
        "instance_count": len(models),
        "runner_count": 2,
    }
    if strategy is not None or (sharding is None and instance_meta is None):
        cluster["strategy"] = strategy
    else:
        cluster["sharding"] = sharding
        cluster["instance_meta"] = instance_meta
    node_ids = ["12D3KooWNodeA", "12D3KooWNodeB"]
    return {
        "metadata": {
            "benchmark_started_at": finished - 75.0,
            "benchmark_completed_at": finished,
            "total_duration_s": 75.0,
            "git_commit": commit,
            "config_file": config_file,
            "hardware_labels": list(hardware),
            "expected_nodes": 2,
            "timeout_seconds": 1800,
        },
        "cluster": cluster,
        "configuration": {"stages": [config for config, _ in stages]},
        "results": {"stages": [result for _, result in stages]},
        "metrics": {
            "snapshots": [
                {
                    "timestamp": finished - 60.0 + 0.5 * i,
                    "node_memory": {
                        node: {
                            "ram_total_bytes": 549_755_813_888,
                            "ram_available_bytes": 125_212_343_124 - i * 1000,
                            "ram_used_bytes": 424_543_470_764 + i * 1000,
                            "swap_total_bytes": 0,
                            "swap_available_bytes": 0,
                            "swap_used_bytes": 0,
                        }
                        for node in node_ids
                    },
                    "instance_tasks": [
                        {
                            "instance_id": "instance-0",
                            "node_id": node_ids[0],
                            "pending_tasks": i % 2,
                            "running_tasks": 1,
                            "total_active_tasks": 1 + i % 2,
                        }
                    ],
                    "node_tasks": [
                        {
                            "node_id": node,
                            "pending_tasks": i % 2,
                            "running_tasks": 1,
                            "total_active_tasks": 1 + i % 2,
                            "instance_count": 1,
                        }
                        for node in node_ids
                    ],
                }
                for i in range(snapshots)
            ]
        },
    }


def document_key(
    completed_at: datetime = DEFAULT_COMPLETED,
    commit: str = "133fed9b830b3e52d906e9e24f3379afc192ebd5",
    run_id: int = 19283390447,
    prefix: str = "bench/",
) -> str:
    """The S3 key EXO's CI job would use for a run."""
    return f"{prefix}{completed_at:%Y/%m/%d/%H%M%S}_{commit[:8]}_{run_id}.json"


def encode(document: Any) -> bytes:
    return json.dumps(document).encode("utf-8")

"""Series: which run-stages are comparable, and how they are named for people."""

from __future__ import annotations

from collections.abc import Iterable

from exo_benchtui.core.model import SeriesKey

# How EXO's ``instance_meta`` values read for people.
_INSTANCE_META_NAMES = {
    "mlxibv": "MLX IBV",
    "mlxring": "MLX Ring",
    "mlxjaccl": "MLX JACCL",
}


def strategy_label(
    sharding: str | None, instance_meta: str | None, strategy: str | None
) -> str | None:
    """The strategy written for people.

    ``Tensor`` + ``MlxIbv`` gives ``Tensor (MLX IBV)``; without the newer
    fields the older ``strategy`` is used as it is; otherwise None.
    """
    if sharding:
        if not instance_meta:
            return sharding
        meta = _INSTANCE_META_NAMES.get(instance_meta.lower(), instance_meta)
        return f"{sharding} ({meta})"
    if instance_meta:
        return _INSTANCE_META_NAMES.get(instance_meta.lower(), instance_meta)
    return strategy or None


def short_model_name(model_id: str) -> str:
    """``mlx-community/Kimi-K2-Thinking`` becomes ``Kimi-K2-Thinking``."""
    return model_id.rsplit("/", 1)[-1] or model_id


def _number(value: float) -> str:
    return f"{value:g}"


def _name_says_load(key: SeriesKey) -> bool:
    """True for stage names like ``pp256_g64`` that repeat the load."""
    digits = "".join(c if c.isdigit() else " " for c in key.stage_name).split()
    wanted = [str(n) for n in (key.prompt_tokens, key.generation_tokens) if n]
    return bool(wanted) and digits == wanted


def series_label(key: SeriesKey) -> str:
    """A short readable label, for example
    ``Kimi-K2-Thinking · pp256/tg64 ×5 @2s · Tensor (MLX IBV) · puffin4+puffin8``.

    Repeated models are counted (``Qwen3-0.6B-4bit ×2``); parts the documents
    did not give are left out.
    """
    names: dict[str, int] = {}
    for model in key.models:
        name = short_model_name(model)
        names[name] = names.get(name, 0) + 1
    models = "+".join(
        name if count == 1 else f"{name} ×{count}" for name, count in names.items()
    )
    load = ""
    if key.prompt_tokens is not None or key.generation_tokens is not None:
        prompt = "?" if key.prompt_tokens is None else key.prompt_tokens
        generation = "?" if key.generation_tokens is None else key.generation_tokens
        load = f"pp{prompt}/tg{generation}"
    if key.iterations is not None:
        load += f" ×{key.iterations}"
    if key.request_interval_s is not None:
        load += f" @{_number(key.request_interval_s)}s"
    parts = [models or "unknown model"]
    if not _name_says_load(key):
        parts.append(key.stage_name)
    parts.append(load.strip())
    parts.append(key.strategy or "")
    parts.append("+".join(key.hardware))
    return " · ".join(part for part in parts if part)


def distinct_labels(keys: Iterable[SeriesKey]) -> dict[str, str]:
    """Each series' label by id, made distinct where two would read the same.

    Labels leave out the config file and the models' organisations, so two
    series can share one; those get the config file's name added, and where
    that is not enough either, the start of their id.
    """
    keys = list(keys)
    labels = {key.id: series_label(key) for key in keys}
    for _ in range(2):
        seen: dict[str, list[SeriesKey]] = {}
        for key in keys:
            seen.setdefault(labels[key.id], []).append(key)
        clashes = [group for group in seen.values() if len(group) > 1]
        if not clashes:
            break
        for group in clashes:
            configs = {key.config_file for key in group}
            for key in group:
                if len(configs) == len(group) and key.config_file:
                    extra = key.config_file.rsplit("/", 1)[-1]
                else:
                    extra = f"#{key.id[:6]}"
                labels[key.id] = f"{labels[key.id]} · {extra}"
    return labels

"""The model and capability catalog: the rows of ``data/models.json`` and the functions that query them.

The rows are data (one JSON file, read once when this module is imported, shipped in the wheel):
each is a full spec ``Model`` as the API returns it, except ``economics``, which follows from the
row's ``pricing`` and the spec's credit margin (``pricing.credit_pricing``) and is derived here.
Parameter schemas are real JSON Schemas with ``additionalProperties: false`` holding only
executable keys; cataloged keys are listed for planning but fail closed (``CAPABILITY_DENIED``).
Prices are provider USD per image. The mock renders at most ``MAX_RENDER_EDGE`` px on the long
edge, so 4K-class requests are rendered (and reported) at 2048 px while still priced at their tier.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any, Final

from image_skill_api.registry import ENUMS
from image_skill_mock import suggested
from image_skill_mock.creative.pricing import credit_pricing

#: The two operations a model runs (the spec's ``Operation``): create runs GENERATE models, edit EDIT ones.
GENERATE, EDIT = ENUMS["Operation"]
MAX_RENDER_EDGE: Final = 2048
#: Per-megapixel models quote their per-image estimate for an output of this many pixels (1024 x 1024).
QUOTE_PIXELS: Final = 1024 * 1024
_PRICE_STEP = Decimal("0.00001")


def _load(path: Path | None = None) -> dict[str, Any]:
    """The packaged catalog, or the catalog data file at ``path`` (``serve --catalog``)."""
    source = path if path is not None else files("image_skill_mock").joinpath("data", "models.json")
    data: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    return data


def is_executable(model: Mapping[str, Any]) -> bool:
    """Available, wired, and not retired (a retired model never runs: ``lifecycle.retire``)."""
    return bool(
        model["status"] == "available"
        and model["execution"]["model_execution_status"] == "executable"
        and model.get("lifecycle", ACTIVE)["state"] != RETIRED
    )


def _per_megapixel(usd_per_megapixel: float, pixels: int) -> Decimal:
    return (Decimal(str(usd_per_megapixel)) * Decimal(pixels) / 1_000_000).quantize(_PRICE_STEP)


def quoted_usd_per_image(pricing: Mapping[str, Any]) -> Decimal | None:
    """The per-image price a catalog row advertises (per-megapixel prices quoted at ``QUOTE_PIXELS``)."""
    if pricing["usd_per_image"] is not None:
        return Decimal(str(pricing["usd_per_image"]))
    if pricing["usd_per_megapixel"] is not None:
        return _per_megapixel(pricing["usd_per_megapixel"], QUOTE_PIXELS)
    return None


def with_economics(
    row: Mapping[str, Any], *, default_id: str = "", aliases: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The row as the API serves it: ``economics`` derived from ``pricing`` (placed after
    ``execution``), and the flat summary fields of a compact row."""
    for derived in ("economics", *_FLAT_KEYS):
        if derived in row:
            raise ValueError(f"catalog: {row['id']} states `{derived}`; it is derived")
    usd = quoted_usd_per_image(row["pricing"])
    pricing = credit_pricing(usd, 1, confidence=row["pricing"]["confidence"])
    flat_usd = float(usd) if usd is not None else None
    economics = {"credit_pricing": pricing, "estimated_usd_per_image": flat_usd}
    served: dict[str, Any] = {}
    for key, value in row.items():
        served[key] = value
        if key == "execution":
            served["economics"] = economics
    classes = row["media"]["output"].get("resolution_classes") or [None]
    lifecycle = dict(row.get("lifecycle") or ACTIVE)
    if lifecycle["state"] == RETIRED:
        served["status"] = "unavailable"  # a retired model never runs (`available` filters it out)
    served.update(
        default=row["id"] == default_id,
        lifecycle=lifecycle,
        aliases=sorted(alias for alias, target in (aliases or {}).items() if target == row["id"]),
        show_command=suggested.models_show(row["id"]),
        estimated_usd_per_image=economics["estimated_usd_per_image"],
        credits_required=pricing["credits_required"],
        task_tags=_task_tags(row),
        max_outputs_per_request=row["media"]["output"]["max_outputs_per_request"],
        max_resolution_class=classes[-1],
    )
    return served


def _task_tags(row: Mapping[str, Any]) -> list[str]:
    tags = [row["supports"][0], row["operation"]]
    tags += ["mask"] if row["mask"]["supported"] else []
    tags += ["references"] if row["references"]["supported"] else []
    return [*tags, "seed"] if "seed" in row["model_parameters"]["executable_keys"] else tags


#: A model's lifecycle when its row states none.
ACTIVE: Final = {"state": "active", "retired_at": None, "redirects_to": None}
RETIRED: Final = "retired"
_FLAT_KEYS: Final = ("default", "aliases", "show_command", "estimated_usd_per_image", "credits_required")
_SUMMARY_KEYS: Final = (
    "id",
    "display_name",
    "provider",
    "capability_id",
    "status",
    "operation",
    "supports",
    "execution",
    "economics",
    "latency_class",
    "default",
    "lifecycle",
    "aliases",
    "show_command",
    "estimated_usd_per_image",
    "credits_required",
    "task_tags",
    "max_outputs_per_request",
    "max_resolution_class",
)

HOSTED_DEFAULT_MODEL_ID: str
#: The edit model ``hosted_default_edit_v1`` prefers when it can run the request.
HOSTED_DEFAULT_EDIT_MODEL_ID: str
#: Pixel sizes of the named ``image_size`` presets.
PRESET_SIZES: dict[str, tuple[int, int]]
#: Long edge (px) of a resolution class or auto size preset, before the mock's render cap.
LONG_EDGES: dict[str, int]
#: Every model, executable ones first (otherwise in file order).
MODELS: tuple[dict[str, Any], ...]
#: Other names of models (``models show nano-banana``): alias -> model id.
ALIASES: dict[str, str]
_BY_ID: dict[str, dict[str, Any]]
_BY_CAPABILITY: dict[str, dict[str, Any]]
#: Which install is served (one more per ``install``): what an answer remembered from the catalog is
#: keyed on, so a catalog installed later is never answered from the one it replaced.
GENERATION = 0


def install(path: Path | None = None) -> Path | None:
    """Serve the catalog of ``path`` (``serve --catalog``; None: the packaged one). One catalog per
    process; returns ``path`` so a test can put back what it replaced. A file whose rows break their
    own rules (a redirect to an unknown or retired model, an alias of no model) is refused."""
    # The catalog is module state read as ``catalog.MODELS`` etc.; this is the one place that sets it.
    global HOSTED_DEFAULT_MODEL_ID, HOSTED_DEFAULT_EDIT_MODEL_ID, PRESET_SIZES, LONG_EDGES  # noqa: PLW0603
    global MODELS, ALIASES, _BY_ID, _BY_CAPABILITY, GENERATION  # noqa: PLW0603
    data = _load(path)
    aliases = {str(alias): str(target) for alias, target in data.get("aliases", {}).items()}
    default_id = data["hosted_default_model_id"]
    rows = [with_economics(row, default_id=default_id, aliases=aliases) for row in data["models"]]
    by_id = {m["id"]: m for m in rows}
    _check(by_id, aliases)
    HOSTED_DEFAULT_MODEL_ID = default_id
    HOSTED_DEFAULT_EDIT_MODEL_ID = data["hosted_default_edit_model_id"]
    PRESET_SIZES = {name: (width, height) for name, (width, height) in data["image_size_presets"].items()}
    LONG_EDGES = dict(data["resolution_long_edges"])
    MODELS = tuple(sorted(rows, key=lambda row: not is_executable(row)))
    ALIASES, _BY_ID = aliases, by_id
    _BY_CAPABILITY = {m["capability_id"]: m for m in MODELS}
    GENERATION += 1
    return path


def _check(by_id: Mapping[str, Mapping[str, Any]], aliases: Mapping[str, str]) -> None:
    for alias, target in aliases.items():
        if target not in by_id or alias in by_id:
            raise ValueError(f"catalog: alias {alias!r} names no model, or shadows a model id")
    for model in by_id.values():
        successor = by_id.get(model["lifecycle"]["redirects_to"] or "")
        if model["lifecycle"]["redirects_to"] and (successor is None or not is_executable(successor)):
            raise ValueError(f"catalog: {model['id']} redirects to a model that cannot run")


install()


def get_model(model_id: str) -> dict[str, Any] | None:
    return _BY_ID.get(model_id)


def executable_models(operation: str) -> list[dict[str, Any]]:
    """The executable models of an operation (``image.generate`` or ``image.edit``), in catalog order."""
    return [m for m in MODELS if is_executable(m) and m["operation"] == operation]


def model_summary(model: Mapping[str, Any]) -> dict[str, Any]:
    return {key: model[key] for key in _SUMMARY_KEYS}


def capability(model: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": model["capability_id"],
        "operation": model["operation"],
        "description": model["description"],
        "model_ids": [model["id"]],
        "parameter_schema": model["model_parameters"]["schema"],
        "status": model["execution"]["model_execution_status"],
    }


def get_capability(capability_id: str) -> dict[str, Any] | None:
    model = _BY_CAPABILITY.get(capability_id)
    return capability(model) if model else None


def _effective(model: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    return {**model["defaults"], **params}


def estimate_usd_per_image(
    model: Mapping[str, Any], params: Mapping[str, Any], width: int, height: int
) -> Decimal | None:
    """The provider price of one output, or None when it is unknown before execution."""
    pricing = model["pricing"]
    effective = _effective(model, params)
    for tier in pricing["tiers"]:
        key = tier["parameter"]
        value = (
            f"{effective.get('quality')}:{effective.get('size')}"
            if key == "quality+size"
            else effective.get(key)
        )
        if value == tier["value"]:
            return Decimal(str(tier["usd_per_image"]))
    if pricing["kind"] == "token_estimate":  # only a concrete quality and size can be estimated
        return None
    if pricing["kind"] == "per_megapixel":
        if effective.get("image_size") == "auto":
            return None
        return _per_megapixel(pricing["usd_per_megapixel"], width * height)
    if pricing["usd_per_image"] is not None:
        return Decimal(str(pricing["usd_per_image"]))
    return None


def _by_aspect(aspect_ratio: str, long_edge: int, source: tuple[int, int] | None = None) -> tuple[int, int]:
    if aspect_ratio == "auto":
        if source is None:
            return long_edge, long_edge
        w, h = source  # an edit's input: keep its aspect ratio
    else:
        w, h = (int(x) for x in aspect_ratio.split(":"))
    if w >= h:
        return long_edge, max(1, round(long_edge * h / w))
    return max(1, round(long_edge * w / h)), long_edge


def output_size(
    model: Mapping[str, Any],
    aspect_ratio: str,
    params: Mapping[str, Any],
    *,
    source: tuple[int, int] | None = None,
) -> tuple[int, int, str]:
    """(width, height, resolution_class) of one output, capped at MAX_RENDER_EDGE on the long edge.

    ``source``: an edit input's size; ``auto`` keeps its aspect ratio (else ``auto`` is square)."""
    effective = _effective(model, params)
    size = effective.get("size")
    image_size = effective.get("image_size")
    resolution = effective.get("resolution")
    if isinstance(size, str) and "x" in size:
        w, h = (int(x) for x in size.split("x"))
        return w, h, size
    if isinstance(image_size, str) and image_size in PRESET_SIZES:
        w, h = PRESET_SIZES[image_size]
        return w, h, image_size
    if isinstance(image_size, Mapping):  # explicit pixels (DreamO), validated by the model's schema
        w, h = int(image_size["width"]), int(image_size["height"])
        return w, h, f"{w}x{h}"
    label = str(resolution or image_size or "1k")
    long_edge = min(LONG_EDGES.get(label, 1024), MAX_RENDER_EDGE)
    w, h = _by_aspect(aspect_ratio, long_edge, source)
    return w, h, label

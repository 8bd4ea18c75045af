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
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from importlib.resources import files
from typing import Any, Final

from image_skill_api.registry import ENUMS, ErrorCode
from image_skill_mock import suggested
from image_skill_mock.creative.pricing import credit_pricing
from image_skill_mock.errors import ApiError

#: The two operations a model runs (the spec's ``Operation``): create runs GENERATE models, edit EDIT ones.
GENERATE, EDIT = ENUMS["Operation"]
MAX_RENDER_EDGE: Final = 2048
#: Per-megapixel models quote their per-image estimate for an output of this many pixels (1024 x 1024).
QUOTE_PIXELS: Final = 1024 * 1024
_PRICE_STEP = Decimal("0.00001")


def _load() -> dict[str, Any]:
    text = files("image_skill_mock").joinpath("data", "models.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def is_executable(model: Mapping[str, Any]) -> bool:
    return bool(
        model["status"] == "available" and model["execution"]["model_execution_status"] == "executable"
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


def with_economics(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row as the API serves it: ``economics`` derived from ``pricing``, placed after ``execution``."""
    if "economics" in row:
        raise ValueError(f"data/models.json: {row['id']} states `economics`; it is derived from `pricing`")
    usd = quoted_usd_per_image(row["pricing"])
    economics = {
        "credit_pricing": credit_pricing(usd, 1, confidence=row["pricing"]["confidence"]),
        "estimated_usd_per_image": float(usd) if usd is not None else None,
    }
    served: dict[str, Any] = {}
    for key, value in row.items():
        served[key] = value
        if key == "execution":
            served["economics"] = economics
    return served


_DATA: Final = _load()
HOSTED_DEFAULT_MODEL_ID: Final[str] = _DATA["hosted_default_model_id"]
#: The edit model ``hosted_default_edit_v1`` prefers when it can run the request.
HOSTED_DEFAULT_EDIT_MODEL_ID: Final[str] = _DATA["hosted_default_edit_model_id"]
#: Pixel sizes of the named ``image_size`` presets.
PRESET_SIZES: Final[dict[str, tuple[int, int]]] = {
    name: (width, height) for name, (width, height) in _DATA["image_size_presets"].items()
}
#: Long edge (px) of a resolution class or auto size preset, before the mock's render cap.
LONG_EDGES: Final[dict[str, int]] = dict(_DATA["resolution_long_edges"])
#: Every model, executable ones first (otherwise in file order).
MODELS: Final[tuple[dict[str, Any], ...]] = tuple(
    with_economics(row) for row in sorted(_DATA["models"], key=lambda row: not is_executable(row))
)
_BY_ID: Final = {m["id"]: m for m in MODELS}
_BY_CAPABILITY: Final = {m["capability_id"]: m for m in MODELS}
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
)


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


# ------------------------------------------------------------------ the catalog's answers
#: The ``models list`` lines a model list recommends (one per operation).
RECOMMENDED: Final = [suggested.MODELS_LIST_FOR[GENERATE], suggested.MODELS_LIST_FOR[EDIT]]
FULL_CATALOG_FLAGS: Final = ["--catalog-only", "--provider fal|xai|openai"]


def _keep(model: dict[str, Any], query: dict[str, Any]) -> bool:
    executable = is_executable(model)
    checks = (
        query.get("available") is None or (model["status"] == "available") == query["available"],
        query.get("executable") is None
        or (model["execution"]["model_execution_status"] == "executable") == query["executable"],
        not query.get("catalog_only") or not executable,
        query.get("operation") in (None, model["operation"]),
        query.get("provider") in (None, model["provider"]),
    )
    return all(checks)


def models_data(query: dict[str, Any]) -> dict[str, Any]:
    """``GET /v1/models``: the models ``query`` keeps, with the whole catalog's summary."""
    rows = [m for m in MODELS if _keep(m, query)]
    return {
        "models": [model_summary(m) for m in rows],
        "summary": {
            "total": len(MODELS),
            "returned": len(rows),
            "available": sum(m["status"] == "available" for m in MODELS),
            "executable": sum(is_executable(m) for m in MODELS),
            "cataloged_not_wired": sum(not is_executable(m) for m in MODELS),
            "providers": dict(sorted(Counter(m["provider"] for m in MODELS).items())),
            "first_actionable_model_ids": [m["id"] for m in rows if is_executable(m)],
            "recommended_filter_commands": RECOMMENDED,
            "full_catalog_flags": FULL_CATALOG_FLAGS,
        },
    }


def _found(value: dict[str, Any] | None, what: str, command: str) -> dict[str, Any]:
    if value is None:
        raise ApiError(
            ErrorCode.NOT_FOUND, f"No {what} has this id.", recovery={"suggested_command": command}
        )
    return value


def model_data(model_id: str) -> dict[str, Any]:
    """``GET /v1/models/{model_id}``."""
    return {"model": _found(get_model(model_id), "model", suggested.MODELS_LIST)}


def capabilities_data() -> dict[str, Any]:
    """``GET /v1/capabilities``."""
    return {"capabilities": [capability(m) for m in MODELS]}


def capability_data(capability_id: str) -> dict[str, Any]:
    """``GET /v1/capabilities/{capability_id}``."""
    return {"capability": _found(get_capability(capability_id), "capability", suggested.CAPABILITIES_LIST)}

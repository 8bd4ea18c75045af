"""The model and capability catalog: every model the contract names, built by small helpers.

Each row is a full spec ``Model`` (which includes ``ModelSummary``). Parameter schemas are real
JSON Schemas with ``additionalProperties: false`` holding only executable keys; cataloged keys
are listed for planning but fail closed (``CAPABILITY_DENIED``). Prices are provider USD per
image; credits follow from ``pricing``. The mock renders at most 2048 px on the long edge, so
4K-class requests are rendered (and reported) at 2048 px while still priced at their tier.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from image_skill_mock.pricing import credit_pricing

HOSTED_DEFAULT_MODEL_ID: Final = "xai.grok-imagine-image-quality"
HOSTED_DEFAULT_POLICY: Final = "hosted_default_create_v1"
MAX_RENDER_EDGE: Final = 2048

ASPECT_RATIOS = ["1:1", "4:3", "3:4", "16:9", "9:16", "3:2", "2:3", "21:9"]
SEED = {"type": "integer", "minimum": 0, "maximum": 4294967295, "description": "Deterministic seed."}
FAL_IMAGE_SIZES = ["square_hd", "square", "portrait_4_3", "portrait_16_9", "landscape_4_3", "landscape_16_9"]
PRESET_SIZES: Final[dict[str, tuple[int, int]]] = {
    "square_hd": (1024, 1024),
    "square": (512, 512),
    "portrait_4_3": (768, 1024),
    "portrait_16_9": (576, 1024),
    "landscape_4_3": (1024, 768),
    "landscape_16_9": (1024, 576),
}
#: Long edge (px) of a resolution class or auto size preset, before the mock's render cap.
LONG_EDGES: Final[dict[str, int]] = {
    "0.5K": 512,
    "1k": 1024,
    "1K": 1024,
    "2k": 2048,
    "2K": 2048,
    "4K": 4096,
    "auto_2K": 2048,
    "auto_3K": 3072,
    "auto_4K": 4096,
}


def enum(*values: str, description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "enum": list(values)}
    if description:
        schema["description"] = description
    return schema


def _model(
    model_id: str,
    name: str,
    *,
    operation: str = "image.generate",
    params: Mapping[str, dict[str, Any]] | None = None,
    cataloged: tuple[str, ...] = (),
    defaults: Mapping[str, Any] | None = None,
    fixed: Mapping[str, Any] | None = None,
    usd: str | None = None,
    per_mp: str | None = None,
    tiers: tuple[tuple[str, str, str], ...] = (),
    kind: str | None = None,
    max_outputs: int = 1,
    resolution_classes: tuple[str, ...] = (),
    references: dict[str, Any] | None = None,
    mask: bool = False,
    executable: bool = True,
    latency: str = "standard",
    description: str = "",
    hints: tuple[str, ...] = (),
) -> dict[str, Any]:
    provider = model_id.split(".", 1)[0]
    verb = "edit" if operation == "image.edit" else "create"
    slug = model_id.replace(".", "-")
    price = Decimal(usd) if usd is not None else None
    if kind is None:
        kind = "per_image" if price is not None else "per_megapixel" if per_mp else "unknown"
    confidence = {"per_image": "known", "per_megapixel": "estimated", "token_estimate": "estimated"}.get(
        kind, "unknown"
    )
    if per_mp:  # quoted for the default 1024x1024 output
        price = (Decimal(per_mp) * Decimal(1024 * 1024) / Decimal(1_000_000)).quantize(Decimal("0.00001"))
    params = dict(params or {})
    return {
        "id": model_id,
        "display_name": name,
        "provider": provider,
        "capability_id": f"is.image.{operation.split('.')[1]}.{slug}.v1",
        "status": "available" if executable else "unavailable",
        "operation": operation,
        "supports": [verb],
        "execution": {"model_execution_status": "executable" if executable else "cataloged_not_wired"},
        "economics": {
            "credit_pricing": credit_pricing(price, 1, confidence=confidence),
            "estimated_usd_per_image": float(price) if price is not None else None,
        },
        "latency_class": latency,
        "description": description or f"{name} ({verb}) via {provider}.",
        "media": {
            "input": {
                "types": ["text", "image"] if verb == "edit" else ["text"],
                "requires_input_asset": verb == "edit",
            },
            "output": {
                "types": ["image/png"],
                "max_outputs_per_request": max_outputs,
                "aspect_ratios": ["auto", *ASPECT_RATIOS] if verb == "edit" else ASPECT_RATIOS,
                "resolution_classes": list(resolution_classes),
            },
        },
        "model_parameters": {
            "schema": {"type": "object", "additionalProperties": False, "properties": params},
            "executable_keys": sorted(params),
            "cataloged_keys": list(cataloged),
        },
        "defaults": dict(defaults or {}),
        "fixed_controls": dict(fixed or {}),
        "pricing": {
            "kind": kind,
            "confidence": confidence,
            "usd_per_image": float(price) if price is not None and not per_mp else None,
            "usd_per_megapixel": float(Decimal(per_mp)) if per_mp else None,
            "tiers": [{"parameter": p, "value": v, "usd_per_image": float(Decimal(u))} for p, v, u in tiers],
        },
        "safety": {
            "moderation": "provider_and_hosted",
            "controls": ["moderation"] if provider == "openai" else [],
        },
        "references": references or {"supported": False, "roles": []},
        "mask": {"supported": mask},
        "migration_hints": list(hints),
    }


def _pair(
    model_id: str, name: str, *, edit_params: Mapping[str, dict[str, Any]] | None = None, **kw: Any
) -> list[dict[str, Any]]:
    """A create model and its ``-edit`` sibling (same prices and controls unless ``edit_params`` differ)."""
    create = _model(model_id, name, **kw)
    edit_kw = {**kw, "params": edit_params or kw.get("params")}
    edit_kw.pop("max_outputs", None)
    return [create, _model(f"{model_id}-edit", f"{name} Edit", operation="image.edit", **edit_kw)]


def _resolution(*values: str) -> dict[str, dict[str, Any]]:
    return {"resolution": enum(*values, description="Output resolution class."), "seed": SEED}


def _gpt(model_id: str, name: str) -> list[dict[str, Any]]:
    params = {
        "size": enum("auto", "1024x1024", "1024x1536", "1536x1024"),
        "quality": enum("low", "medium", "high", "auto", description="Provider-native quality."),
        "background": enum("transparent", "opaque", "auto"),
        "output_format": enum("png", "jpeg", "webp"),
        "output_compression": {"type": "integer", "minimum": 0, "maximum": 100},
        "moderation": enum("auto", "low"),
    }
    table = {"low": ("0.011", "0.016"), "medium": ("0.042", "0.063"), "high": ("0.167", "0.25")}
    tiers = tuple(
        ("quality+size", f"{q}:{size}", prices[0 if size == "1024x1024" else 1])
        for q, prices in table.items()
        for size in ("1024x1024", "1024x1536", "1536x1024")
    )
    create = _model(
        model_id,
        name,
        params=params,
        kind="token_estimate",
        usd="0.042",
        tiers=tiers,
        max_outputs=4,
        defaults={"quality": "medium", "size": "1024x1024"},
        latency="slow",
        description=f"{name}: output-token estimates when quality and a concrete size are known.",
    )
    edit_params = dict(params)
    if model_id == "openai.gpt-image-1.5":
        edit_params["input_fidelity"] = enum("low", "high")
    edit = _model(
        f"{model_id}-edit",
        f"{name} Edit",
        operation="image.edit",
        params=edit_params,
        latency="slow",
        description=f"{name} edit: unknown cost before execution; priced from usage after.",
    )
    return [create, edit]


def _kling_refs() -> dict[str, Any]:
    return {
        "supported": True,
        "roles": ["element_frontal", "element_reference"],
        "max_indexes": 10,
        "max_entries": 40,
    }


def _build() -> tuple[dict[str, Any], ...]:
    grok_quality = _model(
        HOSTED_DEFAULT_MODEL_ID,
        "Grok Imagine Image Quality",
        params={"resolution": enum("1k", "2k")},
        defaults={"resolution": "2k"},
        usd="0.07",
        tiers=(("resolution", "1k", "0.05"), ("resolution", "2k", "0.07")),
        max_outputs=4,
        resolution_classes=("1k", "2k"),
        description="The hosted default create model: quality-first, 2k when the budget allows.",
    )
    image_size = {"image_size": enum(*FAL_IMAGE_SIZES), "seed": SEED}
    rows: list[dict[str, Any]] = [
        grok_quality,
        _model("xai.grok-imagine-image", "Grok Imagine Image", usd="0.02", latency="fast", max_outputs=4),
        _model(
            "xai.grok-imagine-image-edit",
            "Grok Imagine Image Edit",
            operation="image.edit",
            references={"supported": True, "roles": ["reference_image"], "max_indexes": 2},
        ),
        _model(
            "xai.grok-imagine-image-quality-edit",
            "Grok Imagine Image Quality Edit",
            operation="image.edit",
            params={"resolution": enum("1k", "2k")},
            resolution_classes=("1k", "2k"),
            references={"supported": True, "roles": ["reference_image"], "max_indexes": 2},
        ),
        *_gpt("openai.gpt-image-2", "GPT Image 2"),
        *_gpt("openai.gpt-image-1.5", "GPT Image 1.5"),
        _model(
            "fal.flux-dev", "FLUX.1 dev", params=image_size, usd="0.025", defaults={"image_size": "square_hd"}
        ),
        _model(
            "fal.flux-pro-v1-1-ultra",
            "FLUX Pro 1.1 Ultra",
            params={"seed": SEED, "raw": {"type": "boolean"}},
            cataloged=("image_url", "image_prompt_strength"),
            usd="0.06",
        ),
        *_pair(
            "fal.z-image-turbo",
            "Z-Image Turbo",
            params=image_size,
            edit_params={"image_size": enum(*FAL_IMAGE_SIZES, "auto"), "seed": SEED},
            per_mp="0.005",
            latency="fast",
            defaults={"image_size": "square_hd"},
        ),
        _model(
            "fal.nano-banana-2-edit",
            "Nano Banana 2 Edit",
            operation="image.edit",
            params=_resolution("0.5K", "1K", "2K", "4K"),
            resolution_classes=("0.5K", "1K", "2K", "4K"),
        ),
        _model(
            "fal.ideogram-v2-edit",
            "Ideogram V2 Edit",
            operation="image.edit",
            mask=True,
            params={
                "expand_prompt": {"type": "boolean"},
                "seed": SEED,
                "style": enum("auto", "general", "realistic", "design", "render_3D", "anime"),
            },
            hints=("Pass masks as top-level --mask / mask_asset_id, not as provider mask_url.",),
        ),
    ]
    tiered: dict[str, Any] = {
        "params": _resolution("1K", "2K", "4K"),
        "usd": "0.15",
        "resolution_classes": ("1K", "2K", "4K"),
        "tiers": (("resolution", "1K", "0.15"), ("resolution", "2K", "0.15"), ("resolution", "4K", "0.30")),
        "defaults": {"resolution": "1K"},
    }
    rows += _pair("fal.gemini-3-pro-image-preview", "Gemini 3 Pro Image Preview", **tiered)
    rows += _pair("fal.nano-banana-pro", "Nano Banana Pro", **tiered)
    kontext: dict[str, Any] = {
        "operation": "image.edit",
        "params": {"seed": SEED},
        "cataloged": ("guidance_scale", "aspect_ratio"),
    }
    rows += [
        _model("fal.flux-pro-kontext", "FLUX Pro Kontext", usd="0.04", **kontext),
        _model("fal.flux-pro-kontext-max", "FLUX Pro Kontext Max", usd="0.08", **kontext),
    ]
    for model_id, name, usd, autos in (
        ("fal.bytedance-seedream-v4-5", "Seedream 4.5", "0.04", ("auto_2K", "auto_4K")),
        ("fal.bytedance-seedream-v5-lite", "Seedream 5.0 Lite", "0.035", ("auto_2K", "auto_3K")),
    ):
        params = {"image_size": enum(*FAL_IMAGE_SIZES, *autos), "seed": SEED}
        fixed = {"num_images": 1, "max_images": 1}
        create = _model(
            f"{model_id}-text-to-image",
            name,
            params=params,
            usd=usd,
            fixed=fixed,
            cataloged=("num_images", "max_images"),
        )
        edit = _model(
            f"{model_id}-edit",
            f"{name} Edit",
            operation="image.edit",
            params=params,
            usd=usd,
            fixed=fixed,
            cataloged=("num_images", "max_images"),
        )
        rows += [create, edit]
    rows += [
        _model("fal.kling-image-o1", "Kling Image O1", usd="0.03", references=_kling_refs()),
        _model("fal.kling-image-o3-text-to-image", "Kling Image O3", usd="0.03", references=_kling_refs()),
        _model("fal.kling-image-v3-text-to-image", "Kling Image V3", usd="0.03", references=_kling_refs()),
        _model(
            "fal.kling-image-o3-image-to-image",
            "Kling Image O3 Image-to-Image",
            operation="image.edit",
            references=_kling_refs(),
        ),
        _model(
            "fal.kling-image-v3-image-to-image",
            "Kling Image V3 Image-to-Image",
            operation="image.edit",
            references=_kling_refs(),
        ),
        _model(
            "fal.dreamo",
            "DreamO",
            usd="0.04",
            params={"seed": SEED},
            references={
                "supported": True,
                "roles": ["reference_image"],
                "max_indexes": 2,
                "tasks": ["ip", "id", "style"],
            },
        ),
        _model(
            "fal.recraft-v3",
            "Recraft V3",
            usd="0.04",
            executable=False,
            hints=("Cataloged for inspection; not executable yet.",),
        ),
    ]
    executable = [m for m in rows if is_executable(m)]
    return tuple(executable + [m for m in rows if not is_executable(m)])


def is_executable(model: Mapping[str, Any]) -> bool:
    return bool(
        model["status"] == "available" and model["execution"]["model_execution_status"] == "executable"
    )


MODELS: Final[tuple[dict[str, Any], ...]] = _build()
_BY_ID: Final = {m["id"]: m for m in MODELS}
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


_BY_CAPABILITY: Final = {m["capability_id"]: m for m in MODELS}


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
        return (Decimal(str(pricing["usd_per_megapixel"])) * Decimal(width * height) / 1_000_000).quantize(
            Decimal("0.00001")
        )
    if pricing["usd_per_image"] is not None:
        return Decimal(str(pricing["usd_per_image"]))
    return None


def _by_aspect(aspect_ratio: str, long_edge: int) -> tuple[int, int]:
    if aspect_ratio == "auto":
        return long_edge, long_edge
    w, h = (int(x) for x in aspect_ratio.split(":"))
    if w >= h:
        return long_edge, max(1, round(long_edge * h / w))
    return max(1, round(long_edge * w / h)), long_edge


def output_size(
    model: Mapping[str, Any], aspect_ratio: str, params: Mapping[str, Any]
) -> tuple[int, int, str]:
    """(width, height, resolution_class) of one output, capped at MAX_RENDER_EDGE on the long edge."""
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
    label = str(resolution or image_size or "1k")
    long_edge = min(LONG_EDGES.get(label, 1024), MAX_RENDER_EDGE)
    w, h = _by_aspect(aspect_ratio, long_edge)
    return w, h, label

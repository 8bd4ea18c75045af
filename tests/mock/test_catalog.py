"""The catalog, pricing and renderer: spec-valid rows, real schemas, exact sizes, stable bytes."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from jsonschema import Draft202012Validator
from PIL import Image

from image_skill_mock import catalog
from image_skill_mock.pricing import credit_pricing, credits_for_usd
from image_skill_mock.render import render_png
from image_skill_mock.validation import validate_against

CONTRACT_MODELS = {
    "openai.gpt-image-2",
    "openai.gpt-image-2-edit",
    "openai.gpt-image-1.5",
    "openai.gpt-image-1.5-edit",
    "xai.grok-imagine-image",
    "xai.grok-imagine-image-quality",
    "xai.grok-imagine-image-edit",
    "xai.grok-imagine-image-quality-edit",
    "fal.flux-dev",
    "fal.flux-pro-v1-1-ultra",
    "fal.z-image-turbo",
    "fal.z-image-turbo-edit",
    "fal.nano-banana-2-edit",
    "fal.ideogram-v2-edit",
    "fal.gemini-3-pro-image-preview",
    "fal.gemini-3-pro-image-preview-edit",
    "fal.nano-banana-pro",
    "fal.nano-banana-pro-edit",
    "fal.flux-pro-kontext",
    "fal.flux-pro-kontext-max",
    "fal.bytedance-seedream-v4-5-text-to-image",
    "fal.bytedance-seedream-v4-5-edit",
    "fal.bytedance-seedream-v5-lite-text-to-image",
    "fal.bytedance-seedream-v5-lite-edit",
    "fal.kling-image-o1",
    "fal.kling-image-o3-text-to-image",
    "fal.kling-image-o3-image-to-image",
    "fal.kling-image-v3-text-to-image",
    "fal.kling-image-v3-image-to-image",
    "fal.dreamo",
}


def test_catalog_holds_every_model_the_contract_names() -> None:
    assert {m["id"] for m in catalog.MODELS} >= CONTRACT_MODELS
    assert catalog.MODELS[0]["id"] == catalog.HOSTED_DEFAULT_MODEL_ID


@pytest.mark.parametrize("model", catalog.MODELS, ids=lambda m: m["id"])
def test_each_row_is_spec_valid_with_a_real_parameter_schema(model: dict[str, object]) -> None:
    assert validate_against("Model", model) is None
    assert validate_against("ModelSummary", catalog.model_summary(model)) is None
    assert validate_against("Capability", catalog.capability(model)) is None
    parameters = model["model_parameters"]
    assert isinstance(parameters, dict)
    schema = parameters["schema"]
    Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(parameters["executable_keys"])
    assert not set(parameters["cataloged_keys"]) & set(parameters["executable_keys"])


def test_hosted_default_prices_follow_the_margin() -> None:
    assert credits_for_usd(Decimal("0.07")) == 12
    assert credits_for_usd(Decimal("0.05")) == 9
    assert credit_pricing(Decimal("0.07"), 3, confidence="known")["credits_required"] == 36
    assert credit_pricing(None, 1, confidence="unknown")["credits_required"] is None


@pytest.mark.parametrize(
    ("model_id", "aspect", "params", "size"),
    [
        (catalog.HOSTED_DEFAULT_MODEL_ID, "1:1", {}, (2048, 2048)),
        (catalog.HOSTED_DEFAULT_MODEL_ID, "9:16", {"resolution": "1k"}, (576, 1024)),
        ("openai.gpt-image-1.5", "1:1", {"size": "1536x1024"}, (1536, 1024)),
        ("fal.flux-dev", "1:1", {"image_size": "landscape_16_9"}, (1024, 576)),
        ("fal.nano-banana-pro", "4:3", {"resolution": "4K"}, (2048, 1536)),
    ],
)
def test_output_sizes_match_rendered_pngs(
    model_id: str, aspect: str, params: dict[str, str], size: tuple[int, int]
) -> None:
    model = catalog.get_model(model_id)
    assert model is not None
    width, height, _ = catalog.output_size(model, aspect, params)
    assert (width, height) == size
    png = render_png(prompt="p", seed=1, width=width, height=height)
    assert Image.open(io.BytesIO(png)).size == size


def test_rendering_is_deterministic_and_prompt_sensitive() -> None:
    one = render_png(prompt="a", seed=1, width=300, height=200)
    assert one == render_png(prompt="a", seed=1, width=300, height=200)
    assert one != render_png(prompt="b", seed=1, width=300, height=200)
    assert one != render_png(prompt="a", seed=2, width=300, height=200)

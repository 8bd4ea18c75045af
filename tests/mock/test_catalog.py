"""The catalog, pricing and renderer: spec-valid rows, real schemas, exact sizes, stable bytes.

The rows are data (``image_skill_mock/data/models.json``); these tests are what a maintainer who
adds a row is held to.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from PIL import Image

from image_skill_mock.creative import catalog, selection
from image_skill_mock.creative.pricing import credit_pricing, credits_for_usd
from image_skill_mock.creative.render import render_png
from image_skill_mock.http.validation import spec, validate_against

REQUEST_FIELDS = spec()["components"]["schemas"]["CreateRequest"]["properties"]

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


@pytest.mark.parametrize("model", catalog.MODELS, ids=lambda m: m["id"])
def test_each_row_agrees_with_itself(model: dict[str, Any]) -> None:
    """The facts a row states twice (for the API's sake) say the same thing."""
    verb = "create" if model["operation"] == catalog.GENERATE else "edit"
    executable = model["status"] == "available"
    assert model["provider"] == model["id"].split(".", 1)[0]
    assert model["supports"] == [verb]
    assert model["capability_id"].startswith(f"is.image.{model['operation'].split('.')[1]}.")
    assert model["execution"]["model_execution_status"] == (
        "executable" if executable else "cataloged_not_wired"
    )
    assert model["media"]["input"]["requires_input_asset"] is (verb == "edit")
    assert model["model_parameters"]["executable_keys"] == sorted(
        model["model_parameters"]["schema"]["properties"]
    )
    assert set(model["defaults"]) <= set(model["model_parameters"]["executable_keys"])


@pytest.mark.parametrize("model", catalog.MODELS, ids=lambda m: m["id"])
def test_each_rows_limits_fit_the_request_schema(model: dict[str, Any]) -> None:
    assert model["media"]["output"]["max_outputs_per_request"] <= REQUEST_FIELDS["output_count"]["maximum"]
    assert model["references"].get("max_entries", 0) <= REQUEST_FIELDS["references"]["maxItems"]


def test_economics_follow_from_pricing_and_the_margin() -> None:
    by_kind = {m["pricing"]["kind"]: m for m in catalog.MODELS}
    assert (
        by_kind["per_image"]["economics"]["estimated_usd_per_image"]
        == by_kind["per_image"]["pricing"]["usd_per_image"]
    )
    per_mp = catalog.get_model("fal.z-image-turbo")
    assert per_mp is not None
    assert per_mp["economics"]["estimated_usd_per_image"] == 0.00524  # USD 0.005/MP quoted at 1024 x 1024
    assert per_mp["economics"]["credit_pricing"]["credits_required"] == 1
    assert by_kind["unknown"]["economics"]["credit_pricing"]["credits_required"] is None


def test_a_row_that_states_economics_is_refused() -> None:
    row = dict(catalog.MODELS[0])
    with pytest.raises(ValueError, match="economics"):
        catalog.with_economics(row)


def test_the_hosted_default_is_an_executable_create_model_with_resolution_tiers() -> None:
    default = catalog.get_model(catalog.HOSTED_DEFAULT_MODEL_ID)
    assert default is not None
    assert catalog.is_executable(default)
    assert default["operation"] == catalog.GENERATE
    assert {tier["parameter"] for tier in default["pricing"]["tiers"]} == {"resolution"}
    assert selection.DEFAULT_POLICIES[catalog.GENERATE](None).model is default


def test_executable_rows_come_first() -> None:
    flags = [catalog.is_executable(m) for m in catalog.MODELS]
    assert flags == sorted(flags, reverse=True)


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

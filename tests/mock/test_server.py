"""The reference server's rules, through HTTP, with strict response validation on."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from image_skill_api.registry import ID_PATTERNS, TRACE_ID_HEADER, ErrorCode
from image_skill_mock import resources
from image_skill_mock.creative import catalog
from image_skill_mock.creative.selection import HOSTED_DEFAULT_POLICY

from .conftest import NOON, Api, fixed_clock


def test_first_run_flow_and_real_media(api: Api) -> None:
    assert api.request("GET", "/healthz")["data"]["status"] == "ok"
    api.signup()
    who = api.request("GET", "/v1/whoami")
    assert who["actor"]["actor_id"].startswith("agt_")
    quota = api.request("GET", "/v1/quota")["data"]
    assert quota["limits"]["remaining_credits"] == 50
    assert quota["daily_jobs"] == {**quota["daily_jobs"], "limit": 4, "used": 0, "remaining": 4}

    created = api.create(aspect_ratio="16:9")["data"]
    assert created["status"] == "completed"
    selection = created["request"]["selection"]
    assert selection["policy"] == HOSTED_DEFAULT_POLICY
    assert selection["model_id"] == catalog.HOSTED_DEFAULT_MODEL_ID
    assert selection["model_parameters"]["defaults_applied"] == ["resolution=2k"]
    assert created["cost"]["credit_pricing"]["credits_required"] == 12
    assert created["quota"] == {**created["quota"], "consumed_credits": 12, "remaining_credits": 38}

    job = api.request("GET", f"/v1/jobs/{created['job_id']}")["data"]["job"]
    assert job["status"] == "completed"
    asset = api.request("GET", f"/v1/assets/{created['assets'][0]['asset_id']}")["data"]["asset"]
    media = api.client.get(asset["url"].split("testserver", 1)[1])
    assert media.headers["content-type"] == "image/png"
    assert len(media.content) == asset["content_length"]
    assert hashlib.sha256(media.content).hexdigest() == asset["sha256"]
    image = Image.open(io.BytesIO(media.content))
    assert image.format == "PNG"
    assert image.size == (asset["width"], asset["height"]) == (2048, 1152)
    assert api.request("GET", "/v1/quota")["data"]["limits"]["consumed_credits"] == 12


def test_same_prompt_seed_and_size_render_the_same_bytes(api: Api) -> None:
    api.signup()
    first = api.create(model="fal.flux-dev", model_parameters={"seed": 5})["data"]["assets"][0]
    second = api.create(model="fal.flux-dev", model_parameters={"seed": 5})["data"]["assets"][0]
    other = api.create(model="fal.flux-dev", model_parameters={"seed": 6})["data"]["assets"][0]
    assert first["sha256"] == second["sha256"]
    assert first["asset_id"] != second["asset_id"]
    assert other["sha256"] != first["sha256"]


def test_dry_run_plans_without_debit_or_daily_cap(make_api: Callable[..., Api]) -> None:
    api = make_api(daily_jobs=1)
    api.signup()
    for _ in range(3):
        planned = api.create(dry_run=True)["data"]
        assert planned["status"] == "planned"
        assert planned["assets"] == []
        assert planned["plan_receipt"]["credits_required"] == 12
        assert planned["quota"]["consumed_credits"] == 0
    quota = api.request("GET", "/v1/quota")["data"]
    assert quota["limits"]["remaining_credits"] == 50
    assert quota["daily_jobs"]["used"] == 0
    assert api.request("GET", f"/v1/jobs/{planned['job_id']}")["data"]["job"]["status"] == "planned"


@pytest.mark.parametrize(
    ("budget", "model", "resolution", "credits"),
    [(None, catalog.HOSTED_DEFAULT_MODEL_ID, "2k", 12), (0.06, catalog.HOSTED_DEFAULT_MODEL_ID, "1k", 9)],
)
def test_budget_steers_the_hosted_default(
    api: Api, budget: float | None, model: str, resolution: str, credits: int
) -> None:
    api.signup()
    body: dict[str, Any] = {"dry_run": True}
    if budget is not None:
        body["max_estimated_usd_per_image"] = budget
    data = api.create(**body)["data"]
    assert data["request"]["selection"]["model_id"] == model
    assert data["request"]["selection"]["output"]["resolution_class"] == resolution
    assert data["cost"]["credit_pricing"]["credits_required"] == credits


def test_a_budget_below_every_tier_falls_back_to_the_cheapest_model_within_it(api: Api) -> None:
    api.signup()
    cheap = api.create(dry_run=True, max_estimated_usd_per_image=0.03)["data"]
    selection = cheap["request"]["selection"]
    assert selection["model_id"] == "fal.z-image-turbo"  # USD 0.005 per megapixel: the cheapest
    assert selection["policy"] == HOSTED_DEFAULT_POLICY
    assert cheap["cost"]["estimated_usd"] == 0.00524  # 1024 x 1024


def test_a_budget_below_the_named_model_is_refused(api: Api) -> None:
    api.signup()
    refused = api.create(max_estimated_usd_per_image=0.001, model="fal.flux-dev")
    assert refused["error"]["code"] == ErrorCode.BUDGET_EXCEEDED


def test_unknown_cost_needs_confirmation_then_debits_from_usage(api: Api) -> None:
    api.signup()
    model = "openai.gpt-image-2"
    params = {"quality": "auto", "size": "auto"}
    refused = api.create(model=model, model_parameters=params)
    assert refused["error"]["code"] == ErrorCode.BUDGET_REQUIRES_CONFIRMATION
    assert refused["error"]["recovery"]["required_flag"] == "--accept-unknown-cost"
    done = api.create(model=model, model_parameters=params, accept_unknown_cost=True)["data"]
    assert done["cost"]["credit_pricing"]["pricing_confidence"] == "unknown"
    # Priced from usage: USD 0.04 per megapixel of a 1024 x 1024 output is USD 0.0419, 8 credits.
    assert done["cost"]["estimated_usd"] == 0.0419
    assert done["quota"]["consumed_credits"] == 8


@pytest.mark.parametrize(
    ("model", "params", "code", "names"),
    [
        ("fal.flux-dev", {"steps": 3}, ErrorCode.MODEL_PARAMETERS_INVALID, "steps"),  # unknown key
        ("fal.flux-dev", {"seed": "seven"}, ErrorCode.MODEL_PARAMETERS_INVALID, "seed"),  # wrong type
        (
            "fal.flux-pro-v1-1-ultra",
            {"image_url": "x"},
            ErrorCode.CAPABILITY_DENIED,
            "image_url",
        ),  # cataloged
    ],
)
def test_model_parameters_are_checked_against_the_model_schema(
    api: Api, model: str, params: dict[str, Any], code: ErrorCode, names: str
) -> None:
    api.signup()
    refused = api.create(model=model, model_parameters=params)["error"]
    assert refused["code"] == code
    assert f"model_parameters.{names} " in refused["message"]
    assert refused["recovery"]["suggested_command"] == f"image-skill models show {model} --json"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"model": "fal.flux-dev", "output_count": 2}, ErrorCode.CAPABILITY_DENIED),  # one output at most
        ({"model": "fal.nano-banana-pro-edit"}, ErrorCode.CAPABILITY_DENIED),  # an edit model
        ({"model": "fal.recraft-v3"}, ErrorCode.CAPABILITY_DENIED),  # cataloged, not executable
        ({"model": "nope.model"}, ErrorCode.NOT_FOUND),
    ],
)
def test_capability_limits(api: Api, body: dict[str, Any], code: ErrorCode) -> None:
    api.signup()
    assert api.create(**body)["error"]["code"] == code


def test_a_batch_renders_and_debits_every_output(api: Api) -> None:
    api.signup()
    batch = api.create(output_count=2, max_estimated_usd_per_image=0.05)["data"]
    assert len(batch["assets"]) == 2
    assert batch["quota"]["consumed_credits"] == 18


def test_content_policy_marker_is_refused_without_echo(api: Api) -> None:
    api.signup()
    refused = api.request("POST", "/v1/create", json={"prompt": "secret plan [policy-test:deny]"})
    assert refused["error"]["code"] == ErrorCode.CONTENT_POLICY_DENIED
    assert "secret plan" not in refused["error"]["message"]


def test_running_out_of_credits_is_quota_exceeded(make_api: Callable[..., Api]) -> None:
    api = make_api(free_credits=20, daily_jobs=10)
    api.signup()
    assert api.create()["status"] == 200
    refused = api.create()
    assert refused["error"]["code"] == ErrorCode.QUOTA_EXCEEDED
    assert refused["error"]["recovery"]["suggested_command"] == "image-skill credits methods --json"
    quota = api.request("GET", "/v1/quota")["data"]["limits"]
    assert quota == {**quota, "remaining_credits": 8, "consumed_credits": 12}


def test_daily_cap_is_exit_5_with_retry_after(make_api: Callable[..., Api]) -> None:
    api = make_api(daily_jobs=2, clock=fixed_clock(NOON))
    api.signup()
    api.create()
    api.create()
    refused = api.create()
    assert refused["error"]["code"] == ErrorCode.DAILY_JOB_LIMIT_EXCEEDED
    assert refused["error"]["recovery"]["retry_after_seconds"] == 12 * 3600
    assert api.request("GET", "/v1/quota")["data"]["daily_jobs"]["remaining"] == 0


@pytest.mark.parametrize(
    ("path", "credentials", "auth_state"),
    [
        ("/v1/whoami", {}, "missing"),
        ("/v1/whoami", {"token": "isk_r_not_a_real_token_000000000"}, "invalid"),
        ("/v1/quota", {"headers": {"authorization": "Basic abc"}}, "invalid"),
    ],
)
def test_auth_errors(api: Api, path: str, credentials: dict[str, Any], auth_state: str) -> None:
    refused = api.request("GET", path, **credentials)
    assert refused["error"]["code"] == ErrorCode.AUTH_REQUIRED  # AUTH_TOKEN_INVALID is retired
    assert refused["error"]["recovery"]["auth_state"] == auth_state
    assert refused["error"]["recovery"]["suggested_command"].startswith("image-skill signup --agent ")
    assert refused["status"] == 401


@pytest.mark.parametrize("resource", ["jobs", "assets"])
def test_another_agents_job_and_asset_are_not_found(api: Api, resource: str) -> None:
    api.signup("owner")
    created = api.create()["data"]
    api.signup("stranger")
    owned_id = created["job_id"] if resource == "jobs" else created["assets"][0]["asset_id"]
    assert api.request("GET", f"/v1/{resource}/{owned_id}")["error"]["code"] == ErrorCode.NOT_FOUND


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"prompt": ""},
        {"prompt": "x", "output_count": 0},
        {"prompt": "x", "surprise": True},
        {"prompt": "x", "aspect_ratio": "wide"},
        {"prompt": "x", "model_parameters": []},
    ],
)
def test_invalid_requests_are_400_envelopes(api: Api, body: dict[str, Any]) -> None:
    api.signup()
    refused = api.request("POST", "/v1/create", json=body)
    assert refused["status"] == 400
    assert refused["error"]["code"] == ErrorCode.INVALID_ARGUMENTS


@pytest.mark.parametrize(
    ("method", "path", "request_args"),
    [
        (
            "POST",
            "/v1/agent-signups",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
        ),
        ("GET", "/v1/models?available=maybe", {}),
    ],
)
def test_non_json_body_and_bad_query_are_400(
    api: Api, method: str, path: str, request_args: dict[str, Any]
) -> None:
    refused = api.request(method, path, **request_args)
    assert refused["error"]["code"] == ErrorCode.INVALID_ARGUMENTS
    assert refused["status"] == 400


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("GET", "/v1/nothing", ErrorCode.NOT_FOUND),
        ("DELETE", "/v1/whoami", ErrorCode.METHOD_NOT_ALLOWED),
        ("GET", "/media/a/image_missing.png", ErrorCode.NOT_FOUND),
    ],
)
def test_unknown_paths_and_methods(api: Api, method: str, path: str, code: ErrorCode) -> None:
    assert api.request(method, path)["error"]["code"] == code


def test_the_operation_filter_keeps_only_that_operation(api: Api) -> None:
    listing = api.request("GET", "/v1/models?available=true&executable=true&operation=image.edit")["data"]
    assert [row["id"] for row in listing["models"]] == [
        m["id"] for m in catalog.MODELS if catalog.is_executable(m) and m["operation"] == "image.edit"
    ]
    assert {row["operation"] for row in listing["models"]} == {"image.edit"}


def test_the_hosted_default_leads_the_listing(api: Api) -> None:
    full = api.request("GET", "/v1/models")["data"]
    assert full["models"][0]["id"] == catalog.HOSTED_DEFAULT_MODEL_ID
    assert full["summary"]["first_actionable_model_ids"][0] == catalog.HOSTED_DEFAULT_MODEL_ID


def test_catalog_only_lists_the_models_not_wired_yet(api: Api) -> None:
    only = api.request("GET", "/v1/models?catalog_only=true")["data"]["models"]
    assert [row["id"] for row in only] == ["fal.recraft-v3"]


def test_a_shown_model_leads_to_its_capability(api: Api) -> None:
    shown = api.request("GET", f"/v1/models/{catalog.HOSTED_DEFAULT_MODEL_ID}")["data"]["model"]
    assert shown["model_parameters"]["schema"]["additionalProperties"] is False
    capability = api.request("GET", f"/v1/capabilities/{shown['capability_id']}")["data"]["capability"]
    assert capability["model_ids"] == [shown["id"]]


def test_strict_mode_turns_a_broken_response_into_a_500(
    make_api: Callable[..., Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(resources.HANDLERS, "getHealth", lambda call: {"status": "sideways"})
    refused = make_api().request("GET", "/healthz")
    assert refused["status"] == 500
    assert refused["error"]["code"] == ErrorCode.INTERNAL_ERROR
    assert "strict" in refused["error"]["message"]


def test_a_well_formed_trace_id_header_is_honoured(api: Api) -> None:
    good = api.request("GET", "/healthz", headers={TRACE_ID_HEADER: "trace_0123456789abcdef"})
    assert good["trace_id"] == "trace_0123456789abcdef"


@pytest.mark.parametrize(
    "sent", ["nope", "trace_0123456789ABCDEF", "trace_0123", "trace_0123456789abcdef0", ""]
)
def test_a_malformed_trace_id_header_is_replaced(api: Api, sent: str) -> None:
    odd = api.request("GET", "/healthz", headers={TRACE_ID_HEADER: sent})
    assert re.fullmatch(ID_PATTERNS["TraceId"], odd["trace_id"])
    assert odd["trace_id"] != sent
    assert odd["status"] == 200

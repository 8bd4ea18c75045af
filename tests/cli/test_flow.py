"""create --guide, jobs wait and assets get over a fake client (no network, no real sleeping)."""

from __future__ import annotations

import io
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from image_skill.commands import assets, create, jobs
from image_skill.context import Context
from image_skill.envelope import ApiError, CliError
from image_skill_api.registry import ErrorCode

from .conftest import TOKEN, envelope

MODEL_ROW = {
    "id": "xai.grok-imagine-image-quality",
    "capability_id": "is.image.generate.xai-grok-imagine-image-quality.v1",
    "economics": {"credit_pricing": {"credits_required": 12}},
}
QUOTA = {"limits": {"remaining_credits": 50}, "daily_jobs": {"remaining": 4}}


class FakeClient:
    """Answers by operationId from a table of envelopes, callables or exceptions; records calls."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, Any, Any, Any]] = []
        self.downloads: list[tuple[str, Path, bool]] = []

    def call(self, operation: Any, *, path: Any = None, query: Any = None, body: Any = None) -> Any:
        self.calls.append((operation.operation_id, path, query, body))
        answer = self.answers[operation.operation_id]
        if callable(answer):
            answer = answer()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def download(self, url: str, dest: Path, *, overwrite: bool, expected_sha256: str | None = None) -> Any:
        self.downloads.append((url, dest, overwrite))
        dest.write_bytes(b"png")
        return {"path": str(dest), "bytes": 3, "sha256": "x", "overwritten": overwrite}


def make_ctx(client: FakeClient, *, token: str | None = TOKEN, base: str | None = None) -> Context:
    clock = [0.0]
    return Context(
        env={"IMAGE_SKILL_TOKEN": token}
        if token
        else {"IMAGE_SKILL_CONFIG_PATH": "/nonexistent/config.json"},
        stdin=io.StringIO(),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        api_base_url_flag=base,
        client_factory=lambda _: client,
        monotonic=lambda: clock[0],
        sleep=lambda seconds: clock.__setitem__(0, clock[0] + seconds),
    )


def healthy(**overrides: Any) -> FakeClient:
    answers: dict[str, Any] = {
        "getHealth": envelope({"status": "ok"}),
        "listModels": envelope(
            {"models": [MODEL_ROW], "summary": {"first_actionable_model_ids": [MODEL_ROW["id"]]}}
        ),
        "listPaymentMethods": envelope({"methods": [{"method_id": "stripe_checkout", "available": True}]}),
        "getQuota": envelope(QUOTA),
    }
    answers.update(overrides)
    return FakeClient(answers)


def create_opts(**values: Any) -> dict[str, Any]:
    opts: dict[str, Any] = {
        f"--{k}": None
        for k in (
            "prompt",
            "prompt-file",
            "model",
            "provider",
            "intent",
            "aspect-ratio",
            "output-count",
            "max-estimated-usd-per-image",
            "model-parameters-json",
        )
    }
    opts.update({"--guide": False, "--dry-run": False, "--accept-unknown-cost": False})
    opts.update({f"--{k.replace('_', '-')}": v for k, v in values.items()})
    return opts


def guide(client: FakeClient, prompt: str | None = "a camera", **kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = create.run(make_ctx(client, **kw), create_opts(guide=True, prompt=prompt))["data"]
    assert not any(data["mutation"].values())
    assert {call[0] for call in client.calls} <= {"getHealth", "listModels", "listPaymentMethods", "getQuota"}
    return data


# --------------------------------------------------------------------- guide
def test_guide_ready_to_create() -> None:
    data = guide(healthy())
    assert data["stage"] == "ready_to_create"
    assert data["ready"] is True
    assert data["cost"] == {"credits_required": 12}
    assert shlex.split(data["next_command"]) == ["image-skill", "create", "--prompt", "a camera", "--json"]


def test_guide_stages_in_order() -> None:
    assert guide(healthy(), prompt="  ")["stage"] == "prompt_required"
    down = CliError(ErrorCode.HOSTED_API_REQUEST_FAILED, "down")
    assert guide(healthy(getHealth=down))["stage"] == "service_unreachable"
    empty = envelope({"models": [], "summary": {"first_actionable_model_ids": []}})
    assert guide(healthy(listModels=empty))["stage"] == "no_executable_model"
    no_token = guide(healthy(), token=None)
    assert no_token["stage"] == "auth_required"
    assert no_token["next_command"].startswith("image-skill signup --agent")
    poor = envelope({"limits": {"remaining_credits": 5}, "daily_jobs": {"remaining": 4}})
    assert guide(healthy(getQuota=poor))["stage"] == "quota_required"
    capped = envelope({"limits": {"remaining_credits": 50}, "daily_jobs": {"remaining": 0}})
    quota = guide(healthy(getQuota=capped))
    assert quota["stage"] == "quota_required"
    assert quota["next_command"] == "image-skill credits methods --json"
    rejected = ApiError(envelope(ok=False, error={"code": "AUTH_TOKEN_INVALID"}), 3)
    assert guide(healthy(getQuota=rejected))["stage"] == "auth_required"


def test_guide_never_asks_quota_without_a_token() -> None:
    client = healthy()
    guide(client, token=None)
    assert "getQuota" not in [call[0] for call in client.calls]


@pytest.mark.parametrize(
    "prompt", ['it\'s "quoted" $HOME `id` $(id)', "line one\nline two", "--json", "ünïcødé ✓ 'single'"]
)
def test_guide_commands_survive_a_posix_shell(prompt: str) -> None:
    data = guide(healthy(), prompt=prompt, base="http://127.0.0.1:8787")
    argv = shlex.split(data["next_command"])
    assert argv == [
        "image-skill",
        "create",
        "--prompt",
        prompt,
        "--json",
        "--api-base-url",
        "http://127.0.0.1:8787",
    ]
    echoed = subprocess.run(
        ["sh", "-c", data["next_command"].replace("image-skill", "printf '%s\\0'", 1)],
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert echoed.split("\0")[:-1] == argv[1:]
    for command in data["escape_hatches"].values():
        assert "--api-base-url" in shlex.split(command)


# ------------------------------------------------------------------ jobs wait
def job(status: str, error: dict[str, Any] | None = None) -> dict[str, Any]:
    return envelope({"job": {"job_id": "job_abcdefghijklmnop", "status": status, "error": error}})


def wait(client: FakeClient, timeout_ms: str = "5000") -> dict[str, Any]:
    opts = {
        "show": False,
        "wait": True,
        "<job_id>": "job_abcdefghijklmnop",
        "--timeout-ms": timeout_ms,
        "--poll-interval-ms": "1000",
    }
    result: dict[str, Any] = jobs.run(make_ctx(client), opts)
    return result


def test_wait_polls_until_completed() -> None:
    states = iter([job("queued"), job("running"), job("completed")])
    client = FakeClient({"getJob": lambda: next(states)})
    result = wait(client)
    assert result["data"]["job"]["status"] == "completed"
    assert result["command"] == "image-skill jobs wait"
    assert len(client.calls) == 3


@pytest.mark.parametrize(
    ("state", "error", "code"),
    [
        ("failed", None, ErrorCode.JOB_FAILED),
        ("failed", {"code": "PROVIDER_FAILED", "message": "upstream"}, ErrorCode.PROVIDER_FAILED),
        ("failed", {"code": "SOMETHING_NEW"}, ErrorCode.JOB_FAILED),
        ("canceled", None, ErrorCode.JOB_CANCELED),
    ],
)
def test_wait_failed_or_canceled_is_not_success(state: str, error: Any, code: ErrorCode) -> None:
    with pytest.raises(CliError) as caught:
        wait(FakeClient({"getJob": job(state, error)}))
    assert caught.value.code is code
    assert caught.value.exit_code != 0


def test_wait_times_out_with_exit_8_and_a_way_to_keep_waiting() -> None:
    client = FakeClient({"getJob": job("running")})
    with pytest.raises(CliError) as caught:
        wait(client, timeout_ms="3000")
    assert caught.value.code is ErrorCode.TIMEOUT
    assert caught.value.exit_code == 8
    assert caught.value.recovery is not None
    assert caught.value.recovery["suggested_command"].startswith("image-skill jobs wait job_abcdefghijklmnop")
    assert len(client.calls) == 4  # t = 0, 1, 2, 3 s


# ------------------------------------------------------------------ assets get
ASSET = {
    "asset_id": "image_abc",
    "url": "http://127.0.0.1:8787/media/a/image_abc.png",
    "mime_type": "image/png",
    "sha256": "x",
}


def get(client: FakeClient, ref: str, output: str | None, overwrite: bool = False) -> dict[str, Any]:
    opts = {"show": False, "get": True, "<ref>": ref, "--output": output, "--overwrite": overwrite}
    result: dict[str, Any] = assets.run(make_ctx(client, base="http://127.0.0.1:8787"), opts)
    return result


def asset_client(asset: dict[str, Any] = ASSET) -> FakeClient:
    return FakeClient({"getAsset": envelope({"request": {}, "asset": asset})})


def test_assets_get_accepts_ids_and_owned_urls(tmp_path: Path) -> None:
    client = asset_client()
    by_id = get(client, "image_abc", str(tmp_path / "a.png"))
    assert by_id["data"]["request"] == {"reference": "image_abc", "reference_type": "asset_id"}
    by_url = get(client, ASSET["url"], str(tmp_path / "b.png"))
    assert by_url["data"]["request"]["reference_type"] == "owned_url"
    hosted = get(client, "https://media.image-skill.com/a/image_abc.png", str(tmp_path / "c.png"))
    assert hosted["data"]["request"]["reference_type"] == "owned_url"
    assert [call[1] for call in client.calls] == [{"asset_id": "image_abc"}] * 3


def test_assets_get_refuses_existing_output_before_downloading(tmp_path: Path) -> None:
    target = tmp_path / "a.png"
    target.write_bytes(b"original")
    client = asset_client()
    with pytest.raises(CliError) as caught:
        get(client, "image_abc", str(target))
    assert caught.value.code is ErrorCode.OUTPUT_EXISTS
    assert caught.value.recovery == {"required_flag": "--overwrite"}
    assert client.downloads == []
    assert target.read_bytes() == b"original"
    get(client, "image_abc", str(target), overwrite=True)
    assert client.downloads[0][2] is True


def test_assets_get_refuses_a_non_owned_asset_url(tmp_path: Path) -> None:
    client = asset_client({**ASSET, "url": "https://evil.example/image_abc.png"})
    with pytest.raises(CliError) as caught:
        get(client, "image_abc", str(tmp_path / "a.png"))
    assert caught.value.code is ErrorCode.EXTERNAL_URL_REJECTED
    assert client.downloads == []


def test_assets_get_derives_the_file_name_in_a_directory(tmp_path: Path) -> None:
    client = asset_client()
    result = get(client, "image_abc", str(tmp_path))
    assert result["data"]["output"]["path"] == str(tmp_path / "image_abc.png")


def test_create_sends_exactly_the_requested_fields() -> None:
    client = FakeClient({"createImage": envelope({"job_id": "job_abcdefghijklmnop"})})
    opts = create_opts(
        prompt="p",
        model="fal.flux-dev",
        output_count="2",
        max_estimated_usd_per_image="0.05",
        model_parameters_json='{"seed": 7}',
        dry_run=True,
    )
    create.run(make_ctx(client), opts)
    [(_, _, _, body)] = client.calls
    assert body == {
        "prompt": "p",
        "aspect_ratio": "1:1",
        "model": "fal.flux-dev",
        "output_count": 2,
        "max_estimated_usd_per_image": 0.05,
        "model_parameters": {"seed": 7},
        "dry_run": True,
    }


@settings(max_examples=60, deadline=None)
@given(prompt=st.text(min_size=1, max_size=60).filter(lambda p: p.strip() and "\0" not in p))
def test_any_prompt_round_trips_through_shlex(prompt: str) -> None:
    data = guide(healthy(), prompt=prompt)
    assert shlex.split(data["next_command"]) == ["image-skill", "create", "--prompt", prompt, "--json"]
    assert shlex.split(data["escape_hatches"]["dry_run"])[3] == prompt

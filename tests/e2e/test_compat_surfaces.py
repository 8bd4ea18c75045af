"""Issue 15 items 10, 12 and 13 from the real CLI against a real mock: trust, the 0.1.70 models
surfaces, credits status without a reference, jobs show/wait mirrors, whoami's session origin,
the guide's 0.1.70 fields, a queued job waited for, and a retired model's successor."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

from e2e.conftest import Cli
from image_skill_api.registry import ErrorCode, ExitCode, JobStatus
from image_skill_mock.creative import catalog

DEFAULT = catalog.HOSTED_DEFAULT_MODEL_ID


def test_trust_is_a_no_spend_packet_with_explicit_states(cli: Cli, closed_port_url: str) -> None:
    packet = cli("trust", "--json")
    assert packet.exit_code == ExitCode.OK
    data = packet.data
    assert data["schema"] == "image-skill.trust-packet.v0"
    assert data["npm"]["state"] == "unavailable"
    assert data["hosted"]["healthz"]["state"] == "ok"
    assert data["hosted"]["models"]["default_model_id"] == DEFAULT
    assert not any(data["mutation"].values())
    down = cli("trust", "--api-base-url", closed_port_url)
    assert down.exit_code == ExitCode.OK
    assert down.data["hosted"]["healthz"]["state"] == down.data["hosted"]["models"]["state"] == "unreachable"


def test_models_query_aliases_default_and_details(cli: Cli) -> None:
    listing = cli("models", "list", "--json").data
    assert [row["id"] for row in listing["models"] if row["default"]] == [DEFAULT]
    assert all("show_command" in row and "model_parameters" not in row for row in listing["models"])
    details = cli("models", "list", "--details", "--json").data["models"]
    assert all("model_parameters" in row for row in details)
    found = cli("models", "list", "--query", "nano-banana", "--json").data
    assert {row["id"] for row in found["models"]} >= {"fal.nano-banana-2-edit", "fal.nano-banana-pro"}
    assert cli("models", "show", "nano-banana", "--json").data["model"]["id"] == "fal.nano-banana-2-edit"
    shown = cli("models", "show", "default", "--json").data
    assert shown["model"]["id"] == DEFAULT
    assert shown["resolved"]["via"] == "default"
    assert cli("models", "show", "No Such", "--json").exit_code == ExitCode.INVALID_ARGUMENTS


def test_credits_status_without_a_reference_is_the_balance(cli: Cli) -> None:
    cli.signup()
    status = cli("credits", "status", "--json")
    assert status.exit_code == ExitCode.OK
    assert status.data["state"] == "balance"
    assert status.data["limits"] == cli("usage", "quota", "--json").data["limits"]


def test_whoami_reports_where_the_token_came_from(cli: Cli) -> None:
    token = cli.signup().data["token"]
    saved = cli("whoami", "--json").data
    assert saved["session_origin"] == "loaded_from_config"
    assert saved["token_created_at"] == saved["token"]["created_at"]
    if token:  # the signup printed the token once: the env and stdin origins
        assert cli("whoami", env={"IMAGE_SKILL_TOKEN": token}).data["session_origin"] == "env_token"
        piped = cli("whoami", "--token-stdin", stdin=token + "\n")
        assert piped.data["session_origin"] == "stdin_token"


def test_jobs_show_and_wait_mirror_the_job(cli: Cli) -> None:
    cli.signup()
    job_id = cli("create", "--prompt", "a kettle", "--json").data["job_id"]
    shown = cli("jobs", "show", job_id, "--json").data
    assert shown["status"] == shown["state"] == shown["job"]["status"] == JobStatus.COMPLETED
    assert shown["assets"] == shown["job"]["assets"]
    waited = cli("jobs", "wait", job_id, "--timeout-ms", "30000", "--poll-interval-ms", "1000", "--json").data
    assert waited["request"] == {"job_id": job_id, "timeout_ms": 30000, "poll_interval_ms": 1000}
    assert waited["cost"] == waited["job"]["cost"]


def test_a_queued_job_is_waited_for(start_server: Callable[..., str], tmp_path: Path) -> None:
    home = tmp_path / "slow-home"
    home.mkdir()
    cli = Cli(start_server("--job-latency-ms", "300"), home)
    cli.signup()
    created = cli("create", "--prompt", "a kettle", "--json").data
    assert created["status"] == JobStatus.QUEUED
    assert created["assets"] == []
    waited = cli("jobs", "wait", created["job_id"], "--poll-interval-ms", "100", "--json")
    assert waited.exit_code == ExitCode.OK
    assert waited.data["status"] == JobStatus.COMPLETED
    assert len(waited.data["assets"]) == 1


def test_a_retired_model_runs_its_successor(start_server: Callable[..., str], tmp_path: Path) -> None:
    data = json.loads(files("image_skill_mock").joinpath("data", "models.json").read_text(encoding="utf-8"))
    for row in data["models"]:
        if row["id"] == DEFAULT:
            row["lifecycle"] = {
                "state": "retired",
                "retired_at": None,
                "redirects_to": "xai.grok-imagine-image",
            }
        if row["id"] == "fal.flux-dev":
            row["lifecycle"] = {"state": "retired", "retired_at": None, "redirects_to": None}
    path = tmp_path / "retiring.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    home = tmp_path / "retiring-home"
    home.mkdir()
    cli = Cli(start_server("--catalog", str(path)), home)
    cli.signup()
    ran = cli("create", "--prompt", "a kettle", "--model", DEFAULT, "--json")
    assert ran.data["request"]["selection"]["lifecycle_redirect"]["model_id"] == "xai.grok-imagine-image"
    assert ran.envelope["warnings"]
    refused = cli("create", "--prompt", "a kettle", "--model", "fal.flux-dev", "--json")
    assert refused.error["code"] == ErrorCode.CAPABILITY_DENIED
    assert refused.error["recovery"]["suggested_command"].startswith("image-skill models show ")


def test_the_guide_says_what_its_next_command_does(cli: Cli) -> None:
    first = cli("create", "--guide", "--prompt", "a kettle", "--json").data
    assert first["stage"] == "auth_required"
    assert first["next_command_effect"]["hosted_signup"] is True
    assert first["guide_warning"]["next_command_safety"] == "hosted_signup_no_spend_setup"
    assert first["auth_ready"]["ready"] is False
    assert first["next_command_copy_runnable"] is (first["next_command_missing_inputs"] == [])
    dry = cli.follow(first["recommended_no_spend_command"])  # a dry run needs no token
    assert dry.exit_code == ExitCode.OK
    assert dry.data["quota"]["consumed_credits"] == 0
    cli.signup()
    ready = cli("create", "--guide", "--prompt", "a kettle", "--json").data
    assert ready["stage"] == "ready_to_create"
    effect = ready["next_command_effect"]
    assert effect["label"] == "live_media_create_credit_debit"
    assert effect["credit_debit"] is True
    assert ready["next_command_copy_runnable"] is True
    assert ready["auth_ready"] == {
        "ready": True,
        "token_source": "config",
        "next_command_requires_auth": True,
        "next_command_auth_ready": True,
    }
    assert ready["no_spend_evaluation"]["stop_here"] is True
    planned = cli.follow(ready["recommended_no_spend_command"])
    assert planned.data["status"] == JobStatus.PLANNED
    assert ready["recommended_no_spend_command_effect"]["planned_job"] is True
    assert ready["guide_recovery"]["double_spend_guard"]["required"] is True

"""`image-skill mcp` (issue 18 item 6) end to end: the MCP SDK's own stdio client against the real
server process, which runs the CLI against a real mock. No spending tools without --allow-spend;
guide -> create -> jobs wait -> assets show through tools; refusals are tool errors with the CLI's
envelope; the token is never a tool argument and never in a result."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import anyio
import pytest

from image_skill_api.manifest import MANIFEST
from image_skill_api.registry import ErrorCode

from .conftest import Cli, cli_command

#: The SDK is imported when a test runs, not when the suite is collected (1.6 s in every worker).
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(importlib.util.find_spec("mcp") is None, reason="the MCP SDK is not installed"),
]

SPENDING = ("spend", "payment_object", "media_write")


def _client(params: Any) -> Any:
    """The SDK's own client (``mcp.Client``) on a stdio server."""
    import mcp

    return mcp.Client(params)


def _params(cli: Cli, *flags: str) -> Any:
    from mcp.client.stdio import StdioServerParameters

    command = cli_command()
    return StdioServerParameters(
        command=command[0], args=[*command[1:], "mcp", *flags], env=cli.env, cwd=str(cli.cwd)
    )


async def _tools(cli: Cli, *flags: str) -> dict[str, Any]:
    async with _client(_params(cli, *flags)) as client:
        listed = await client.list_tools()
    return {tool.name: tool for tool in listed.tools}


def test_tools_are_the_manifests_and_spending_ones_need_allow_spend(cli: Cli) -> None:
    no_spend = anyio.run(_tools, cli)
    allowed = anyio.run(_tools, cli, "--allow-spend", "--output-dir", str(cli.cwd))
    rows = {row["id"]: row for row in MANIFEST["commands"] if row["mcp_tool"]}
    spending = {name for name, row in rows.items() if any(row["effects"][e] for e in SPENDING)}
    assert {"create", "edit", "upload", "assets get", "credits quote", "credits buy"} <= spending
    assert len(allowed) == len(rows)
    assert len(no_spend) == len(rows) - len(spending)
    for name in ("create_guide", "jobs_wait", "assets_show", "models_list", "doctor"):
        assert name in no_spend
    for name in ("create", "edit", "upload", "assets_get", "credits_buy"):
        assert name not in no_spend
        assert name in allowed
    for tool in allowed.values():
        text = json.dumps(tool.input_schema) + (tool.description or "")
        assert not [name for name in tool.input_schema["properties"] if "token" in name], tool.name
        assert "isk_r_" not in text


async def _flow(cli: Cli, token: str, out_dir: Path) -> dict[str, Any]:
    params = _params(cli, "--allow-spend", "--output-dir", str(out_dir))
    params.env = {**cli.env, "IMAGE_SKILL_TOKEN": token}
    answers: dict[str, Any] = {}
    async with _client(params) as client:
        guide = await client.call_tool("create_guide", {"prompt": "a red cube"})
        answers["guide"] = guide
        created = await client.call_tool(
            "create",
            {"prompt": "a red cube", "max_estimated_usd_per_image": 0.5, "accept_unknown_cost": True},
        )
        answers["create"] = created
        job_id = created.structured_content["data"]["job_id"]
        answers["wait"] = await client.call_tool("jobs_wait", {"job_id": job_id, "timeout_ms": 30000})
        asset_id = created.structured_content["data"]["assets"][0]["asset_id"]
        answers["show"] = await client.call_tool("assets_show", {"ref": asset_id})
        answers["get"] = await client.call_tool("assets_get", {"ref": asset_id, "output": "cube.png"})
        answers["escape"] = await client.call_tool("assets_get", {"ref": asset_id, "output": "../cube.png"})
        answers["bad"] = await client.call_tool("jobs_show", {"job_id": "not-a-job"})
    return answers


def test_guide_create_wait_show_and_refusals_through_tools(cli: Cli, tmp_path: Path) -> None:
    token = _token(cli)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    answers = anyio.run(_flow, cli, token, out_dir)
    for name in ("guide", "create", "wait", "show", "get"):
        result = answers[name]
        assert result.is_error is False, (name, result.structured_content)
        assert result.structured_content["ok"] is True
        assert json.loads(result.content[0].text) == result.structured_content
        assert token not in json.dumps(result.structured_content)
    assert answers["guide"].structured_content["data"]["stage"] == "ready_to_create"
    assert answers["wait"].structured_content["data"]["job"]["status"] == "completed"
    assert (out_dir / "cube.png").is_file()
    escape, bad = answers["escape"], answers["bad"]
    assert escape.is_error is True
    assert escape.structured_content["error"]["code"] == ErrorCode.INVALID_ARGUMENTS
    assert not (tmp_path / "cube.png").exists()
    assert bad.is_error is True
    assert bad.structured_content["error"]["code"] == ErrorCode.INVALID_ARGUMENTS


async def _refused(cli: Cli) -> Any:
    async with _client(_params(cli)) as client:
        return await client.call_tool("create", {"prompt": "a red cube"})


def test_a_spending_tool_is_refused_without_allow_spend(cli: Cli) -> None:
    result = anyio.run(_refused, cli)
    assert result.is_error is True
    assert "--allow-spend" in json.dumps(result.structured_content)


def _token(cli: Cli) -> str:
    result = cli(
        "signup", "--agent", "--agent-contact", "mcp@example.invalid", "--agent-name", "mcp", "--show-token"
    )
    token: str = result.data["token"]
    return token

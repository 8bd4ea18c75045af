"""image-skill mcp: serve the commands as Model Context Protocol tools over stdio.

The official ``mcp`` SDK (the ``image-skill[mcp]`` extra) is imported by this command only. The
tools are ``image_skill.mcp_tools``'s, made from the manifest. A call runs the CLI in this process
(``image_skill.main.main``) on the command line the tool stands for, with this server's environment
(so the token comes from IMAGE_SKILL_TOKEN or the config file, as for the CLI; it is never a tool
argument) and ``--api-base-url`` when the server was given one; standard input is empty, standard
output and error are captured. The answer is the CLI's envelope as structured content (and as JSON
text); a failure envelope is a tool error carrying it, as a non-zero exit would be. The envelope is
the CLI's own, so the token is scrubbed from it as from any output.

Standard output carries the protocol (``PROTOCOL_ON_STDOUT``): nothing else is printed there.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from image_skill import mcp_tools
from image_skill.command_table import LABELS
from image_skill.context import Context
from image_skill.envelope import CliError, success
from image_skill.validate import utf8_text
from image_skill_api.registry import ErrorCode

LABEL = LABELS["mcp"]
#: Standard output is the protocol's: main prints no envelope after the session.
PROTOCOL_ON_STDOUT = True
SERVER_NAME = "image-skill"


@dataclass(frozen=True)
class McpOptions:
    allow_spend: bool
    output_dir: Path
    api_base_url: str | None


def parse(opts: Mapping[str, Any]) -> McpOptions:
    output_dir = utf8_text(str(opts["--output-dir"] or "."), "--output-dir", "mcp")
    return McpOptions(bool(opts["--allow-spend"]), Path(output_dir), opts.get("--api-base-url"))


def call(ctx: Context, opts: McpOptions, name: str, arguments: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Run one tool call as the CLI would run its command line: (envelope, exit code)."""
    from image_skill.main import main

    rows = {mcp_tools.tool_name(row): row for row in mcp_tools.listed(allow_spend=opts.allow_spend)}
    if name not in rows:
        raise mcp_tools.ToolRefused(f"no tool {name!r} is served (spending tools need --allow-spend)")
    line = mcp_tools.argv(rows[name], arguments, opts.output_dir)
    if opts.api_base_url:
        line += ["--api-base-url", opts.api_base_url]
    out, err = io.StringIO(), io.StringIO()
    code = main(line, env=ctx.env, stdin=io.StringIO(""), stdout=out, stderr=err)
    envelope: dict[str, Any] = json.loads(out.getvalue())
    return envelope, code


def tools(opts: McpOptions) -> list[dict[str, Any]]:
    """The tools served, as plain dicts (name, description, input schema, annotations)."""
    return [
        {
            "name": mcp_tools.tool_name(row),
            "description": mcp_tools.description(row),
            "input_schema": mcp_tools.input_schema(row),
            "read_only": not (row["effects"]["mutation"] or row["effects"]["media_write"]),
        }
        for row in mcp_tools.listed(allow_spend=opts.allow_spend)
    ]


def server(ctx: Context, opts: McpOptions) -> Any:
    """The SDK's low-level server, its handlers bound to ``ctx`` and ``opts``."""
    import anyio
    import mcp_types as types
    from mcp.server.lowlevel import Server

    listed = [
        types.Tool(
            name=tool["name"],
            description=tool["description"],
            input_schema=tool["input_schema"],
            annotations=types.ToolAnnotations(read_only_hint=tool["read_only"], open_world_hint=True),
        )
        for tool in tools(opts)
    ]

    async def list_tools(_: Any, __: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=listed)

    async def call_tool(_: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        try:
            envelope, code = await anyio.to_thread.run_sync(
                call, ctx, opts, params.name, params.arguments or {}
            )
        except mcp_tools.ToolRefused as exc:
            envelope, code = refused(ctx, str(exc)), 2
        text = json.dumps(envelope, ensure_ascii=False)
        return types.CallToolResult(
            content=[types.TextContent(text=text)], structured_content=envelope, is_error=code != 0
        )

    return Server(SERVER_NAME, on_list_tools=list_tools, on_call_tool=call_tool)


def refused(ctx: Context, message: str) -> dict[str, Any]:
    from image_skill.envelope import failure

    return failure(ctx.command, CliError(ErrorCode.INVALID_ARGUMENTS, message), trace_id=ctx.trace_id)


def run(ctx: Context, opts: McpOptions) -> dict[str, Any]:
    try:
        import anyio
        from mcp.server.stdio import stdio_server
    except ImportError:
        raise CliError(
            ErrorCode.PUBLIC_CLI_COMMAND_NOT_AVAILABLE,
            "image-skill mcp needs the MCP SDK: install image-skill[mcp].",
            recovery={"suggested_command": "pip install 'image-skill[mcp]'"},
        ) from None
    mcp_server = server(ctx, opts)

    async def serve() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await mcp_server.run(read_stream, write_stream, mcp_server.create_initialization_options())

    anyio.run(serve)
    return success(ctx.command, {"tools": [tool["name"] for tool in tools(opts)]}, trace_id=ctx.trace_id)

"""The faces of issue 18 a person or an agent meets at start: ``--help`` on a terminal (its stdout a
pseudo-terminal, so the text help is rendered) against ``python -c pass``, and, timed inside an MCP
client, ``image-skill mcp`` from its start until it has listed its tools and exited, against a bare
server of the same SDK that lists none. Both are reported; the terminal help shares the start-up
budget."""

from __future__ import annotations

import functools
import os
import pty
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence

from bench.procs import BenchError, self_timed, timed
from bench.startup import COLLECTOR_AS_THE_CLI, FLOOR, FROZEN_AT_EXIT, STARTUP_BUDGET
from bench.stats import Row, Sample, alternate, paired_row

#: An MCP client of the official SDK: start the server given as argv over stdio, list its tools, and
#: print the wall seconds from the server's start to its exit and the server's CPU seconds. The
#: client's own start (about 1 s of imports) is outside the timing: whole processes, the pair ratios
#: moved by ±20 % and their medians sat at 0.88-1.05 around a floor of 1.
LIST_TOOLS = """
import resource, sys, time, anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters
async def main():
    async with Client(StdioServerParameters(command=sys.argv[1], args=sys.argv[2:])) as client:
        await client.list_tools()
start = time.perf_counter()
anyio.run(main)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(time.perf_counter() - start, usage.ru_utime + usage.ru_stime)
"""
#: The baseline server: the same SDK's low-level server over stdio, with no tools (and the collector as
#: the CLI's console entry sets it).
BARE_SERVER = (
    COLLECTOR_AS_THE_CLI
    + """
import anyio, mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
async def tools(_, __):
    return types.ListToolsResult(tools=[])
server = Server("bare", on_list_tools=tools)
async def main():
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())
anyio.run(main)
"""
    + FROZEN_AT_EXIT
)


def timed_on_terminal(argv: Sequence[str], env: Mapping[str, str]) -> Sample:
    """Run ``argv`` with its stdout on a pseudo-terminal (read to the end); wall and CPU seconds."""
    leader, follower = pty.openpty()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=dict(env), stdout=follower, stderr=subprocess.DEVNULL)
    os.close(follower)
    try:
        while os.read(leader, 65536):
            pass
    except OSError:  # EIO: the terminal's other end is closed
        pass
    finally:
        os.close(leader)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise BenchError(f"{list(argv)} exited {os.waitstatus_to_exitcode(status)} on a terminal")
    return Sample(time.perf_counter() - start, usage.ru_utime + usage.ru_stime)


def face_rows(cli: str, env: Mapping[str, str], runs: int) -> list[Row]:
    def baseline() -> Sample:
        return timed([sys.executable, "-c", "pass"], env)

    ours = functools.partial(timed_on_terminal, [cli, "--help"], {**env, "NO_COLOR": "1"})
    rows = [
        paired_row(
            "start-up: --help (terminal) vs python -c pass",
            alternate(ours, baseline, runs),
            budget=STARTUP_BUDGET,
            floor=FLOOR,
        )
    ]
    return [*rows, mcp_row(cli, env, runs)]


def mcp_row(cli: str, env: Mapping[str, str], runs: int) -> Row:
    """``image-skill mcp``: start and list the tools, vs a bare SDK server (reported)."""
    metric = "mcp: start and list tools vs a bare SDK server"
    try:
        import mcp  # noqa: F401 - only whether the extra is installed
    except ImportError:
        return Row(metric, "", skipped="the mcp extra is not installed")
    client = [sys.executable, "-c", LIST_TOOLS]
    ours = functools.partial(self_timed, [*client, cli, "mcp"], env)
    bare = functools.partial(self_timed, [*client, sys.executable, "-c", BARE_SERVER], env)
    return paired_row(metric, alternate(ours, bare, max(3, runs // 3)), floor=FLOOR)

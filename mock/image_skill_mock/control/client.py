"""The control API from a shell: ``image-skill-mock state|clock|faults|journal|pay ... --url URL``.

Each command sends one control request to a running ``serve --control`` (``--control-token``, or
``IMAGE_SKILL_MOCK_CONTROL_TOKEN``, when the server has one) and prints the server's JSON envelope
on stdout, exiting with its ``x-image-skill-exit-code``. ``state export --output FILE`` writes the
document to FILE instead and prints how many rows of each table it holds. A server that cannot be
reached, or answers with something that is not an envelope, is an error envelope of the same
shape. Standard library only: works without the ``[mock]`` extra.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from image_skill_api.constants import EXIT_CODE_HEADER, MOCK_CONTROL_TOKEN_HEADER
from image_skill_api.envelope import envelope, new_trace_id
from image_skill_api.operations import OPERATIONS
from image_skill_api.registry import ERRORS, ErrorCode

TOKEN_ENV = "IMAGE_SKILL_MOCK_CONTROL_TOKEN"  # noqa: S105 (the name of a variable, not a secret)
TIMEOUT_SECONDS = 60


class Failed(Exception):
    """A control command that could not get an envelope: its error envelope and exit code."""

    def __init__(self, operation_id: str, code: ErrorCode, message: str) -> None:
        error = {"code": str(code), "message": message, "retryable": ERRORS[code].retryable}
        command = OPERATIONS[operation_id].command
        self.envelope = envelope(ok=False, command=command, trace_id=new_trace_id(), error=error)
        self.exit_code = int(ERRORS[code].exit_code)
        super().__init__(message)


def call(
    base_url: str,
    operation_id: str,
    *,
    token: str | None = None,
    body: Any = None,
    query: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], int]:
    """Send one control operation; (its envelope, its exit code). Raises ``Failed`` without one."""
    op = OPERATIONS[operation_id]
    query = {k: v for k, v in (query or {}).items() if v is not None}
    url = base_url.rstrip("/") + op.path + (f"?{urlencode(query)}" if query else "")
    headers = {"accept": "application/json"}
    if token:
        headers[MOCK_CONTROL_TOKEN_HEADER] = token
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["content-type"] = "application/json"
    if not url.startswith(("http://", "https://")):
        raise Failed(operation_id, ErrorCode.INVALID_ARGUMENTS, "--url must be an http(s):// URL.")
    request = urllib.request.Request(url, data=data, headers=headers, method=op.method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            raw, exit_header = response.read(), response.headers.get(EXIT_CODE_HEADER)
    except urllib.error.HTTPError as exc:
        raw, exit_header = exc.read(), exc.headers.get(EXIT_CODE_HEADER)
    except (OSError, ValueError) as exc:
        raise Failed(
            operation_id, ErrorCode.HOSTED_API_REQUEST_FAILED, f"{url} could not be reached: {exc}."
        ) from None
    try:
        answer = json.loads(raw)
        exit_code = int(exit_header or "")
    except ValueError:
        raise Failed(
            operation_id, ErrorCode.HOSTED_API_NON_JSON_RESPONSE, f"{url} did not answer with an envelope."
        ) from None
    if not isinstance(answer, dict) or "ok" not in answer:
        raise Failed(
            operation_id, ErrorCode.HOSTED_API_NON_JSON_RESPONSE, f"{url} did not answer with an envelope."
        )
    return answer, exit_code


def _number(opts: dict[str, Any], name: str, kind: type[int] | type[float]) -> Any:
    raw = opts.get(name)
    if raw is None:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None


def _read_document(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} is not a readable JSON state document ({exc})") from None


def operation_of(opts: dict[str, Any]) -> str:
    """The operation a parsed command line asks for."""
    if opts["state"]:
        return (
            "exportMockState" if opts["export"] else "importMockState" if opts["import"] else "resetMockState"
        )
    if opts["clock"]:
        return "advanceMockClock" if opts["advance"] else "getMockClock"
    if opts["faults"]:
        return (
            "addMockFaultRule"
            if opts["add"]
            else "listMockFaultRules"
            if opts["list"]
            else "clearMockFaultRules"
        )
    return "listMockJournal" if opts["journal"] else "payMockCheckout"


def request_of(operation_id: str, opts: dict[str, Any]) -> dict[str, Any]:
    """The ``call`` keywords (body, query) of ``operation_id`` from the command line."""
    if operation_id == "importMockState":
        return {"body": _read_document(opts["FILE"])}
    if operation_id == "resetMockState":
        return {"body": {"agent_id": opts["--agent-id"]} if opts["--agent-id"] else {}}
    if operation_id == "advanceMockClock":
        return {"body": {"seconds": _number(opts, "--seconds", float)}}
    if operation_id == "addMockFaultRule":
        rule = {
            "operation": opts["--operation"],
            "fault": opts["--fault"],
            "times": _number(opts, "--times", int),
            "probability": _number(opts, "--probability", float),
            "after": _number(opts, "--after", int),
        }
        return {"body": {k: v for k, v in rule.items() if v is not None}}
    if operation_id == "listMockJournal":
        return {
            "query": {
                "trace_id": opts["--trace-id"],
                "agent_id": opts["--agent-id"],
                "limit": opts["--limit"],
            }
        }
    if operation_id == "payMockCheckout":
        return {"body": {"payment_attempt_id": opts["PAYMENT_ATTEMPT_ID"]}}
    return {}


def _written(answer: dict[str, Any], output: str) -> dict[str, Any]:
    """``state export --output``: the document written to ``output``; the answer says what it holds."""
    document = answer["data"]
    Path(output).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    rows = {
        table: len(found)
        for section in document.values()
        if isinstance(section, dict)
        for table, found in section.items()
        if isinstance(found, list)
    }
    return {**answer, "data": {"output": output, "version": document["version"], "rows": rows}}


def run(opts: dict[str, Any]) -> int:
    """Run one control command (docopt's ``opts``); print its JSON envelope; its exit code."""
    token = opts["--control-token"] or os.environ.get(TOKEN_ENV) or None
    operation_id = operation_of(opts)
    try:
        try:
            request = request_of(operation_id, opts)
        except ValueError as exc:
            raise Failed(operation_id, ErrorCode.INVALID_ARGUMENTS, str(exc)) from None
        answer, exit_code = call(opts["--url"], operation_id, token=token, **request)
        if operation_id == "exportMockState" and opts["--output"] and answer.get("ok"):
            try:
                answer = _written(answer, opts["--output"])
            except OSError as exc:
                raise Failed(operation_id, ErrorCode.OUTPUT_WRITE_FAILED, f"--output: {exc}.") from None
    except Failed as failed:
        answer, exit_code = failed.envelope, failed.exit_code
    sys.stdout.write(json.dumps(answer) + "\n")
    return exit_code

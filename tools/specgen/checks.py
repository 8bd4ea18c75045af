"""The spec's invariants the generated registries rely on (error codes, exit codes, operations)."""

from __future__ import annotations

from typing import Any

from .common import HTTP_METHODS, SpecError


def status_exit_codes(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec's HTTP status -> exit code table (``x-image-skill-status-exit-codes``), checked.

    The one reading of the table in the codegen: ``check_registry`` holds the error registry to it
    and ``registry.py.jinja`` turns the same rows into ``exit_code_for_status``.
    """
    table = spec["x-image-skill-status-exit-codes"]
    exits = {row["code"] for row in spec["x-image-skill-exit-codes"]}
    if table["ok"] not in exits:
        raise SpecError(f"x-image-skill-status-exit-codes: ok {table['ok']} is not an exit code")
    for rule in [*table["rules"], table["otherwise"]]:
        keys = {"statuses", "min_status"} & rule.keys()
        if len(keys) != (0 if rule is table["otherwise"] else 1):
            raise SpecError(
                "x-image-skill-status-exit-codes: each rule needs exactly one of `statuses` and"
                f" `min_status`, `otherwise` neither: {rule}"
            )
        statuses = rule.get("statuses", [rule["min_status"]] if "min_status" in rule else [])
        if (keys and not statuses) or not all(type(s) is int and 100 <= s <= 599 for s in statuses):
            raise SpecError(f"x-image-skill-status-exit-codes: bad HTTP statuses in {rule}")
        consistent = rule["consistent_exit_codes"]
        if not set(consistent) <= exits - {table["ok"]} or rule["exit_code"] not in consistent:
            raise SpecError(
                "x-image-skill-status-exit-codes: a rule's exit_code must be one of its"
                f" consistent_exit_codes, all failure exit codes: {rule}"
            )
    return table


def status_exit_rule(table: dict[str, Any], status: int) -> dict[str, Any]:
    """The rule of ``table`` that an HTTP ``status`` falls under (first match, else ``otherwise``)."""
    for rule in table["rules"]:
        if status in rule.get("statuses", ()) or ("min_status" in rule and status >= rule["min_status"]):
            return rule
    otherwise: dict[str, Any] = table["otherwise"]
    return otherwise


def check_registry(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    codes = schemas["ErrorCode"]
    registry = codes["x-image-skill-error-codes"]
    if list(codes["enum"]) != list(registry):
        raise SpecError(
            "ErrorCode.enum and x-image-skill-error-codes must list the same codes in the same order"
        )
    exits = {row["code"] for row in spec["x-image-skill-exit-codes"]}
    table = status_exit_codes(spec)
    for code, row in registry.items():
        exit_code, status = row["exit_code"], row["http_status"]
        if exit_code not in exits or exit_code == 0:
            raise SpecError(f"{code}: exit_code {exit_code} is not a failure exit code")
        if status is None:
            continue
        consistent = status_exit_rule(table, status)["consistent_exit_codes"]
        if exit_code not in consistent:
            raise SpecError(
                f"{code}: HTTP {status} is inconsistent with exit {exit_code}"
                f" (x-image-skill-status-exit-codes allows {consistent})"
            )
    events = schemas["ActivityEventType"]
    if list(events["enum"]) != list(events["x-image-skill-activity-events"]):
        raise SpecError("ActivityEventType.enum and its registry must list the same types in the same order")
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            for key in (
                "operationId",
                "x-image-skill-command",
                "description" if "summary" not in op else "summary",
            ):
                if key not in op:
                    raise SpecError(f"{method.upper()} {path} lacks {key}")

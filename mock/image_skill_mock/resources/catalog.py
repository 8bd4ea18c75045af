"""Models and capabilities (read-only views over ``image_skill_mock.catalog``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from image_skill_api.registry import ErrorCode
from image_skill_mock import catalog, commands
from image_skill_mock.envelope import ApiError
from image_skill_mock.state import Call

RECOMMENDED = [commands.MODELS_LIST_FOR[catalog.GENERATE], commands.MODELS_LIST_FOR[catalog.EDIT]]
FULL_CATALOG_FLAGS = ["--catalog-only", "--provider fal|xai|openai"]


def _keep(model: dict[str, Any], query: dict[str, Any]) -> bool:
    executable = catalog.is_executable(model)
    checks = (
        query.get("available") is None or (model["status"] == "available") == query["available"],
        query.get("executable") is None
        or (model["execution"]["model_execution_status"] == "executable") == query["executable"],
        not query.get("catalog_only") or not executable,
        query.get("operation") in (None, model["operation"]),
        query.get("provider") in (None, model["provider"]),
    )
    return all(checks)


def list_models(call: Call) -> dict[str, Any]:
    rows = [m for m in catalog.MODELS if _keep(m, call.query)]
    return {
        "models": [catalog.model_summary(m) for m in rows],
        "summary": {
            "total": len(catalog.MODELS),
            "returned": len(rows),
            "available": sum(m["status"] == "available" for m in catalog.MODELS),
            "executable": sum(catalog.is_executable(m) for m in catalog.MODELS),
            "cataloged_not_wired": sum(not catalog.is_executable(m) for m in catalog.MODELS),
            "providers": dict(sorted(Counter(m["provider"] for m in catalog.MODELS).items())),
            "first_actionable_model_ids": [m["id"] for m in rows if catalog.is_executable(m)],
            "recommended_filter_commands": RECOMMENDED,
            "full_catalog_flags": FULL_CATALOG_FLAGS,
        },
    }


def _found(value: dict[str, Any] | None, what: str, command: str) -> dict[str, Any]:
    if value is None:
        raise ApiError(
            ErrorCode.NOT_FOUND, f"No {what} has this id.", recovery={"suggested_command": command}
        )
    return value


def get_model(call: Call) -> dict[str, Any]:
    model = catalog.get_model(call.path["model_id"])
    return {"model": _found(model, "model", commands.MODELS_LIST)}


def list_capabilities(call: Call) -> dict[str, Any]:
    return {"capabilities": [catalog.capability(m) for m in catalog.MODELS]}


def get_capability(call: Call) -> dict[str, Any]:
    found = catalog.get_capability(call.path["capability_id"])
    return {"capability": _found(found, "capability", commands.CAPABILITIES_LIST)}


HANDLERS = {
    "listModels": list_models,
    "getModel": get_model,
    "listCapabilities": list_capabilities,
    "getCapability": get_capability,
}

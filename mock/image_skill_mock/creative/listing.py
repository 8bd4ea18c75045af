"""The catalog's answers: ``GET /v1/models`` (filters, ``query``, compact or ``details`` rows),
``GET /v1/models/{model_id}`` (an id, an alias or ``default``), the capabilities, and what a request
naming a retired model runs instead (``lifecycle``)."""

from __future__ import annotations

from collections import Counter
from typing import Any, Final

from image_skill_api.registry import ErrorCode
from image_skill_mock import suggested
from image_skill_mock.creative import catalog
from image_skill_mock.errors import ApiError

#: The ``models list`` lines a model list recommends (one per operation).
RECOMMENDED: Final = [
    suggested.MODELS_LIST_FOR[catalog.GENERATE],
    suggested.MODELS_LIST_FOR[catalog.EDIT],
]
FULL_CATALOG_FLAGS: Final = ["--catalog-only", "--provider fal|xai|openai", "--query QUERY", "--details"]
#: What ``models show`` resolves to the hosted default create model.
DEFAULT_REFERENCE: Final = "default"


def _words(model: dict[str, Any]) -> str:
    """Everything ``query`` is matched against, lower case."""
    parts = [model["id"], model["display_name"], model["provider"], model["operation"]]
    return " ".join([*parts, *model["task_tags"], *model["aliases"]]).lower()


def _keep(model: dict[str, Any], query: dict[str, Any]) -> bool:
    executable = catalog.is_executable(model)
    words = str(query.get("query") or "").lower().split()
    checks = (
        query.get("available") is None or (model["status"] == "available") == query["available"],
        query.get("executable") is None
        or (model["execution"]["model_execution_status"] == "executable") == query["executable"],
        not query.get("catalog_only") or not executable,
        query.get("operation") in (None, model["operation"]),
        query.get("provider") in (None, model["provider"]),
        all(word in _words(model) for word in words),
    )
    return all(checks)


def models_data(query: dict[str, Any]) -> dict[str, Any]:
    """``GET /v1/models``: the models ``query`` keeps, with the whole catalog's summary."""
    models = catalog.MODELS
    rows = [m for m in models if _keep(m, query)]
    details = bool(query.get("details"))
    return {
        "models": [dict(m) if details else catalog.model_summary(m) for m in rows],
        "summary": {
            "total": len(models),
            "returned": len(rows),
            "available": sum(m["status"] == "available" for m in models),
            "executable": sum(catalog.is_executable(m) for m in models),
            "cataloged_not_wired": sum(not catalog.is_executable(m) for m in models),
            "providers": dict(sorted(Counter(m["provider"] for m in models).items())),
            "first_actionable_model_ids": [m["id"] for m in rows if catalog.is_executable(m)],
            "recommended_filter_commands": RECOMMENDED,
            "full_catalog_flags": FULL_CATALOG_FLAGS,
            "default_model_id": catalog.HOSTED_DEFAULT_MODEL_ID,
            "query": query.get("query"),
            "details": details,
            "aliases": dict(sorted(catalog.ALIASES.items())),
        },
    }


def _not_found(what: str, command: str) -> ApiError:
    return ApiError(ErrorCode.NOT_FOUND, f"No {what} has this id.", recovery={"suggested_command": command})


def resolve(reference: str) -> tuple[dict[str, Any], str]:
    """The model a ``models show`` reference names, and how (``id``, ``alias`` or ``default``)."""
    if reference == DEFAULT_REFERENCE:
        via, model_id = "default", catalog.HOSTED_DEFAULT_MODEL_ID
    elif reference in catalog.ALIASES:
        via, model_id = "alias", catalog.ALIASES[reference]
    else:
        via, model_id = "id", reference
    model = catalog.get_model(model_id)
    if model is None:
        raise _not_found("model", suggested.command("listModels", "--query", reference))
    return model, via


def model_data(reference: str) -> dict[str, Any]:
    """``GET /v1/models/{model_id}``."""
    model, via = resolve(reference)
    return {"model": model, "resolved": {"requested": reference, "via": via}}


def capabilities_data() -> dict[str, Any]:
    """``GET /v1/capabilities``."""
    return {"capabilities": [catalog.capability(m) for m in catalog.MODELS]}


def capability_data(capability_id: str) -> dict[str, Any]:
    """``GET /v1/capabilities/{capability_id}``."""
    found = catalog.get_capability(capability_id)
    if found is None:
        raise _not_found("capability", suggested.CAPABILITIES_LIST)
    return {"capability": found}


def successor(model: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """What a request naming ``model`` runs: the model itself (no redirect) unless it is retired; a
    retired model's ``redirects_to`` (and the redirect, for ``request.selection``); a retired model
    without one is ``CAPABILITY_DENIED`` naming a replacement of the same operation."""
    lifecycle = model["lifecycle"]
    if lifecycle["state"] != catalog.RETIRED:
        return model, None
    target = catalog.get_model(lifecycle["redirects_to"] or "")
    if target is not None:
        redirect = {
            "requested_model_id": model["id"],
            "model_id": target["id"],
            "retired_at": lifecycle["retired_at"],
        }
        return target, redirect
    runnable = catalog.executable_models(model["operation"])
    preferred = [m for m in runnable if m["default"] or m["id"] == catalog.HOSTED_DEFAULT_EDIT_MODEL_ID]
    replacement = next(iter(preferred or runnable), None)
    recovery = {
        "suggested_command": suggested.models_show(replacement["id"])
        if replacement
        else suggested.MODELS_LIST_FOR[model["operation"]]
    }
    named = f"; use {replacement['id']} instead" if replacement else ""
    raise ApiError(ErrorCode.CAPABILITY_DENIED, f"{model['id']} is retired{named}.", recovery=recovery)

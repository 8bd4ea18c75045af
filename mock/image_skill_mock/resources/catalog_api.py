"""Tag ``catalog``: models and capabilities (read-only views over ``creative.catalog``)."""

from __future__ import annotations

from typing import Any

from image_skill_mock.creative import catalog
from image_skill_mock.http.call import Call


def list_models(call: Call) -> dict[str, Any]:
    return catalog.models_data(call.query)


def get_model(call: Call) -> dict[str, Any]:
    return catalog.model_data(call.path["model_id"])


def list_capabilities(call: Call) -> dict[str, Any]:
    return catalog.capabilities_data()


def get_capability(call: Call) -> dict[str, Any]:
    return catalog.capability_data(call.path["capability_id"])


HANDLERS = {
    "listModels": list_models,
    "getModel": get_model,
    "listCapabilities": list_capabilities,
    "getCapability": get_capability,
}

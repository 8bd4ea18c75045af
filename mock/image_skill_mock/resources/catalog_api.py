"""Tag ``catalog``: models and capabilities (read-only views over ``creative.listing``)."""

from __future__ import annotations

from typing import Any

from image_skill_mock.creative import listing
from image_skill_mock.http.call import Call


def list_models(call: Call) -> dict[str, Any]:
    return listing.models_data(call.query)


def get_model(call: Call) -> dict[str, Any]:
    return listing.model_data(call.path["model_id"])


def list_capabilities(call: Call) -> dict[str, Any]:
    return listing.capabilities_data()


def get_capability(call: Call) -> dict[str, Any]:
    return listing.capability_data(call.path["capability_id"])


HANDLERS = {
    "listModels": list_models,
    "getModel": get_model,
    "listCapabilities": list_capabilities,
    "getCapability": get_capability,
}

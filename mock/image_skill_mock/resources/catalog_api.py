"""Tag ``catalog``: models and capabilities (read-only views over ``creative.catalog``).

The catalog never changes while the server runs: each answer is built and encoded once per
distinct request (``envelope.fixed``) and served from memory on the event loop (``INLINE``).
"""

from __future__ import annotations

from image_skill_mock.creative import catalog
from image_skill_mock.http.call import Call
from image_skill_mock.http.envelope import Encoded, fixed

_models = fixed(lambda query: catalog.models_data(dict(query)))
_model = fixed(catalog.model_data)
_capabilities = fixed(catalog.capabilities_data)
_capability = fixed(catalog.capability_data)


def list_models(call: Call) -> Encoded:
    return _models(tuple(sorted(call.query.items())))


def get_model(call: Call) -> Encoded:
    return _model(call.path["model_id"])


def list_capabilities(call: Call) -> Encoded:
    return _capabilities()


def get_capability(call: Call) -> Encoded:
    return _capability(call.path["capability_id"])


HANDLERS = {
    "listModels": list_models,
    "getModel": get_model,
    "listCapabilities": list_capabilities,
    "getCapability": get_capability,
}
#: Handlers that touch no storage and do no heavy work: run on the event loop, no worker thread.
INLINE = frozenset(HANDLERS)

"""Tag ``catalog``: models and capabilities (read-only views over ``creative.listing``).

The catalog never changes while the server runs (``serve --catalog`` installs one before serving):
each answer is built and encoded once per distinct request and catalog install (``envelope.fixed``,
keyed on ``catalog.GENERATION`` and the validated parameters: ``query``, ``details``, the filters,
an id, an alias or ``default``) and served from memory on the event loop (``INLINE``).
"""

from __future__ import annotations

from image_skill_mock.creative import catalog, listing
from image_skill_mock.http.call import Call
from image_skill_mock.http.envelope import Encoded, fixed

# Each takes the catalog's install first (unused but as the key of what is remembered).
_models = fixed(lambda _install, query: listing.models_data(dict(query)))
_model = fixed(lambda _install, reference: listing.model_data(reference))
_capabilities = fixed(lambda _install: listing.capabilities_data())
_capability = fixed(lambda _install, capability_id: listing.capability_data(capability_id))


def list_models(call: Call) -> Encoded:
    return _models(catalog.GENERATION, tuple(sorted(call.query.items())))


def get_model(call: Call) -> Encoded:
    return _model(catalog.GENERATION, call.path["model_id"])


def list_capabilities(call: Call) -> Encoded:
    return _capabilities(catalog.GENERATION)


def get_capability(call: Call) -> Encoded:
    return _capability(catalog.GENERATION, call.path["capability_id"])


HANDLERS = {
    "listModels": list_models,
    "getModel": get_model,
    "listCapabilities": list_capabilities,
    "getCapability": get_capability,
}
#: Handlers that touch no storage and do no heavy work: run on the event loop, no worker thread.
INLINE = frozenset(HANDLERS)

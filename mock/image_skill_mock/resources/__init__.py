"""The thin resources: one module per spec tag (``<tag>_api.py``), each handler reads the ``Call``,
calls one feature function and returns its data (no logic, no SQL). ``HANDLERS`` maps operationId
-> handler; the app routes exactly the operations found here. ``INLINE`` names the handlers that
touch no storage and do no heavy work: the app runs them on the event loop, without a worker
thread. ``media`` is the capability-URL route (not an operation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from image_skill_mock.http.call import Call
from image_skill_mock.resources import (
    catalog_api,
    creative_api,
    identity_api,
    ledger_api,
    mock_control_api,
    payments_api,
    quota_api,
    resources_api,
    service_api,
)

HANDLERS: dict[str, Callable[[Call], Any]] = {
    **service_api.HANDLERS,
    **identity_api.HANDLERS,
    **quota_api.HANDLERS,
    **payments_api.HANDLERS,
    **catalog_api.HANDLERS,
    **creative_api.HANDLERS,
    **resources_api.HANDLERS,
    **ledger_api.HANDLERS,
}
INLINE: frozenset[str] = catalog_api.INLINE | identity_api.INLINE | service_api.INLINE
#: The control API (tag ``mock-control``), routed only with ``serve --control``.
CONTROL_HANDLERS: dict[str, Callable[[Call], Any]] = mock_control_api.HANDLERS

"""Tag ``mock-control``: the control API under ``/_mock/`` (routed only with ``serve --control``).
Every handler first checks who is asking (``control.access``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from image_skill_mock.control import access, actions, fault_rules, journal, state
from image_skill_mock.http.call import Call

Handler = Callable[[Call], Any]


def _guarded(handler: Handler) -> Handler:
    def guarded(call: Call) -> Any:
        access.check(call)
        return handler(call)

    return guarded


_HANDLERS: dict[str, Handler] = {
    "resetMockState": lambda call: state.reset(call.storage, call.body),
    "exportMockState": lambda call: state.export(call.storage, call.settings),
    "importMockState": lambda call: state.import_(call.storage, call.settings, call.body or {}),
    "getMockClock": lambda call: actions.show_clock(call.settings),
    "advanceMockClock": lambda call: actions.advance_clock(call.settings, call.body or {}),
    "addMockFaultRule": lambda call: fault_rules.add(call.storage, call.settings, call.body or {}),
    "listMockFaultRules": lambda call: fault_rules.listing(call.storage),
    "clearMockFaultRules": lambda call: fault_rules.clear(call.storage),
    "listMockJournal": lambda call: journal.entries(call.storage, call.query),
    "payMockCheckout": lambda call: actions.pay(call.storage, call.settings, call.body or {}),
}

HANDLERS: dict[str, Handler] = {operation: _guarded(handler) for operation, handler in _HANDLERS.items()}

"""Fault rules: "fail twice, then succeed", "one request in ten is slow", "the third create times out".

A rule names a fault (any NAME the ``x-image-skill-mock-fault`` header takes, ``slow:MS`` too), the
operation whose requests it applies to (an operationId; none: every operation where that fault has
a point to fire), how many matching requests to let through first (``after``), the chance it fires
on each later one (``probability``, default 1) and how many times it fires at most (``times``,
default: without end). ``draw`` is the hook ``http.faults`` calls for a request that carries no
fault header (``Settings.fault_rule``): rules are tried in the order they were added, each counts
the request as seen, and the first that fires gives the request its fault. The control API's own
operations never draw a fault. Rules live in the database (``store.harness``) until cleared or reset.
"""

from __future__ import annotations

import secrets
from typing import Any, Final

from image_skill_api.constants import MOCK_CONTROL_PATH_PREFIX
from image_skill_api.operations import OPERATIONS
from image_skill_api.registry import ErrorCode
from image_skill_mock.clock import timestamp
from image_skill_mock.errors import ApiError
from image_skill_mock.http import faults
from image_skill_mock.settings import Settings
from image_skill_mock.store import harness
from image_skill_mock.store.database import Storage

#: Where a fault can fire when its rule names no operation (a fault not listed fires in any).
FIRES_IN: Final[dict[str, tuple[str, ...]]] = {
    faults.PROVIDER_FAILED: ("createImage", "editImage"),
    faults.PROVIDER_TIMEOUT: ("createImage", "editImage"),
    faults.STORAGE_FAILED: ("createImage", "editImage"),
    faults.FEEDBACK_STORAGE_FAILED: ("createFeedback",),
}
#: Probabilities are drawn in millionths.
_SCALE: Final = 1_000_000


def _controlled(operation_id: str) -> bool:
    op = OPERATIONS.get(operation_id)
    return op is not None and op.path.startswith(MOCK_CONTROL_PATH_PREFIX)


def _shown(rule: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in rule.items() if k != "operation_id"}
    return {**shown, "operation": rule["operation_id"], "probability": float(rule["probability"])}


def add(storage: Storage, settings: Settings, body: dict[str, Any]) -> dict[str, Any]:
    """``POST /_mock/faults``: the new rule, checked (a known fault NAME and a served operation)."""
    fault = faults.requested(True, body["fault"])
    assert fault is not None
    operation = body.get("operation")
    if operation is not None and (operation not in OPERATIONS or _controlled(operation)):
        raise ApiError(
            ErrorCode.MOCK_CONTROL_REQUEST_INVALID,
            f"operation {operation!r} is not an operationId of the API (e.g. createImage).",
        )
    rule = {
        "operation_id": operation,
        "fault": body["fault"],
        "times": body.get("times"),
        "probability": float(body.get("probability", 1.0)),
        "after": int(body.get("after", 0)),
        "seen": 0,
        "fired": 0,
        "created_at": timestamp(settings.clock()),
    }
    with storage.transaction() as conn:
        rule_id = harness.insert_rule(conn, rule)
    return _shown({"rule_id": rule_id, **rule})


def listing(storage: Storage) -> dict[str, Any]:
    """``GET /_mock/faults``."""
    with storage.reading() as conn:
        return {"rules": [_shown(rule) for rule in harness.rules(conn)]}


def clear(storage: Storage) -> dict[str, Any]:
    """``DELETE /_mock/faults``."""
    with storage.transaction() as conn:
        return {"cleared": harness.clear_rules(conn)}


def _applies(rule: dict[str, Any], operation_id: str) -> bool:
    if rule["times"] is not None and rule["fired"] >= rule["times"]:
        return False
    if rule["operation_id"] is not None:
        return True
    name = rule["fault"].partition(":")[0]
    return name not in FIRES_IN or operation_id in FIRES_IN[name]


def draw(storage: Storage, operation_id: str) -> str | None:
    """The fault a request of ``operation_id`` draws from the rules (counted as it goes), or None."""
    if _controlled(operation_id):
        return None
    with storage.reading() as conn:  # the common case, no rule at all, takes no write lock
        if not any(_applies(rule, operation_id) for rule in harness.rules(conn, operation_id)):
            return None
    with storage.transaction() as conn:
        for rule in harness.rules(conn, operation_id):
            if not _applies(rule, operation_id):
                continue
            chance = round(float(rule["probability"]) * _SCALE)
            fires = rule["seen"] >= rule["after"] and secrets.randbelow(_SCALE) < chance
            harness.count_rule(conn, rule["rule_id"], fired=fires)
            if fires:
                return str(rule["fault"])
    return None

"""GET /v1/activity and GET /v1/activity/{ref}: the caller's hosted activity ledger, newest first.

The ledger is read, never written, here: the flows that emit events store them with what they
describe (``image_skill_mock.activity``). Listing is bounded by ``limit`` (the spec's parameter:
its default and bounds are the spec's). A reference is any id the
spec's ``ActivityReference`` allows: an ``evt_`` id answers that one event, or NOT_FOUND when the
caller has no such event; any other reference (job, asset, usage, feedback, signal, quote,
payment, receipt, credit event, reversal, trace) answers the events that name it - an empty list
when none do. Another agent's events are never visible: every query is scoped to the caller.
"""

from __future__ import annotations

from typing import Any, Final

from image_skill_api.constants import ACTIVITY_LIMIT_DEFAULT
from image_skill_api.operations import OPERATIONS
from image_skill_api.registry import ID_PREFIXES, ErrorCode
from image_skill_mock.envelope import ApiError
from image_skill_mock.state import Call

SOURCE: Final = "hosted_activity_ledger"
LIST_COMMAND: Final = f"{OPERATIONS['listActivity'].command} --json"


def list_activity(call: Call) -> dict[str, Any]:
    agent = call.require_agent()
    limit = int(call.query.get("limit", ACTIVITY_LIMIT_DEFAULT))
    subject = call.query.get("subject")
    events = call.storage.activity(agent.agent_id, limit=limit, ref=subject)
    return {"events": events, "source": SOURCE, "request": {"limit": limit, "subject": subject}}


def get_activity(call: Call) -> dict[str, Any]:
    agent = call.require_agent()
    ref = call.path["ref"]
    limit = ACTIVITY_LIMIT_DEFAULT
    events = call.storage.activity(agent.agent_id, limit=limit, ref=ref)
    if ref.startswith(ID_PREFIXES["EventId"]):
        events = [item for item in events if item["event_id"] == ref]
        if not events:
            raise ApiError(
                ErrorCode.NOT_FOUND,
                "No activity event with this id belongs to the caller.",
                recovery={"suggested_command": LIST_COMMAND},
            )
    return {"events": events, "source": SOURCE, "request": {"reference": ref, "limit": limit}}


HANDLERS = {"listActivity": list_activity, "getActivity": get_activity}

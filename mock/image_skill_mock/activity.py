"""The hosted activity ledger: one builder for every event, checked against the spec's registry.

Every flow that emits an event (create and edit jobs, uploads, payments, credits, feedback) builds
it here with ``event(...)`` and hands it to ``Storage`` inside the transaction that records what
it describes (``Storage.record_job(events=...)``, or ``Storage.add_activity(conn, ...)`` in a
flow's own ``Storage.transaction()``), so an event never exists without its subject and the reverse.

``event`` refuses (``ValueError``: a bug, never an input problem) a type outside the registry
(``image_skill_api.registry.ACTIVITY_EVENTS``), a link the registry does not list for that type,
and a missing stable link. The ``links`` object carries exactly the type's registry links:
``asset_ids`` a list, every other link an id or null.

An event never carries a prompt, a path, a provider or storage detail: ``summary`` is written by
the flow from fixed words and ids, and ``details`` holds only what the registry names
(``plan_receipt``, ``github_queue``, ...).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from image_skill_api.registry import ACTIVITY_EVENTS, ActivityEventType
from image_skill_mock import ids


@dataclass(frozen=True)
class Event:
    """One event as stored: its JSON shape, its owner and the ids it can be found by."""

    agent_id: str
    body: dict[str, Any]
    refs: tuple[str, ...]

    @property
    def event_id(self) -> str:
        return str(self.body["event_id"])


def event(
    type_: ActivityEventType | str,
    *,
    agent_id: str,
    subject_id: str,
    summary: str,
    status: str,
    occurred_at: str,
    trace_id: str | None,
    links: Mapping[str, str | Sequence[str] | None],
    operation: str | None = None,
    cost: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
) -> Event:
    """An event of registry type ``type_`` about ``subject_id``, with exactly the type's stable links.

    ``operation`` is needed only where the registry names several (``create/edit``).
    """
    kind = ActivityEventType(type_)
    spec = ACTIVITY_EVENTS[kind]
    unknown = set(links) - set(spec.links)
    if unknown:
        raise ValueError(f"{kind}: links {sorted(unknown)} are not in the registry")
    missing = set(spec.links) - set(links)
    if missing:
        raise ValueError(f"{kind}: stable links {sorted(missing)} are missing")
    operations = spec.operation.split("/")
    chosen = operation or operations[0]
    if chosen not in operations or (operation is None and len(operations) > 1):
        raise ValueError(f"{kind}: operation must be one of {operations}")
    body: dict[str, Any] = {
        "event_id": ids.new_id("EventId"),
        "type": str(kind),
        "occurred_at": occurred_at,
        "summary": summary,
        "operation": chosen,
        "subject": {"type": spec.subject, "id": subject_id},
        "links": {name: _link(name, links[name]) for name in spec.links},
        "status": status,
    }
    if cost is not None:
        body["cost"] = dict(cost)
    if trace_id is not None:
        body["trace_id"] = trace_id
    if details is not None:
        body["details"] = dict(details)
    refs = {subject_id} | ({trace_id} if trace_id else set())
    for value in body["links"].values():
        refs.update(value if isinstance(value, list) else [value] if value else [])
    return Event(agent_id, body, tuple(sorted(refs)))


def _link(name: str, value: str | Sequence[str] | None) -> Any:
    if name == "asset_ids":
        if isinstance(value, str) or value is None:
            raise ValueError("asset_ids is a list of asset ids")
        return list(value)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name} is one id or null")
    return value

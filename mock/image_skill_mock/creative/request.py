"""The creative pipeline's values: a ``CreativeRequest`` (a validated create or edit body), the
``Run`` carrying it through the steps, the ``Plan`` it is given and its ``Price``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from image_skill_mock.creative import catalog, idempotency, selection
from image_skill_mock.creative.selection import Choice, Parameters
from image_skill_mock.http.call import Call
from image_skill_mock.store.agents import Agent

#: What create assumes when the request leaves them out (the spec's defaults).
CREATE_ASPECT_RATIO: Final = "1:1"
#: What edit assumes: keep the input's aspect ratio.
EDIT_ASPECT_RATIO: Final = "auto"


@dataclass(frozen=True)
class CreativeRequest:
    """A validated create (or edit) request, as the pipeline reads it."""

    verb: str  # the job's `operation`: create | edit
    operation: str  # the models it may run: catalog.GENERATE | catalog.EDIT
    prompt: str
    model_id: str | None
    provider: str | None
    intent: str | None
    aspect_ratio: str
    output_count: int
    references: tuple[dict[str, Any], ...]
    #: Owned assets the job reads besides its references (an edit's input and mask).
    inputs: tuple[str, ...]
    parameters: dict[str, Any]
    budget: Decimal | None
    dry_run: bool
    accept_unknown_cost: bool
    #: An edit's mask (also in ``inputs``): white edits, black keeps.
    mask: str | None = None
    #: The caller's retry key (``idempotency``) and the fingerprint of the body it was sent with.
    idempotency_key: str | None = None
    fingerprint: str = ""

    @property
    def needs(self) -> selection.Needs:
        """What the request asks of the model besides its operation (mask, reference roles)."""
        roles = frozenset(str(reference["role"]) for reference in self.references)
        return selection.Needs(mask=self.mask is not None, roles=roles)

    @classmethod
    def edit(cls, body: dict[str, Any]) -> CreativeRequest:
        mask = body.get("mask_asset_id")
        return cls(
            verb="edit",
            operation=catalog.EDIT,
            prompt=body.get("prompt", ""),
            model_id=body.get("model"),
            provider=body.get("provider"),
            intent=body.get("intent"),
            aspect_ratio=body.get("aspect_ratio", EDIT_ASPECT_RATIO),
            output_count=1,
            references=tuple(body.get("references") or ()),
            inputs=(body["input_asset_id"], *([mask] if mask else [])),
            parameters=dict(body.get("model_parameters") or {}),
            budget=selection.usd(body.get("max_estimated_usd_per_image")),
            dry_run=bool(body.get("dry_run")),
            accept_unknown_cost=bool(body.get("accept_unknown_cost")),
            mask=mask,
            idempotency_key=body.get("idempotency_key"),
            fingerprint=idempotency.fingerprint({**body, "operation": "edit"}),
        )

    @classmethod
    def create(cls, body: dict[str, Any]) -> CreativeRequest:
        return cls(
            verb="create",
            operation=catalog.GENERATE,
            prompt=body["prompt"],
            model_id=body.get("model"),
            provider=body.get("provider"),
            intent=body.get("intent"),
            aspect_ratio=body.get("aspect_ratio", CREATE_ASPECT_RATIO),
            output_count=int(body.get("output_count", 1)),
            references=tuple(body.get("references") or ()),
            inputs=(),
            parameters=dict(body.get("model_parameters") or {}),
            budget=selection.usd(body.get("max_estimated_usd_per_image")),
            dry_run=bool(body.get("dry_run")),
            accept_unknown_cost=bool(body.get("accept_unknown_cost")),
            idempotency_key=body.get("idempotency_key"),
            fingerprint=idempotency.fingerprint(body),
        )


@dataclass(frozen=True)
class Price:
    """What one request costs: output size, provider estimate, and the credits it debits."""

    width: int
    height: int
    resolution_class: str
    estimate: Decimal | None  # provider USD per image, None when unknown before execution
    credit_pricing: dict[str, Any]

    @property
    def credits(self) -> int:
        return int(self.credit_pricing["credits_required"] or 0)


@dataclass(frozen=True)
class Run:
    """One request on its way through the pipeline: who asks, what, and when."""

    call: Call
    request: CreativeRequest
    agent: Agent | None  # None only for an anonymous dry run
    now: datetime

    @property
    def stores(self) -> bool:
        """Whether the job is kept (anything but an anonymous dry run)."""
        return self.agent is not None

    @property
    def executes(self) -> bool:
        """Whether the job renders and debits (anything but a dry run)."""
        return self.agent is not None and not self.request.dry_run


@dataclass(frozen=True)
class Plan:
    """What a request will run: the model and why, its parameters, and its price."""

    choice: Choice
    parameters: Parameters
    price: Price

    @property
    def model(self) -> dict[str, Any]:
        return self.choice.model

"""What ``create`` and ``edit`` share: the options that choose, price and guard a paid job, and the
request fields they become.

``parse_spend`` reads those options from docopt's dict once, checking each against the spec's
bounds (given by the command: ``CreateRequest``'s or ``EditRequest``'s constants); ``fill`` writes
exactly the fields the options set into the command's request body (a generated TypedDict), with
each reference IMAGE replaced by its owned asset id. An ``idempotency_key`` is always sent — the
caller's, or a fresh ``<noun>-<epoch ms>-<8 hex>`` — so a retried request cannot create (or
charge) twice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from image_skill.references import FLAGS as REFERENCE_FLAGS
from image_skill.references import ReferenceFlag, check_model_parameters, parse_flags
from image_skill.validate import choice, invalid, json_object, require, utf8_text
from image_skill_api.registry import INTENT_VALUES, PROVIDER_VALUES

if TYPE_CHECKING:
    from image_skill_api.models import CreateRequest, EditRequest, Intent, Provider


@dataclass(frozen=True)
class Spend:
    """The model choice, budget, confirmations, references and idempotency key of one create or edit."""

    model: str | None
    provider: Provider | None
    intent: Intent | None
    max_usd_per_image: float | None
    model_parameters: dict[str, Any] | None
    dry_run: bool
    accept_unknown_cost: bool
    #: The reference flags; their IMAGEs are resolved to owned asset ids before the request is built.
    references: list[ReferenceFlag]
    idempotency_key: str


def new_idempotency_key(noun: str) -> str:
    """``<noun>-<epoch ms>-<8 hex>``: a fresh key for a request that was given none."""
    import secrets
    import time

    return f"{noun}-{int(time.time() * 1000)}-{secrets.token_hex(4)}"


def parse_spend(opts: Mapping[str, Any], noun: str, *, min_usd_exclusive: float, max_usd: float) -> Spend:
    """The shared options of ``image-skill <noun>``; INVALID_ARGUMENTS for a value the spec refuses."""
    parameters = None
    if opts["--model-parameters-json"] is not None:
        parameters = json_object(opts["--model-parameters-json"], "--model-parameters-json", noun)
        check_model_parameters(parameters, noun)  # provider-native image keys name their flag instead
    values = {flag: [utf8_text(v, flag, noun) for v in opts.get(flag) or ()] for flag in REFERENCE_FLAGS}
    return Spend(
        model=require("ModelId", opts["--model"], noun),
        provider=choice("Provider", opts["--provider"], PROVIDER_VALUES, noun),
        intent=choice("Intent", opts["--intent"], INTENT_VALUES, noun),
        max_usd_per_image=_budget(opts["--max-estimated-usd-per-image"], noun, min_usd_exclusive, max_usd),
        model_parameters=parameters,
        dry_run=bool(opts["--dry-run"]),
        accept_unknown_cost=bool(opts["--accept-unknown-cost"]),
        references=parse_flags(values, noun),
        idempotency_key=require("IdempotencyKey", opts.get("--idempotency-key"), noun)
        or new_idempotency_key(noun),
    )


def _budget(raw: str | None, noun: str, min_usd_exclusive: float, max_usd: float) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value <= min_usd_exclusive or value > max_usd:
        raise invalid(
            noun,
            f"--max-estimated-usd-per-image must be a number of USD above {min_usd_exclusive}"
            f" (at most {max_usd}).",
        )
    return value


def fill(body: CreateRequest | EditRequest, spend: Spend, asset_ids: Mapping[str, str]) -> None:
    """Set exactly the fields ``spend`` sets (``asset_ids``: each reference IMAGE's owned asset id)."""
    if spend.references:
        body["references"] = [flag.entry(asset_ids[flag.image]) for flag in spend.references]
    if spend.model:
        body["model"] = spend.model
    if spend.provider:
        body["provider"] = spend.provider
    if spend.intent:
        body["intent"] = spend.intent
    if spend.max_usd_per_image is not None:
        body["max_estimated_usd_per_image"] = spend.max_usd_per_image
    if spend.model_parameters is not None:
        body["model_parameters"] = spend.model_parameters
    if spend.dry_run:
        body["dry_run"] = True
    if spend.accept_unknown_cost:
        body["accept_unknown_cost"] = True
    body["idempotency_key"] = spend.idempotency_key

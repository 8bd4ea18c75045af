"""image-skill models [list] / models show MODEL_ID."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from image_skill.context import Context
from image_skill.envelope import relabel
from image_skill.validate import choice, require, utf8_text
from image_skill_api import operations as ops
from image_skill_api.registry import OPERATION_VALUES, PROVIDER_VALUES

if TYPE_CHECKING:
    from image_skill_api.models import Operation, Provider


@dataclass(frozen=True)
class ListModels:
    available: bool  # usable now: available and executable
    executable: bool
    catalog_only: bool
    operation: Operation | None
    provider: Provider | None
    query: str | None
    details: bool


@dataclass(frozen=True)
class ShowModel:
    model_id: str


def parse(opts: Mapping[str, Any]) -> ListModels | ShowModel:
    if opts["show"]:
        return ShowModel(require("ModelReference", opts["<model_id>"], "models"))
    return ListModels(
        available=bool(opts["--available"]),
        executable=bool(opts["--available"] or opts["--executable"]),
        catalog_only=bool(opts["--catalog-only"]),
        operation=choice("Operation", opts["--operation"], OPERATION_VALUES, "models"),
        provider=choice("Provider", opts["--provider"], PROVIDER_VALUES, "models"),
        query=utf8_text(opts["--query"], "--query", "models") if opts["--query"] is not None else None,
        details=bool(opts["--details"]),
    )


def label(opts: Mapping[str, Any]) -> str:
    return ops.OPERATIONS["getModel" if opts["show"] else "listModels"].command


def run(ctx: Context, opts: ListModels | ShowModel) -> dict[str, Any]:
    if isinstance(opts, ShowModel):
        return relabel(ops.get_model(ctx.client, opts.model_id), ctx.command)
    envelope = ops.list_models(
        ctx.client,
        available=opts.available or None,
        executable=opts.executable or None,
        catalog_only=opts.catalog_only or None,
        operation=opts.operation,
        provider=opts.provider,
        query=opts.query,
        details=opts.details or None,
    )
    return relabel(envelope, ctx.command)

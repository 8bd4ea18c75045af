"""Which model runs a creative request, and the guards every request passes before it is priced.

``select`` picks the model: the one the request names (``explicit_model``), the strongest of the
named provider within the per-image budget (``explicit_provider``), or the policy of the
operation. Create's policy is ``hosted_default_create_v1``: the hosted default model
(``catalog.HOSTED_DEFAULT_MODEL_ID``) at the most expensive resolution tier within budget, else the
cheapest known-price model within budget, else ``BUDGET_EXCEEDED``. An edit policy is one more
entry of ``DEFAULT_POLICIES``.

The guards refuse before anything is stored: ``check_parameters`` (the model's parameter schema;
cataloged keys fail closed), ``check_output_count``, ``check_aspect_ratio``,
``check_references_supported``, ``check_budget`` and ``check_unknown_cost``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from image_skill_api.registry import ErrorCode
from image_skill_mock import suggested
from image_skill_mock.creative import catalog, listing
from image_skill_mock.errors import ApiError
from image_skill_mock.http import validation

HOSTED_DEFAULT_POLICY: Final = "hosted_default_create_v1"
HOSTED_DEFAULT_EDIT_POLICY: Final = "hosted_default_edit_v1"
_WRONG_OPERATION: Final = {
    catalog.GENERATE: "is an edit model; create needs an image.generate model",
    catalog.EDIT: "is a create model; edit needs an image.edit model",
}


@dataclass(frozen=True)
class Choice:
    """The selected model, the policy that chose it (and why), and the parameter defaults it applies."""

    model: dict[str, Any]
    policy: str
    reason: str
    defaults: dict[str, Any] = field(default_factory=dict)
    #: Set when the model named (or the hosted default) is retired and its successor runs instead.
    redirect: dict[str, Any] | None = None


@dataclass(frozen=True)
class Parameters:
    """The model parameters a job runs with: the request's, plus the policy defaults it left unset."""

    requested: dict[str, Any]
    applied: dict[str, Any]

    @property
    def effective(self) -> dict[str, Any]:
        return {**self.applied, **self.requested}

    @property
    def source(self) -> str:
        if self.applied and self.requested:
            return "request_and_default_policy"
        if self.applied:
            return "default_policy"
        return "request" if self.requested else "none"


def usd(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _listed_price(model: Mapping[str, Any]) -> Decimal | None:
    return usd(model["economics"]["estimated_usd_per_image"])


def _within(budget: Decimal | None, candidates: list[dict[str, Any]]) -> list[tuple[Decimal, dict[str, Any]]]:
    """The known-price candidates within the per-image budget (all of them when there is none)."""
    return [
        (price, m)
        for m in candidates
        if (price := _listed_price(m)) is not None and (budget is None or price <= budget)
    ]


def _explicit_model(operation: str, model_id: str) -> Choice:
    refusal = {"suggested_command": suggested.MODELS_LIST_FOR[operation]}
    named = catalog.get_model(model_id)
    if named is None:
        raise ApiError(ErrorCode.NOT_FOUND, "No model has this id.", recovery=refusal)
    model, redirect = listing.successor(named)
    if model["operation"] != operation:
        raise ApiError(
            ErrorCode.CAPABILITY_DENIED, f"{model['id']} {_WRONG_OPERATION[operation]}.", recovery=refusal
        )
    if not catalog.is_executable(model):
        raise ApiError(
            ErrorCode.CAPABILITY_DENIED,
            f"{model['id']} is cataloged but not executable yet.",
            recovery=refusal,
        )
    if redirect is not None:
        reason = f"The request named {named['id']}, which is retired; its successor {model['id']} ran."
        return Choice(model, "explicit_model", reason, redirect=redirect)
    return Choice(model, "explicit_model", "The request named this model.")


def _explicit_provider(operation: str, provider: str, budget: Decimal | None) -> Choice:
    of_provider = [m for m in catalog.executable_models(operation) if m["provider"] == provider]
    priced = _within(budget, of_provider)
    if not priced:
        raise ApiError(
            ErrorCode.BUDGET_EXCEEDED, "No executable model of this provider fits the per-image budget."
        )
    _, model = max(priced, key=lambda pm: pm[0])
    return Choice(model, "explicit_provider", "The strongest executable model of the provider within budget.")


def _hosted_default_create(budget: Decimal | None) -> Choice:
    named = catalog.get_model(catalog.HOSTED_DEFAULT_MODEL_ID)
    assert named is not None, "data/models.json names a hosted default model it does not hold"
    default, redirect = listing.successor(named)
    if redirect is not None:
        reason = "The hosted default is retired; its successor ran."
        return Choice(default, HOSTED_DEFAULT_POLICY, reason, {}, redirect)
    for tier in sorted(default["pricing"]["tiers"], key=lambda t: -t["usd_per_image"]):
        if budget is None or Decimal(str(tier["usd_per_image"])) <= budget:
            reason = f"Quality-first hosted default at resolution {tier['value']}."
            return Choice(default, HOSTED_DEFAULT_POLICY, reason, {tier["parameter"]: tier["value"]})
    priced = _within(budget, catalog.executable_models(catalog.GENERATE)) if budget is not None else []
    if not priced:
        raise ApiError(ErrorCode.BUDGET_EXCEEDED, "No executable create model fits the per-image budget.")
    _, model = min(priced, key=lambda pm: pm[0])
    return Choice(model, HOSTED_DEFAULT_POLICY, "The cheapest known-price executable model within budget.")


@dataclass(frozen=True)
class Needs:
    """What the request asks of the model besides its operation (an edit's mask, reference roles)."""

    mask: bool = False
    roles: frozenset[str] = frozenset()

    def met_by(self, model: Mapping[str, Any]) -> bool:
        refs = model["references"]
        return (not self.mask or bool(model["mask"]["supported"])) and (
            not self.roles or (bool(refs["supported"]) and self.roles <= set(refs["roles"]))
        )


def _hosted_default_edit(budget: Decimal | None, needs: Needs) -> Choice:
    """``hosted_default_edit_v1``: among the executable edit models that can run the request (mask,
    reference roles), the hosted default edit model when it fits the budget, else the cheapest
    known-price one within budget, else the first unknown-cost one (it needs ``accept_unknown_cost``)."""
    able = [m for m in catalog.executable_models(catalog.EDIT) if needs.met_by(m)]
    if not able:
        raise ApiError(
            ErrorCode.CAPABILITY_DENIED,
            "No executable edit model takes this combination of mask and reference roles.",
            recovery={"suggested_command": suggested.MODELS_LIST_FOR[catalog.EDIT]},
        )
    priced = _within(budget, able)
    for _price, model in priced:
        if model["id"] == catalog.HOSTED_DEFAULT_EDIT_MODEL_ID:
            return Choice(model, HOSTED_DEFAULT_EDIT_POLICY, "The hosted default edit model.")
    if priced:
        _, model = min(priced, key=lambda pm: pm[0])
        reason = "The cheapest known-price executable edit model within budget that can run the request."
        return Choice(model, HOSTED_DEFAULT_EDIT_POLICY, reason)
    unknown = [m for m in able if _listed_price(m) is None]
    if not unknown:
        raise ApiError(ErrorCode.BUDGET_EXCEEDED, "No executable edit model fits the per-image budget.")
    reason = "The first executable edit model that can run the request (its cost is known after execution)."
    return Choice(unknown[0], HOSTED_DEFAULT_EDIT_POLICY, reason)


#: The policy that picks a model when the request names neither a model nor a provider.
DEFAULT_POLICIES: Final[dict[str, Callable[[Decimal | None], Choice]]] = {
    catalog.GENERATE: _hosted_default_create,
    catalog.EDIT: lambda budget: _hosted_default_edit(budget, Needs()),
}


def select(
    operation: str,
    *,
    model_id: str | None,
    provider: str | None,
    budget: Decimal | None,
    needs: Needs | None = None,
) -> Choice:
    """The model a request of ``operation`` runs, by the first rule that applies (see the module doc)."""
    if model_id is not None:
        return _explicit_model(operation, model_id)
    if provider is not None:
        return _explicit_provider(operation, provider, budget)
    if operation == catalog.EDIT:
        return _hosted_default_edit(budget, needs or Needs())
    return DEFAULT_POLICIES[operation](budget)


def check_parameters(choice: Choice, requested: Mapping[str, Any]) -> Parameters:
    """The request's ``model_parameters`` checked against the model, with the policy's defaults added."""
    model = choice.model
    recovery = {"suggested_command": suggested.models_show(model["id"])}
    cataloged = set(model["model_parameters"]["cataloged_keys"])
    for key in requested:
        if key in cataloged:
            raise ApiError(
                ErrorCode.CAPABILITY_DENIED,
                f"model_parameters.{key} is cataloged for {model['id']} but not executable yet.",
                recovery=recovery,
            )
    error = validation.check_instance(model["model_parameters"]["schema"], requested)
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path)
        unknown = set(requested) - set(model["model_parameters"]["executable_keys"])
        key = where or next(iter(unknown), "")
        raise ApiError(
            ErrorCode.MODEL_PARAMETERS_INVALID,
            f"model_parameters.{key} is not accepted by {model['id']} ({error.validator}).",
            recovery=recovery,
        )
    applied = {k: v for k, v in choice.defaults.items() if k not in requested}
    return Parameters(dict(requested), applied)


def check_output_count(model: Mapping[str, Any], count: int) -> None:
    most = model["media"]["output"]["max_outputs_per_request"]
    if count > most:
        raise ApiError(
            ErrorCode.CAPABILITY_DENIED, f"{model['id']} returns at most {most} outputs per request."
        )


def check_aspect_ratio(model: Mapping[str, Any], aspect_ratio: str) -> None:
    supported = model["media"]["output"]["aspect_ratios"]
    if aspect_ratio not in supported:
        raise ApiError(
            ErrorCode.CAPABILITY_DENIED, f"{model['id']} supports aspect ratios {', '.join(supported)}."
        )


def check_references_supported(model: Mapping[str, Any], references: Sequence[Any], verb: str) -> None:
    if references and not model["references"]["supported"]:
        raise ApiError(
            ErrorCode.CAPABILITY_DENIED, f"{model['id']} does not take reference images on {verb}."
        )


def check_mask_supported(model: Mapping[str, Any], has_mask: bool) -> None:
    if has_mask and not model["mask"]["supported"]:
        raise ApiError(
            ErrorCode.CAPABILITY_DENIED,
            f"{model['id']} does not take a mask; pick an edit model whose mask.supported is true"
            " (the suggested command lists them), or edit without --mask.",
            recovery={"suggested_command": suggested.MODELS_LIST_FOR[catalog.EDIT]},
        )


def check_budget(estimate: Decimal | None, budget: Decimal | None) -> None:
    if estimate is not None and budget is not None and estimate > budget:
        raise ApiError(
            ErrorCode.BUDGET_EXCEEDED,
            f"The estimated USD {estimate} per image is above the per-image budget.",
        )


def check_unknown_cost(model: Mapping[str, Any], estimate: Decimal | None, accepted: bool) -> None:
    if estimate is None and not accepted:
        raise ApiError(
            ErrorCode.BUDGET_REQUIRES_CONFIRMATION, f"{model['id']} has no price before execution."
        )

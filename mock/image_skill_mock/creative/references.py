"""The contract's reference rules (cli.md ``create``/``edit``), each refusal with its own message.

``check_shape`` holds a request's ``references[]`` to what the selected model advertises
(``model.references``: roles, ``max_indexes``, ``max_entries``, ``tasks``):

- Kling element routes (roles ``element_frontal`` + ``element_reference``): at most ``max_entries``
  (40) entries over at most ``max_indexes`` (10) element indexes, contiguous from 0; each element
  has exactly one frontal image and at most ``MAX_ELEMENT_REFERENCES`` (3) reference images, each
  in its own ``reference_index`` slot; no ``reference_task``.
- flat ``reference_image`` routes (DreamO, xAI edit): at most ``max_indexes`` (2) indexes,
  contiguous from 0, one image each; ``reference_task`` only where the model lists ``tasks``
  (DreamO), never ``reference_index``.

Structural mistakes (gaps, duplicates, a reference without its frontal, a field of the other role)
are ``REFERENCES_INVALID`` (exit 2, HTTP 422: the body itself is well-formed); asking more than the
model can take (a role it lacks, too many entries, indexes or references, a task it does not take)
is ``CAPABILITY_DENIED`` (exit 4).

``check_media`` holds every referenced asset to the media policy (the spec's
``x-image-skill-limits``: PNG/JPEG/WebP, at most ``reference_max_bytes``, each side at least
``reference_min_side_px``, width/height within the aspect bounds): ``INPUT_POLICY_DENIED`` (exit 6).
Ownership is the pipeline's ``check_inputs`` (someone else's asset is simply not found).
``provider_native_key`` refuses provider-native keys in ``model_parameters`` (the spec's
``x-image-skill-provider-native-keys``), naming the flag that carries the same intent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

from image_skill_api.constants import (
    LIMIT_REFERENCE_MAX_ASPECT,
    LIMIT_REFERENCE_MAX_BYTES,
    LIMIT_REFERENCE_MIN_ASPECT,
    LIMIT_REFERENCE_MIN_SIDE_PX,
)
from image_skill_api.native_keys import native_flag
from image_skill_api.registry import ErrorCode
from image_skill_mock import suggested
from image_skill_mock.errors import ApiError
from image_skill_mock.store.assets import StoredAsset

#: Reference images an element may add to its frontal image.
MAX_ELEMENT_REFERENCES: Final = 3
REFERENCE_MIME_TYPES: Final = ("image/png", "image/jpeg", "image/webp")
FRONTAL, ELEMENT_REFERENCE, REFERENCE_IMAGE = "element_frontal", "element_reference", "reference_image"


def _refuse(code: ErrorCode, message: str, model: Mapping[str, Any]) -> ApiError:
    return ApiError(code, message, recovery={"suggested_command": suggested.models_show(model["id"])})


def _contiguous(indexes: set[int], what: str, model: Mapping[str, Any]) -> None:
    if indexes and indexes != set(range(len(indexes))):
        raise _refuse(
            ErrorCode.REFERENCES_INVALID,
            f"{what} indexes must be contiguous from 0 (got {sorted(indexes)});"
            f" renumber them 0..{len(indexes) - 1}.",
            model,
        )


def check_shape(model: Mapping[str, Any], references: Sequence[Mapping[str, Any]], verb: str) -> None:
    """The request's references against the model's reference capability (see the module doc)."""
    if not references:
        return
    advertised = model["references"]
    if not advertised["supported"]:
        raise _refuse(
            ErrorCode.CAPABILITY_DENIED, f"{model['id']} does not take reference images on {verb}.", model
        )
    roles = set(advertised["roles"])
    for ref in references:
        if ref["role"] not in roles:
            raise _refuse(
                ErrorCode.CAPABILITY_DENIED,
                f"{model['id']} does not take {ref['role']} references"
                f" (it takes: {', '.join(sorted(roles))}).",
                model,
            )
    max_entries = advertised.get("max_entries")
    if max_entries is not None and len(references) > max_entries:
        raise _refuse(
            ErrorCode.CAPABILITY_DENIED,
            f"{model['id']} takes at most {max_entries} reference entries (got {len(references)}).",
            model,
        )
    if FRONTAL in roles:
        _check_elements(model, references)
    else:
        _check_flat(model, references)


def _check_elements(model: Mapping[str, Any], references: Sequence[Mapping[str, Any]]) -> None:
    frontals = Counter(ref["index"] for ref in references if ref["role"] == FRONTAL)
    extras = [ref for ref in references if ref["role"] == ELEMENT_REFERENCE]
    for ref in references:
        if "reference_task" in ref:
            raise _refuse(ErrorCode.REFERENCES_INVALID, "Element references take no reference_task.", model)
        if ref["role"] == FRONTAL and "reference_index" in ref:
            raise _refuse(
                ErrorCode.REFERENCES_INVALID,
                f"The frontal image of element {ref['index']} takes no reference_index"
                " (use --element-reference IMAGE@ELEMENT:REF for additional images).",
                model,
            )
    doubled = sorted(index for index, count in frontals.items() if count > 1)
    if doubled:
        raise _refuse(
            ErrorCode.REFERENCES_INVALID,
            f"Element {doubled[0]} has more than one frontal image; give exactly one.",
            model,
        )
    orphans = sorted({ref["index"] for ref in extras} - set(frontals))
    if orphans:
        raise _refuse(
            ErrorCode.REFERENCES_INVALID,
            f"Element {orphans[0]} has reference images but no frontal image"
            f" (--element-frontal IMAGE@{orphans[0]}).",
            model,
        )
    indexes = set(frontals)
    most = model["references"].get("max_indexes")
    if most is not None and len(indexes) > most:
        raise _refuse(
            ErrorCode.CAPABILITY_DENIED,
            f"{model['id']} takes at most {most} elements (got {len(indexes)}).",
            model,
        )
    _contiguous(indexes, "Element", model)
    per_element = Counter(ref["index"] for ref in extras)
    crowded = sorted(index for index, count in per_element.items() if count > MAX_ELEMENT_REFERENCES)
    if crowded:
        raise _refuse(
            ErrorCode.CAPABILITY_DENIED,
            f"Element {crowded[0]} has {per_element[crowded[0]]} reference images; each element takes at most"
            f" {MAX_ELEMENT_REFERENCES} besides its frontal image.",
            model,
        )
    slots = Counter((ref["index"], ref["reference_index"]) for ref in extras if "reference_index" in ref)
    clash = sorted(slot for slot, count in slots.items() if count > 1)
    if clash:
        raise _refuse(
            ErrorCode.REFERENCES_INVALID,
            f"Element {clash[0][0]} uses reference slot {clash[0][1]} more than once.",
            model,
        )


def _check_flat(model: Mapping[str, Any], references: Sequence[Mapping[str, Any]]) -> None:
    tasks = set(model["references"].get("tasks") or ())
    for ref in references:
        if "reference_index" in ref:
            raise _refuse(
                ErrorCode.REFERENCES_INVALID,
                "reference_image entries take no reference_index (only index).",
                model,
            )
        if "reference_task" in ref and not tasks:
            raise _refuse(
                ErrorCode.CAPABILITY_DENIED,
                f"{model['id']} does not take a reference_task"
                " (give --reference-image IMAGE@INDEX without :TASK).",
                model,
            )
    counts = Counter(ref["index"] for ref in references)
    doubled = sorted(index for index, count in counts.items() if count > 1)
    if doubled:
        raise _refuse(
            ErrorCode.REFERENCES_INVALID, f"Reference index {doubled[0]} is given more than once.", model
        )
    most = model["references"].get("max_indexes")
    if most is not None and len(counts) > most:
        raise _refuse(
            ErrorCode.CAPABILITY_DENIED,
            f"{model['id']} takes at most {most} reference images (got {len(counts)}).",
            model,
        )
    _contiguous(set(counts), "Reference image", model)


def check_media(position: int, asset: StoredAsset) -> None:
    """One referenced asset against the reference media policy (INPUT_POLICY_DENIED)."""
    what = f"Reference {position} ({asset.asset_id})"
    if asset.mime_type not in REFERENCE_MIME_TYPES:
        raise ApiError(
            ErrorCode.INPUT_POLICY_DENIED,
            f"{what} is {asset.mime_type}; references must be PNG, JPEG or WebP.",
        )
    max_bytes = LIMIT_REFERENCE_MAX_BYTES
    if asset.content_length > max_bytes:
        raise ApiError(
            ErrorCode.INPUT_POLICY_DENIED,
            f"{what} is {asset.content_length} bytes; references may be at most {max_bytes} bytes (10 MB).",
        )
    min_side = LIMIT_REFERENCE_MIN_SIDE_PX
    if not asset.width or not asset.height or min(asset.width, asset.height) < min_side:
        raise ApiError(
            ErrorCode.INPUT_POLICY_DENIED,
            f"{what} is {asset.width}x{asset.height} px;"
            f" each side of a reference must be at least {min_side} px.",
        )
    low, high = Decimal(LIMIT_REFERENCE_MIN_ASPECT), Decimal(LIMIT_REFERENCE_MAX_ASPECT)
    aspect = Decimal(asset.width) / Decimal(asset.height)
    if not low <= aspect <= high:
        raise ApiError(
            ErrorCode.INPUT_POLICY_DENIED,
            f"{what} has aspect ratio {aspect:.2f} (width/height);"
            f" references must be between {low} and {high}.",
        )


def provider_native_key(parameters: Mapping[str, Any], verb: str, command: str) -> None:
    """Refuse provider-native keys in ``model_parameters`` (MODEL_PARAMETERS_INVALID naming the flag
    of ``verb``, create or edit; a key the verb does not refuse passes)."""
    for key in parameters:
        flag = native_flag(key, verb)
        if flag is not None:
            raise ApiError(
                ErrorCode.MODEL_PARAMETERS_INVALID,
                f"model_parameters.{key} is a provider-native key; Image Skill carries it as {flag}"
                " (owned assets, uploaded by the CLI), never through model_parameters.",
                recovery={"required_flag": flag, "suggested_command": f"{command} --help"},
            )

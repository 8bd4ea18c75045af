"""The reference flags of ``create`` and ``edit`` -> the body's ``references[]`` (the contract, cli.md).

Grammar (each IMAGE is an asset id, an owned media URL, a local path or an http(s) URL; the part
after the LAST ``@`` is the flag's suffix, so a file whose name holds ``@`` is written with an
explicit suffix, e.g. ``./a@b.png@0``):

- ``--reference-image IMAGE[@INDEX[:ip|id|style]]`` -> ``{role: reference_image, index, reference_task?}``;
  INDEX defaults to the flag's position among the ``--reference-image`` flags;
- ``--element-frontal IMAGE[@ELEMENT]`` -> ``{role: element_frontal, index: ELEMENT}``; ELEMENT
  defaults to the flag's position among the ``--element-frontal`` flags;
- ``--element-reference IMAGE[@ELEMENT[:REF]]`` -> ``{role: element_reference, index: ELEMENT,
  reference_index?: REF}``; ELEMENT defaults to 0, REF is left to the server when omitted.

INDEX and ELEMENT are 0..``MAX_INDEX``, REF 0..``MAX_REFERENCE_INDEX`` (the spec's ``Reference``),
at most ``MAX_REFERENCES`` entries. Entries are listed reference images first, then frontals, then
element references, each in flag order. A flag that breaks the grammar is INVALID_ARGUMENTS
(exit 2) before anything is read, uploaded or sent. Whether the model takes these references
(roles, counts, contiguous indexes, tasks) is the server's to decide: it knows the model.

``check_model_parameters`` refuses provider-native keys in ``--model-parameters-json`` (the spec's
``x-image-skill-provider-native-keys``), naming the flag that carries the same intent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

from image_skill.envelope import CliError
from image_skill.validate import invalid
from image_skill_api.constants import CREATE_REQUEST_REFERENCES_MAX_ITEMS as MAX_REFERENCES
from image_skill_api.constants import REFERENCE_INDEX_MAXIMUM as MAX_INDEX
from image_skill_api.constants import REFERENCE_REFERENCE_INDEX_MAXIMUM as MAX_REFERENCE_INDEX
from image_skill_api.native_keys import native_flag
from image_skill_api.registry import ErrorCode

if TYPE_CHECKING:
    from image_skill_api.models import Reference

REFERENCE_IMAGE, ELEMENT_FRONTAL, ELEMENT_REFERENCE = (
    "reference_image",
    "element_frontal",
    "element_reference",
)
#: Flag -> (role, suffix grammar, what the suffix means).
FLAGS: Final = {
    "--reference-image": (REFERENCE_IMAGE, re.compile(r"([0-9]+)(?::(ip|id|style))?"), "INDEX[:ip|id|style]"),
    "--element-frontal": (ELEMENT_FRONTAL, re.compile(r"([0-9]+)"), "ELEMENT"),
    "--element-reference": (ELEMENT_REFERENCE, re.compile(r"([0-9]+)(?::([0-9]+))?"), "ELEMENT[:REF]"),
}


@dataclass(frozen=True)
class ReferenceFlag:
    """One reference flag, parsed: the IMAGE it names and the entry it becomes."""

    flag: str
    image: str
    role: str
    index: int
    reference_index: int | None = None
    reference_task: str | None = None

    def entry(self, asset_id: str) -> Reference:
        """The body's ``references[]`` item for this flag, once IMAGE is the owned ``asset_id``."""
        item: dict[str, Any] = {"asset_id": asset_id, "role": self.role, "index": self.index}
        if self.reference_index is not None:
            item["reference_index"] = self.reference_index
        if self.reference_task is not None:
            item["reference_task"] = self.reference_task
        return cast("Reference", item)  # role and task come from FLAGS' own grammar


def parse_one(flag: str, value: str, position: int, noun: str) -> ReferenceFlag:
    """One flag value; ``position`` is its place among the flags of the same name (the default index)."""
    role, grammar, suffix_name = FLAGS[flag]
    image, at, suffix = value.rpartition("@")
    if not at:
        image, suffix = value, ""
    if not image:
        raise invalid(noun, f"{flag} needs an IMAGE (an asset id, owned URL, local path or URL).")
    if not at:
        index = 0 if role == ELEMENT_REFERENCE else position
        if index > MAX_INDEX:
            raise invalid(
                noun, f"More than {MAX_INDEX + 1} {flag} flags need explicit @{suffix_name} suffixes."
            )
        return ReferenceFlag(flag, image, role, index)
    found = grammar.fullmatch(suffix)
    if found is None:
        raise invalid(
            noun,
            f"{flag}: the part after the last @ must be {suffix_name} (a file whose name holds @ needs"
            " an explicit suffix).",
        )
    index = int(found.group(1))
    if index > MAX_INDEX:
        raise invalid(noun, f"{flag}: the index must be between 0 and {MAX_INDEX}.")
    extra = found.group(2) if grammar.groups > 1 else None
    if role == REFERENCE_IMAGE:
        return ReferenceFlag(flag, image, role, index, reference_task=extra)
    if role == ELEMENT_REFERENCE and extra is not None:
        if int(extra) > MAX_REFERENCE_INDEX:
            raise invalid(noun, f"{flag}: REF must be between 0 and {MAX_REFERENCE_INDEX}.")
        return ReferenceFlag(flag, image, role, index, reference_index=int(extra))
    return ReferenceFlag(flag, image, role, index)


def parse_flags(values: Mapping[str, Sequence[str]], noun: str) -> list[ReferenceFlag]:
    """Every reference flag (``values``: flag -> its values in order), parsed and bounded."""
    parsed = [
        parse_one(flag, value, position, noun)
        for flag in FLAGS
        for position, value in enumerate(values.get(flag) or ())
    ]
    if len(parsed) > MAX_REFERENCES:
        raise invalid(noun, f"At most {MAX_REFERENCES} reference flags in all (got {len(parsed)}).")
    return parsed


def check_model_parameters(parameters: Mapping[str, Any] | None, noun: str) -> None:
    """MODEL_PARAMETERS_INVALID for a provider-native key, naming the flag to use instead."""
    for key in parameters or {}:
        flag = native_flag(key, noun)
        if flag is not None:
            raise CliError(
                ErrorCode.MODEL_PARAMETERS_INVALID,
                f"model_parameters.{key} is a provider-native key; pass the image with {flag} instead"
                " (the CLI uploads it and sends its asset id).",
                recovery={"required_flag": flag, "suggested_command": f"image-skill {noun} --help"},
            )

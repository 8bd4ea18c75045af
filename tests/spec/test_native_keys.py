"""One reading of ``x-image-skill-provider-native-keys``: the CLI and the mock name the same flag for
the same provider-native ``model_parameters`` key, and refuse the same keys on the same command."""

from __future__ import annotations

import copy

import pytest

from image_skill import references as cli_references
from image_skill_api.native_keys import native_flag
from image_skill_mock.creative import references as mock_references

from .codegen_module import SPEC, codegen

TABLE = SPEC["x-image-skill-provider-native-keys"]


def test_both_sides_read_the_table_through_the_generated_function() -> None:
    assert cli_references.native_flag is native_flag
    assert mock_references.native_flag is native_flag


@pytest.mark.parametrize("key", [key for key in TABLE if not key.startswith("*")])
@pytest.mark.parametrize("verb", ["create", "edit"])
def test_a_listed_key_names_its_flag_for_the_commands_that_refuse_it(key: str, verb: str) -> None:
    assert native_flag(key, verb) == TABLE[key].get(verb)


def test_a_suffix_pattern_catches_every_key_ending_with_it() -> None:
    assert native_flag("style_reference_task", "edit") == TABLE["*_reference_task"]["edit"]
    assert native_flag("_reference_task", "create") == TABLE["*_reference_task"]["create"]
    assert native_flag("reference_task", "create") is None


def test_ordinary_keys_and_unrefused_commands_pass() -> None:
    assert native_flag("seed", "create") is None
    assert native_flag("guidance_scale", "edit") is None
    assert native_flag("image_url", "create") is None  # refused on edit only
    assert native_flag("image_url", "edit") == TABLE["image_url"]["edit"]


@pytest.mark.parametrize("key", ["a*b", "**x", "*", "x*"])
def test_the_codegen_refuses_a_key_that_is_neither_plain_nor_a_suffix(key: str) -> None:
    spec = copy.deepcopy(SPEC)
    spec["x-image-skill-provider-native-keys"][key] = {"edit": "--input"}
    with pytest.raises(codegen.SpecError, match="provider-native"):
        codegen.wire_constants(spec)

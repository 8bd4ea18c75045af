"""The spec's ``pattern``s are ECMA-262 and are read by an ECMA-262 engine (``regress``), not translated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import regress

from image_skill_mock.http import ecma, validation


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


#: Every pattern of the bundled spec (generated/image_skill_api/spec.json).
SPEC_PATTERNS = sorted(set(_patterns(validation.spec())))


def test_the_spec_has_patterns() -> None:
    assert len(SPEC_PATTERNS) > 10


@pytest.mark.parametrize("pattern", SPEC_PATTERNS)
def test_every_spec_pattern_compiles_under_regress(pattern: str) -> None:
    assert isinstance(regress.Regex(pattern), regress.Regex)
    assert ecma.compile_pattern(pattern).source == pattern


@pytest.mark.parametrize("pattern", ["(?i)abc", "a*+"])
def test_what_ecma_262_rejects_is_an_error_not_another_reading(pattern: str) -> None:
    with pytest.raises(ecma.PatternInvalid):
        ecma.compile_pattern(pattern)


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("a{,3}", "a{,3}", True),  # Annex B: not a quantifier, the literal text
        ("^a{,3}$", "aa", False),
        ("^a{,3}$", "", False),
        (r"^\d$", "7", True),
        (r"^\d$", "\u0663", False),  # ARABIC-INDIC DIGIT THREE: \d is ASCII only
        (r"^\d$", "\uff17", False),  # FULLWIDTH DIGIT SEVEN
        ("b", "abc", True),  # a search, not anchored (as re.search)
        ("^b", "abc", False),
        ("c$", "abc", True),
        ("^$", "", True),
    ],
)
def test_ecma_only_readings(pattern: str, value: str, matches: bool) -> None:
    assert (ecma.compile_pattern(pattern).search(value) is not None) is matches


def test_a_lone_surrogate_matches_nothing() -> None:
    assert ecma.compile_pattern(".*").search("\ud800") is None


def test_the_validator_uses_the_ecma_reading() -> None:
    schema = {"type": "string", "pattern": "^a{,3}$"}
    assert validation.check_instance(schema, "a{,3}") is None
    error = validation.check_instance(schema, "aa")
    assert error is not None
    assert error.validator == "pattern"


def test_compiled_patterns_are_cached() -> None:
    assert ecma.compile_pattern(r"^\S+$") is ecma.compile_pattern(r"^\S+$")

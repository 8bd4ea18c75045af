"""``image_skill.jsonline.dumps`` writes what ``json.dumps(value, ensure_ascii=False,
separators=(",", ":"))`` writes, character for character, whether ``json`` is loaded or not."""

from __future__ import annotations

import enum
import json
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from image_skill import jsonline


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@pytest.fixture
def without_json(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a start-up path: ``json`` not imported (put back after the test)."""
    monkeypatch.delitem(sys.modules, "json")


SCALARS = st.none() | st.booleans() | st.integers() | st.text()
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)


@given(VALUES)
def test_any_envelope_shaped_value_is_written_as_json_writes_it(value: Any) -> None:
    parts: list[str] = []
    string = json.encoder.c_encode_basestring or json.encoder.py_encode_basestring
    jsonline._write(value, parts.append, string)
    assert "".join(parts) == _json(value)


class _Code(enum.StrEnum):
    BAD = 'BAD_\u00e9\n"quoted"'


class _Count(enum.IntEnum):
    ONE = 1


@pytest.mark.usefixtures("without_json")
@pytest.mark.parametrize(
    "value",
    [
        {"ok": True, "error": None, "warnings": [], "data": {"n": -12, "t": ("a", "b")}},
        {"code": _Code.BAD, "count": _Count.ONE, "control": "\x00\x1f\u2028 \U0001f600 \\"},
        [],
        {},
    ],
)
def test_without_json_loaded_the_envelope_is_written_here(value: Any) -> None:
    assert jsonline.dumps(value) == _json(value)
    assert "json" not in sys.modules


@pytest.mark.usefixtures("without_json")
@pytest.mark.parametrize("value", [{"credits": 1.5}, {1: "an int key"}, {"x": float("inf")}])
def test_what_it_does_not_write_goes_to_json(value: Any) -> None:
    assert jsonline.dumps(value) == _json(value)


def test_with_json_loaded_json_writes_it() -> None:
    value = {"message": "caf\u00e9", "n": [1, None, True]}
    assert jsonline.dumps(value) == _json(value)

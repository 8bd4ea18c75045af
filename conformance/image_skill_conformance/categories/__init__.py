"""The kit's categories: name -> module (imported only when chosen; schema brings in schemathesis)."""

from __future__ import annotations

import importlib

from image_skill_conformance.checks import Category

#: The server categories, in the order a run takes them (flows and effects make the ids the others use;
#: envelope checks every answer received before it; schema fuzzes last).
SERVER = ("flows", "effects", "envelope", "recovery", "schema")
#: The reverse direction: a client under test against the kit's own mock.
CLIENT = ("client",)


def load(name: str) -> Category:
    category: Category = importlib.import_module(f"image_skill_conformance.categories.{name}").CATEGORY
    return category

"""The repository root, the spec as YAML and ``tools/codegen.py`` as a module, for the spec tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("codegen", ROOT / "tools" / "codegen.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


codegen = _load()
#: Parsed once for every spec test module (libyaml: a pure-Python parse took 1.4 s a worker, twice).
SPEC: dict[str, Any] = codegen.load_spec()

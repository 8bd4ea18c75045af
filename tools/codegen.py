"""Generate ``generated/image_skill_api`` from ``spec/openapi.yaml``.

    python tools/codegen.py            # regenerate in place
    python tools/codegen.py --check    # regenerate into a temporary place, fail on any difference

Outputs (all deterministic, all carrying a do-not-edit header):

- ``models.py``      TypedDicts for every component schema (datamodel-code-generator)
- ``operations.py``  one request function per operationId, plus the operation table
- ``registry.py``    exit codes (and the HTTP status rule), error codes, activity events, id patterns
- ``constants.py``   the plain wire constants alone, cheap to import
- ``envelope.py``    the one envelope builder and the one trace-id minter, cheap to import
- ``screening.py``   the one secret screen (the spec's secret shapes) for product-memory text
- ``sniffing.py``    the one image sniffer (the spec's media signatures), for the CLI and the server
- ``native_keys.py`` the one reading of the provider-native ``model_parameters`` keys (-> the flag)
- ``spec.json``      the spec bundled as JSON, for runtime validation
- ``usages.py``      every command word's docopt usage text and flag table (``x-image-skill-commands``)
- ``manifest.py``    the public command manifest (``image-skill help --json``)
- ``completion.*``   the bash, zsh and fish completion scripts
- ``llms.txt``       every command for a language model (the mock serves it as ``/llms.txt``)
- ``skills/image-skill/SKILL.md`` (outside ``generated/``): the Agent Skills file

``operations.py``, ``registry.py``, ``constants.py``, ``envelope.py``, ``screening.py``, ``sniffing.py`` and
``native_keys.py`` are rendered
from the Jinja2 templates in ``tools/templates/``, each of which reads like the module it produces; the
modules of ``tools/specgen/`` only gather (and check) the values from the spec, one module per output:
``common`` (paths, header, names), ``checks`` (registry invariants), ``templates`` (the Jinja2 environment
and its filters), ``wire`` (constants, registry), ``envelope``, ``sniffing``, ``operations`` and ``models``
(datamodel-code-generator, and the pinned ruff that formats every Python output). This script renders
them all and writes them, or compares them with ``generated/``.
"""

from __future__ import annotations

import difflib
import json
import sys
import tempfile
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:  # loaded by path (the spec tests), not run
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from specgen.checks import check_registry, status_exit_codes, status_exit_rule
from specgen.common import HEADER, OUT, ROOT, SPEC, SpecError, load_spec
from specgen.completion import render_completions
from specgen.envelope import render_envelope, trace_id_bytes
from specgen.manifest import render_manifest
from specgen.models import format_python, render_models
from specgen.operations import collect_operations, render_operations
from specgen.skill import SKILL_PATH, render_llms, render_skill
from specgen.sniffing import media_signatures
from specgen.templates import TEMPLATES, render
from specgen.usages import render_usages
from specgen.wire import render_constants, render_registry, wire_constants

__all__ = [
    "TEMPLATES",
    "SpecError",
    "check_registry",
    "collect_operations",
    "format_python",
    "load_spec",
    "main",
    "media_signatures",
    "render_all",
    "render_constants",
    "render_envelope",
    "render_operations",
    "render_registry",
    "status_exit_codes",
    "status_exit_rule",
    "trace_id_bytes",
    "wire_constants",
]


def render_all(workdir: Path) -> dict[str, str]:
    spec = load_spec()
    from openapi_spec_validator import validate

    validate(spec)
    check_registry(spec)
    files = {
        "__init__.py": HEADER
        + '"""Code generated from spec/openapi.yaml: models, operations, registries, bundled spec."""\n',
        "models.py": render_models(SPEC, workdir),
        "operations.py": render_operations(spec),
        "constants.py": render_constants(spec),
        "registry.py": render_registry(spec),
        "envelope.py": render_envelope(spec),
        "screening.py": render("screening.py.jinja"),
        "sniffing.py": render("sniffing.py.jinja", **media_signatures(spec)),
        "native_keys.py": render("native_keys.py.jinja"),
        "usages.py": render_usages(spec),
        "manifest.py": render_manifest(spec),
        **render_completions(spec),
        "llms.txt": render_llms(spec),
        "spec.json": json.dumps(spec, indent=1, ensure_ascii=False) + "\n",
        "py.typed": "",
    }
    return format_python(files, workdir)


def render_outside() -> dict[str, str]:
    """Generated files that live outside ``generated/`` (repository-relative path -> text)."""
    spec = load_spec()
    return {SKILL_PATH: render_skill(spec)}


def drift(files: dict[str, str], outside: dict[str, str] | None = None) -> list[str]:
    """A unified diff of ``generated/`` against ``files`` and of the ``outside`` files (repository
    paths) against theirs (empty when they all match)."""
    lines: list[str] = []
    for path, new in (outside or {}).items():
        old = (ROOT / path).read_text() if (ROOT / path).is_file() else ""
        if old != new:
            diff = difflib.unified_diff(
                old.splitlines(True), new.splitlines(True), path, f"(from spec) {path}"
            )
            lines.extend(diff)
    present = {p.name for p in OUT.iterdir() if p.is_file()} if OUT.exists() else set()
    for name in sorted(present | set(files)):
        old = (OUT / name).read_text() if name in present else ""
        new = files.get(name, "")
        if old != new:
            lines.extend(
                difflib.unified_diff(
                    old.splitlines(True),
                    new.splitlines(True),
                    f"generated/image_skill_api/{name}",
                    f"(from spec) {name}",
                )
            )
    return lines


def main(argv: list[str]) -> int:
    check = "--check" in argv
    with tempfile.TemporaryDirectory() as tmp:
        try:
            files = render_all(Path(tmp))
            outside = render_outside()
        except SpecError as exc:
            print(f"codegen: spec invariant broken: {exc}", file=sys.stderr)
            return 1
    if check:
        found = drift(files, outside)
        if found:
            sys.stdout.writelines(found[:400])
            print(
                "\ncodegen: generated/ drifted from spec/openapi.yaml; run `nox -s codegen`.", file=sys.stderr
            )
            return 1
        print("codegen: generated/ matches spec/openapi.yaml")
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (OUT / name).write_text(text)
    for path, text in outside.items():
        (ROOT / path).parent.mkdir(parents=True, exist_ok=True)
        (ROOT / path).write_text(text)
    print(f"codegen: wrote {len(files)} files to {OUT.relative_to(ROOT)} and {', '.join(outside)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

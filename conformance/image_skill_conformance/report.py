"""The reports: report.json, junit.xml, report.html (self-contained) and PRODUCT.yaml."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import yaml

from image_skill_conformance.checks import Outcome, Status

FORMATS = ("junit", "html", "json")
COLOURS = {
    "passed": "#1a7f37",
    "failed": "#cf222e",
    "baselined": "#9a6700",
    "stale": "#8250df",
    "skipped": "#57606a",
}


def write(
    out_dir: Path, formats: Iterable[str], outcomes: list[Outcome], declaration: dict[str, Any]
) -> list[Path]:
    """Write the chosen reports (and PRODUCT.yaml, always) into ``out_dir``; the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / "PRODUCT.yaml"]
    written[0].write_text(yaml.safe_dump(declaration, sort_keys=False), encoding="utf-8")
    writers = {
        "json": ("report.json", as_json),
        "junit": ("junit.xml", as_junit),
        "html": ("report.html", as_html),
    }
    for name in dict.fromkeys(formats):
        filename, render = writers[name]
        (out_dir / filename).write_text(render(outcomes, declaration), encoding="utf-8")
        written.append(out_dir / filename)
    return written


def as_json(outcomes: list[Outcome], declaration: dict[str, Any]) -> str:
    return json.dumps({"product": declaration, "checks": [o.as_dict() for o in outcomes]}, indent=2) + "\n"


def as_junit(outcomes: list[Outcome], declaration: dict[str, Any]) -> str:
    suites = ET.Element("testsuites", name="image-skill-conformance")
    for category in dict.fromkeys(o.check.category for o in outcomes):
        mine = [o for o in outcomes if o.check.category == category]
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=category,
            tests=str(len(mine)),
            failures=str(sum(o.status in (Status.FAILED, Status.STALE) for o in mine)),
            skipped=str(sum(o.status in (Status.SKIPPED, Status.BASELINED) for o in mine)),
        )
        for outcome in mine:
            case = ET.SubElement(suite, "testcase", classname=category, name=outcome.check.id)
            ET.SubElement(
                case, "system-out"
            ).text = f"{outcome.check.statement}\ncontract: {outcome.check.contract_ref}"
            if outcome.status in (Status.FAILED, Status.STALE):
                failure = ET.SubElement(
                    case, "failure", message=outcome.detail[:500], type=str(outcome.status)
                )
                failure.text = outcome.repro
            elif outcome.status in (Status.SKIPPED, Status.BASELINED):
                ET.SubElement(case, "skipped", message=f"{outcome.status}: {outcome.detail}"[:500])
    props = ET.SubElement(suites, "properties")
    for key, value in declaration.items():
        ET.SubElement(
            props, "property", name=key, value=json.dumps(value) if not isinstance(value, str) else value
        )
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def as_html(outcomes: list[Outcome], declaration: dict[str, Any]) -> str:
    """One page, no scripts and nothing fetched: inline styles only."""
    esc = html.escape
    facts = "".join(f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in declaration.items())
    rows = []
    for o in outcomes:
        colour = COLOURS[str(o.status)]
        repro = f"<pre>{esc(o.repro)}</pre>" if o.repro else ""
        rows.append(
            f"<tr><td><code>{esc(o.check.id)}</code></td>"
            f"<td style='color:{colour};font-weight:bold'>{esc(str(o.status))}</td>"
            f"<td>{esc(o.check.statement)}<br><small>{esc(o.check.contract_ref)}</small>"
            f"{'<br>' + esc(o.detail) if o.detail else ''}{repro}</td></tr>"
        )
    style = (
        "body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}"
        "pre{white-space:pre-wrap;background:#f6f8fa;padding:6px}"
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>image-skill conformance report</title>"
        f"<style>{style}</style></head><body><h1>image-skill conformance report</h1>"
        f"<table>{facts}</table><h2>Checks</h2><table><tr><th>id</th><th>status</th><th>statement</th></tr>"
        f"{''.join(rows)}</table></body></html>\n"
    )

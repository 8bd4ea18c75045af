"""``/docs``: the spec rendered as one readable HTML page, offline (no script, no CDN, no font).

A table of contents by tag; per operation its method and path, CLI command, summary, description,
parameters, request body (the schema's top-level fields) and responses; then the error-code
registry. Every text from the spec is HTML-escaped; `code` spans become ``<code>``.
"""

from __future__ import annotations

import html
import re
from typing import Any

from image_skill_mock.documents.text import operations

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
  color: #1a1f36; line-height: 1.45; }
code { background: #f3f4f8; padding: 0 .25rem; border-radius: 3px; }
.op { border: 1px solid #d8dbe6; border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
.method { display: inline-block; min-width: 4rem; font-weight: 700; color: #fff; background: #635bff;
  border-radius: 3px; text-align: center; margin-right: .5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border: 1px solid #d8dbe6; padding: .25rem .5rem; text-align: left; vertical-align: top; }
"""
#: The page's Content-Security-Policy: its own inline style, nothing else.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none';"
    " form-action 'none'; frame-ancestors 'none'"
)
_CODE = re.compile(r"`([^`]+)`")


def _text(value: str) -> str:
    """Escaped text with `code` spans and paragraphs."""
    paragraphs = [p.strip() for p in value.strip().split("\n\n") if p.strip()]
    return "".join("<p>" + _CODE.sub(r"<code>\1</code>", html.escape(p)) + "</p>" for p in paragraphs)


def _schema(spec: dict[str, Any], node: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    name = node.get("$ref", "").rsplit("/", 1)[-1]
    return name, spec["components"]["schemas"].get(name, node)


def _type(node: dict[str, Any]) -> str:
    if "$ref" in node:
        return str(node["$ref"]).rsplit("/", 1)[-1]
    kind = node.get("type", "any")
    return " | ".join(kind) if isinstance(kind, list) else str(kind)


def _fields(spec: dict[str, Any], node: dict[str, Any]) -> str:
    name, schema = _schema(spec, node)
    required = set(schema.get("required", []))
    rows = "".join(
        f"<tr><td><code>{html.escape(field)}</code></td><td>{html.escape(_type(prop))}</td>"
        f"<td>{'yes' if field in required else ''}</td><td>{_text(prop.get('description', ''))}</td></tr>"
        for field, prop in schema.get("properties", {}).items()
    )
    header = "<tr><th>field</th><th>type</th><th>required</th><th>description</th></tr>"
    return f"<p>Request body: <code>{html.escape(name)}</code></p><table>{header}{rows}</table>"


def _parameters(spec: dict[str, Any], op: dict[str, Any]) -> str:
    shared = spec["components"]["parameters"]
    params = [shared[p["$ref"].rsplit("/", 1)[-1]] if "$ref" in p else p for p in op.get("parameters", [])]
    rows = "".join(
        f"<tr><td><code>{html.escape(p['name'])}</code></td><td>{html.escape(p['in'])}</td>"
        f"<td>{html.escape(_type(p.get('schema', {})))}</td><td>{_text(p.get('description', ''))}</td></tr>"
        for p in params
    )
    return f"<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>{rows}</table>"


def _operation(spec: dict[str, Any], method: str, path: str, op: dict[str, Any]) -> str:
    parts = [
        f'<section class="op" id="{html.escape(op["operationId"])}">',
        f'<h3><span class="method">{method}</span><code>{html.escape(path)}</code></h3>',
        f"<p><strong>{html.escape(op['summary'])}</strong> &mdash; "
        f"<code>{html.escape(op['x-image-skill-command'])}</code> ({html.escape(op['operationId'])})</p>",
        _text(op["description"]),
        _parameters(spec, op),
    ]
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body:
        parts.append(_fields(spec, body))
    statuses = ", ".join(html.escape(str(code)) for code in op["responses"])
    parts.append(f"<p>Responses: {statuses} (every body is the envelope).</p></section>")
    return "".join(parts)


def _errors(spec: dict[str, Any]) -> str:
    registry = spec["components"]["schemas"]["ErrorCode"]["x-image-skill-error-codes"]
    rows = "".join(
        f"<tr><td><code>{html.escape(code)}</code></td><td>{row['exit_code']}</td>"
        f"<td>{html.escape(str(row['http_status']))}</td><td>{'yes' if row['retryable'] else 'no'}</td>"
        f"<td>{_text(row['description'])}</td></tr>"
        for code, row in registry.items()
    )
    header = "<tr><th>code</th><th>exit</th><th>HTTP</th><th>retryable</th><th>meaning</th></tr>"
    return f'<h2 id="errors">Error codes</h2><table>{header}{rows}</table>'


def docs_html(spec: dict[str, Any]) -> str:
    """The whole page."""
    info = spec["info"]
    toc, sections = [], []
    for tag in spec["tags"]:
        ops = [(m, p, op) for m, p, op in operations(spec) if tag["name"] in op.get("tags", [])]
        links = "".join(
            f'<li><a href="#{html.escape(op["operationId"])}">{m} {html.escape(p)}</a></li>'
            for m, p, op in ops
        )
        name = html.escape(tag["name"])
        toc.append(f'<li><a href="#tag-{name}">{name}</a><ul>{links}</ul></li>')
        body = "".join(_operation(spec, m, p, op) for m, p, op in ops)
        sections.append(f'<h2 id="tag-{name}">{name}</h2>{_text(tag["description"])}{body}')
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(info['title'])} {html.escape(info['version'])}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(info['title'])} <small>{html.escape(info['version'])}</small></h1>"
        f"{_text(info['description'])}"
        '<p>Also: <a href="/openapi.json">openapi.json</a>, <a href="/llms.txt">llms.txt</a>,'
        ' <a href="/cli.md">cli.md</a>.</p>'
        f'<nav><h2>Contents</h2><ul>{"".join(toc)}<li><a href="#errors">Error codes</a></li></ul></nav>'
        f"{''.join(sections)}{_errors(spec)}</body></html>"
    )

"""image-skill-conformance: ``run`` checks a server, ``client`` checks a client (see ``--help``)."""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from image_skill_conformance import categories, kit_version, report, runner
from image_skill_conformance.checks import Outcome
from image_skill_conformance.context import Context, Options


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="image-skill-conformance",
        description="Test an implementation of the Image Skill contract, and score it.",
    )
    top.add_argument("--version", action="version", version=f"image-skill-conformance {kit_version()}")
    sub = top.add_subparsers(dest="verb", required=True)
    run = sub.add_parser("run", help="check a server at --url")
    run.add_argument("--url", required=True, help="the server's base URL")
    who = run.add_mutually_exclusive_group()
    who.add_argument(
        "--token", help="an agent token to run as (fresh agents are still signed up where a check needs one)"
    )
    who.add_argument(
        "--signup",
        action="store_true",
        help="sign up a fresh agent for the run (the default without --token)",
    )
    run.add_argument(
        "--no-signup",
        action="store_true",
        help="with --token: never sign up (checks needing a fresh agent are skipped)",
    )
    run.add_argument(
        "--category", action="append", choices=categories.SERVER, help="run only these (repeatable)"
    )
    run.add_argument(
        "--cli", default=None, help="the client that runs advertised commands (default: image-skill on PATH)"
    )
    client = sub.add_parser("client", help="check a client (CMD) against the kit's own mock")
    client.add_argument(
        "--command", required=True, help="the client, e.g. 'image-skill' (split like a POSIX shell)"
    )
    for each in (run, client):
        each.add_argument(
            "--report", action="append", choices=report.FORMATS, help="report formats (default: all)"
        )
        each.add_argument("--output-dir", type=Path, default=Path("conformance-report"))
        each.add_argument("--baseline", type=Path, help="expected failures: one check id a line, # comments")
    return top


def default_cli() -> list[str] | None:
    found = shutil.which("image-skill", path=str(Path(sys.executable).parent)) or shutil.which("image-skill")
    return [found] if found else None


def declaration(
    ctx: Context | None, base_url: str, names: list[str], outcomes: list[Outcome]
) -> dict[str, Any]:
    """The self-declaration written as PRODUCT.yaml and into the JSON report."""
    health: dict[str, Any] = {}
    if ctx is not None:
        try:
            health = (ctx.api.call("getHealth").envelope or {}).get("data") or {}
        except OSError:
            health = {}
    return {
        "implementation": str(health.get("service", "unknown")),
        "version": str(health.get("version", health.get("api_version", "unknown"))),
        "base_url": base_url,
        "kit_version": kit_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "categories": names,
        "score": runner.score(outcomes),
        "checks": len(outcomes),
    }


def finish(args: argparse.Namespace, outcomes: list[Outcome], product: dict[str, Any]) -> int:
    unknown = runner.apply_baseline(outcomes, runner.read_baseline(args.baseline)) if args.baseline else []
    product["score"] = runner.score(outcomes)
    written = report.write(args.output_dir, args.report or report.FORMATS, outcomes, product)
    print(runner.summary(outcomes), file=sys.stderr)
    for check_id in unknown:
        print(f"warning: the baseline lists {check_id}, which no check has", file=sys.stderr)
    print(f"reports: {', '.join(str(p) for p in written)}", file=sys.stderr)
    return runner.exit_status(outcomes)


def run_server(args: argparse.Namespace) -> int:
    names = [n for n in categories.SERVER if not args.category or n in args.category]
    cli = shlex.split(args.cli) if args.cli else default_cli()
    options = Options(
        args.url, token=args.token, signup=not args.no_signup, cli=cli, workdir=args.output_dir / "work"
    )
    ctx = Context(options)
    outcomes = runner.run_categories(ctx, [categories.load(n) for n in names])
    return finish(args, outcomes, declaration(ctx, args.url, names, outcomes))


def run_client(args: argparse.Namespace) -> int:
    from image_skill_conformance.categories import client

    outcomes = client.run(shlex.split(args.command), args.output_dir / "work")
    product = declaration(None, "(the kit's own mock)", list(categories.CLIENT), outcomes)
    product["implementation"] = args.command
    return finish(args, outcomes, product)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return run_server(args) if args.verb == "run" else run_client(args)


def run() -> None:
    raise SystemExit(main())

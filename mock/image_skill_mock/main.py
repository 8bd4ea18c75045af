"""image-skill-mock: the reference server of the Image Skill hosted API (``usage.USAGE`` is its help text)."""

from __future__ import annotations

import json
import socket
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from docopt import docopt

from image_skill_mock import defects
from image_skill_mock.settings import WEBHOOK_SECRET_PREFIX, new_webhook_secret
from image_skill_mock.usage import USAGE

#: The distribution modules of the `[mock]` extra that `serve` and `demo` import.
MOCK_EXTRA_MODULES = ("starlette", "uvicorn", "PIL", "jsonschema", "regress")


def _int(opts: dict[str, Any], name: str, minimum: int) -> int:
    try:
        value = int(opts[name])
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise SystemExit(f"image-skill-mock: {name} must be an integer >= {minimum}")
    return value


def _public_base_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise SystemExit("image-skill-mock: --public-base-url must be an http(s)://host[:port][/path] URL")
    return raw.rstrip("/")


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP listening socket whose accepted connections get TCP_NODELAY.

    asyncio sets TCP_NODELAY only on sockets whose ``proto`` is ``IPPROTO_TCP``; a socket made with
    the default proto 0 left every keep-alive response waiting ~40 ms for the peer's delayed ACK.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def _webhook_secret(raw: str | None) -> str:
    if raw is None:
        return new_webhook_secret()
    if not raw.startswith(WEBHOOK_SECRET_PREFIX) or len(raw) < len(WEBHOOK_SECRET_PREFIX) + 16:
        raise SystemExit(f"image-skill-mock: --webhook-secret is {WEBHOOK_SECRET_PREFIX}<16+ characters>")
    return raw


def _catalog(raw: str | None) -> Path | None:
    if raw is None:
        return None
    path = Path(raw)
    if not path.is_file():
        raise SystemExit(f"image-skill-mock: --catalog names no file: {raw}")
    return path


def stripe_trigger(opts: dict[str, Any]) -> int:
    from image_skill_mock.payments import trigger

    code, report = trigger.run(
        opts["EVENT"],
        attempt_id=opts["--payment-attempt-id"],
        base_url=opts["--api-base-url"],
        secret=opts["--webhook-secret"],
        amount=_int(opts, "--amount", 0) if opts["--amount"] is not None else None,
        currency=opts["--currency"],
        charge_id=opts["--charge-id"],
        dispute_id=opts["--dispute-id"],
        repeat=_int(opts, "--repeat", 1),
    )
    print(json.dumps(report), flush=True)
    return code


LOG_LEVELS = ("debug", "info", "warning", "error")


def _log_level(opts: dict[str, Any]) -> str:
    """uvicorn's own level: its lines are not the access log, so it stays quiet below ``warning``."""
    level = str(opts["--log-level"])
    return level if level in ("warning", "error") else "warning"


def _harness(opts: dict[str, Any]) -> dict[str, Any]:
    """The settings of the test harness: the clock, the control API, the access log (configured here)."""
    import os

    from image_skill_mock.clock import Clock
    from image_skill_mock.control.client import TOKEN_ENV
    from image_skill_mock.http.access_log import configure

    if opts["--log-level"] not in LOG_LEVELS:
        raise SystemExit(f"image-skill-mock: --log-level is one of {', '.join(LOG_LEVELS)}")
    try:
        clock = Clock.parse(opts["--clock"])
    except ValueError as exc:
        raise SystemExit(f"image-skill-mock: {exc}") from None
    configure(opts["--log-level"], opts["--log-file"])
    token = opts["--control-token"] or os.environ.get(TOKEN_ENV) or None
    return {"clock": clock, "control": bool(opts["--control"]), "control_token": token}


def _seed(app: Any, settings: Any, seed_file: str | None) -> None:
    if seed_file is None:
        return
    from image_skill_mock.control.state import seed

    try:
        seed(app.state.storage, settings, Path(seed_file))
    except ValueError as exc:
        raise SystemExit(f"image-skill-mock: {exc}") from None


def serve(opts: dict[str, Any]) -> int:
    """Run the server until SIGTERM/SIGINT. Without --db its database lives in a throwaway directory
    that is removed when the server ends (the signal ends ``run`` normally; see ``http.server``)."""
    from image_skill_mock.app import Settings, create_app
    from image_skill_mock.http import server

    port = _int(opts, "--port", 0)
    public = _public_base_url(opts["--public-base-url"]) if opts["--public-base-url"] else None
    with ExitStack() as stack:
        if opts["--db"]:
            db_path = Path(opts["--db"])
        else:
            db_path = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="image-skill-mock-")))
            db_path /= "mock.sqlite3"
        sock = stack.enter_context(listening_socket(opts["--host"], port))
        host, bound_port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        base_url = f"http://{shown}:{bound_port}"
        settings = Settings(
            db_path=db_path,
            strict=bool(opts["--strict"]),
            faults=bool(opts["--faults"]),
            free_credits=_int(opts, "--free-credits", 0),
            daily_jobs=_int(opts, "--daily-jobs", 0),
            public_base_url=public or base_url,
            webhook_secret=_webhook_secret(opts["--webhook-secret"]),
            webhook_delivery_base_url=base_url,
            quote_ttl_seconds=_int(opts, "--quote-ttl", 1),
            job_latency_ms=_int(opts, "--job-latency-ms", 0),
            catalog_path=_catalog(opts["--catalog"]),
            defects=opts.get(defects.FLAG, frozenset()),
            **(_harness(opts) | Settings.crash_safety(opts)),
        )
        try:
            app = create_app(settings)
        except (ValueError, KeyError, TypeError) as exc:  # a --catalog file that breaks its own rules
            raise SystemExit(f"image-skill-mock: --catalog: {str(exc)[:200]}") from None
        for stop in (app.state.storage.close, app.state.jobs.stop, app.state.outbox.stop):
            stack.callback(stop)  # run last first: the outbox, the jobs, then the storage
        _seed(app, settings, opts["--seed-file"])
        ready = {"base_url": base_url, "webhook_secret": settings.webhook_secret}
        server.run(
            defects.wrap(app, settings.defects),
            sock,
            lambda: print(json.dumps(ready), flush=True),
            log_level=_log_level(opts),
        )
    return 0


def missing_extra(modules: tuple[str, ...]) -> str | None:
    """The first module that cannot be imported for lack of the `[mock]` extra, or None when all can.

    An ImportError inside this package (or the generated one) is a bug, not a missing extra: re-raised.
    """
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            missing = exc.name or name
            if missing.partition(".")[0] in ("image_skill_mock", "image_skill_api"):
                raise
            return missing
    return None


def extra_missing_envelope(command: str, module: str) -> dict[str, Any]:
    """The error envelope printed when the `[mock]` extra is not installed (no server module imported)."""
    from image_skill_api.envelope import envelope, new_trace_id
    from image_skill_api.registry import ERRORS, ErrorCode

    code = ErrorCode.MOCK_EXTRA_NOT_INSTALLED
    spec = ERRORS[code]
    error = {
        "code": str(code),
        "message": (
            f"image-skill-mock needs the [mock] extra (the {module!r} module is missing):"
            " pip install 'image-skill[mock]'"
        ),
        "retryable": spec.retryable,
        "recovery": dict(spec.recovery),
    }
    return envelope(ok=False, command=command, trace_id=new_trace_id(), error=error)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    from image_skill_api.constants import API_VERSION

    try:
        release = dist_version("image-skill")
    except PackageNotFoundError:
        release = "unknown"
    return f"image-skill-mock {release} (API {API_VERSION})"


def telemetry(db_path: Path) -> int:
    """Print the telemetry events recorded in ``db_path`` as JSON lines, oldest run first. Stdlib only
    (works without the `[mock]` extra); the database is opened read-only, also while a server runs."""
    from image_skill_mock.store.telemetry_events import read_telemetry

    events = read_telemetry(db_path) if db_path.is_file() else None
    if events is None:
        return _not_a_database("image-skill-mock telemetry")
    for event in events:
        sys.stdout.write(json.dumps(event, separators=(",", ":"), sort_keys=True) + "\n")
    sys.stdout.flush()
    return 0


def _not_a_database(label: str) -> int:
    from image_skill_api.envelope import envelope, new_trace_id
    from image_skill_api.registry import ERRORS, ErrorCode

    message = "--db names no image-skill-mock database (a file `serve --db` wrote)."
    error = {"code": ErrorCode.INVALID_ARGUMENTS, "message": message, "retryable": False}
    print(json.dumps(envelope(ok=False, command=label, trace_id=new_trace_id(), error=error)))
    return int(ERRORS[ErrorCode.INVALID_ARGUMENTS].exit_code)


def check(db_path: Path) -> int:
    """Recompute the running totals of ``db_path`` from the ledger; print the differences as JSON.
    Stdlib only; the database is opened read-only. Non-zero (INTERNAL_ERROR's code) on a difference."""
    from image_skill_mock.store.balances import check_database

    report = check_database(db_path) if db_path.is_file() else None
    if report is None:
        return _not_a_database("image-skill-mock check")
    print(json.dumps(report, sort_keys=True), flush=True)
    if not report["differences"]:
        return 0
    from image_skill_api.registry import ERRORS, ErrorCode

    return int(ERRORS[ErrorCode.INTERNAL_ERROR].exit_code)


def run() -> None:
    argv, defect_names = defects.split_argv(sys.argv[1:])  # test-only, undocumented: see ``defects``
    opts = docopt(USAGE, argv=argv)
    opts[defects.FLAG] = defect_names
    if opts["--version"]:
        print(version())
        raise SystemExit(0)
    if opts["telemetry"]:
        raise SystemExit(telemetry(Path(opts["--db"])))
    if opts["check"]:
        raise SystemExit(check(Path(opts["--db"])))
    if opts["stripe"]:
        raise SystemExit(stripe_trigger(opts))
    if any(opts[word] for word in ("state", "clock", "faults", "journal", "pay")):
        from image_skill_mock.control.client import run as control

        raise SystemExit(control(opts))
    command = "image-skill-mock serve" if opts["serve"] else "image-skill-mock demo"
    # serve imports the server itself; demo only needs the extra to be importable (the server runs
    # in a subprocess).
    module = missing_extra(("uvicorn", "image_skill_mock.app") if opts["serve"] else MOCK_EXTRA_MODULES)
    if module is not None:
        from image_skill_api.registry import ERRORS, ErrorCode

        print(json.dumps(extra_missing_envelope(command, module)))
        raise SystemExit(int(ERRORS[ErrorCode.MOCK_EXTRA_NOT_INSTALLED].exit_code))
    if opts["serve"]:
        raise SystemExit(serve(opts))
    from image_skill_mock.demo import main as demo

    raise SystemExit(demo(Path(opts["--out"])))

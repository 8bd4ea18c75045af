"""image-skill-mock: the reference server of the Image Skill hosted API.

Usage:
  image-skill-mock serve [--host=H] [--port=P] [--db=PATH] [--strict] [--free-credits=N] [--daily-jobs=N]
  image-skill-mock demo [--out=DIR]
  image-skill-mock (-h | --help)

Options:
  --host=H          Interface to bind [default: 127.0.0.1].
  --port=P          Port; 0 picks a free one [default: 8787].
  --db=PATH         SQLite database file (default: a throwaway file removed at exit).
  --strict          Validate every response against the spec (a mismatch becomes a 500 envelope).
  --free-credits=N  Preview credits granted to each new agent [default: 50].
  --daily-jobs=N    Jobs each agent may run per UTC day [default: 4].
  --out=DIR         Where the demo writes its image [default: ./demo-output].
  -h --help         Show this help.

`serve` prints one JSON line {"base_url": "http://HOST:PORT"} on stdout once it accepts
requests; logs go to stderr. `demo` starts a server on a free port and runs the first-run
flow with the real image-skill CLI.
"""

from __future__ import annotations

import json
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

from docopt import docopt


def _int(opts: dict[str, Any], name: str, minimum: int) -> int:
    try:
        value = int(opts[name])
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise SystemExit(f"image-skill-mock: {name} must be an integer >= {minimum}")
    return value


def serve(opts: dict[str, Any]) -> int:
    import uvicorn

    from image_skill_mock.app import Settings, create_app

    port = _int(opts, "--port", 0)
    with tempfile.TemporaryDirectory(prefix="image-skill-mock-") as tmp:
        db_path = Path(opts["--db"]) if opts["--db"] else Path(tmp) / "mock.sqlite3"
        settings = Settings(
            db_path=db_path,
            strict=bool(opts["--strict"]),
            free_credits=_int(opts, "--free-credits", 0),
            daily_jobs=_int(opts, "--daily-jobs", 0),
        )
        app = create_app(settings)
        sock = socket.socket(socket.AF_INET6 if ":" in opts["--host"] else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((opts["--host"], port))
        host, bound_port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host

        class Server(uvicorn.Server):
            async def startup(self, sockets: list[socket.socket] | None = None) -> None:
                await super().startup(sockets=sockets)
                if not self.should_exit:
                    print(json.dumps({"base_url": f"http://{shown}:{bound_port}"}), flush=True)

        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        Server(config).run(sockets=[sock])
        app.state.storage.close()
    return 0


def run() -> None:
    opts = docopt(__doc__, argv=sys.argv[1:])
    if opts["serve"]:
        raise SystemExit(serve(opts))
    from image_skill_mock.demo import main as demo

    raise SystemExit(demo(Path(opts["--out"])))

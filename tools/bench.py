"""Start-up and request budgets of the CLI (``nox -s bench``).

Budgets (issue #2), each a ratio measured on the same machine in the same run:

- ``image-skill --version``           <= 2.0 x ``python -c pass``
- ``image-skill --help``, ``image-skill create --help`` and a usage error (``image-skill create
  --bogus``, exit 2)                    <= 2.0 x ``python -c pass`` (issue #6: the ``--version`` budget)
- ``image-skill whoami`` against mock <= 1.2 x a bare script that imports requests and does the same GET

Each command is run ``--runs`` times after a warm-up; the median wall time is compared.

Server throughput (issue #5, reported, no budget): ``GET /v1/models`` requests per second over 16
keep-alive connections (16 threads, one ``http.client`` connection each, ``--seconds`` long,
default 3) against a server started exactly as ``image-skill-mock serve`` starts, and the
median latency of one keep-alive connection (a ~40 ms figure means TCP_NODELAY is off).

The figures are printed as JSON. Timing is machine-dependent, so this reports; it never fails a build
(exit 0 unless something could not be measured at all).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "mock"))
from image_skill_mock.demo import running_server

BARE_WHOAMI = """
import os, requests
requests.get(os.environ["IMAGE_SKILL_API_BASE_URL"] + "/v1/whoami",
             headers={"authorization": "Bearer " + os.environ["IMAGE_SKILL_TOKEN"]}, timeout=30)
"""


#: Start-up paths held to the ``--version`` budget: name -> (argv after ``image-skill``, exit code).
STARTUP = {
    "version": (["--version"], 0),
    "help": (["--help"], 0),
    "create_help": (["create", "--help"], 0),
    "usage_error": (["create", "--bogus"], 2),
}
STARTUP_BUDGET = 2.0


def median_seconds(argv: list[str], env: dict[str, str], runs: int, *, exit_code: int = 0) -> float:
    def once() -> None:
        done = subprocess.run(argv, env=env, capture_output=True, check=False)
        if done.returncode != exit_code:
            raise RuntimeError(f"bench: {argv} exited {done.returncode}, not {exit_code}: {done.stderr!r}")

    once()  # warm the page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        once()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def keepalive_throughput(
    base_url: str, *, path: str, connections: int, seconds: float
) -> dict[str, float | bool | str]:
    """Requests per second of ``GET path`` over ``connections`` keep-alive connections for ``seconds``."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    counts = [0] * connections
    failures: list[str] = []
    start = threading.Barrier(connections + 1)
    deadline = [0.0]

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        try:
            conn.request("GET", path)  # connect and warm up before the clock starts
            conn.getresponse().read()
            start.wait()
            while time.perf_counter() < deadline[0]:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(f"HTTP {response.status}")
                    return
                counts[index] += 1
        except (OSError, threading.BrokenBarrierError) as exc:
            failures.append(repr(exc))
            start.abort()
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    with contextlib.suppress(threading.BrokenBarrierError):  # a worker failed: reported below
        start.wait(timeout=30)
    for thread in threads:
        thread.join(seconds + 30)
    elapsed = time.perf_counter() - began
    if failures:
        raise RuntimeError(f"bench: keep-alive requests failed: {failures[0]}")

    conn = http.client.HTTPConnection(host, port, timeout=30)
    latencies = []
    for _ in range(51):
        began_one = time.perf_counter()
        conn.request("GET", path)
        conn.getresponse().read()
        latencies.append(time.perf_counter() - began_one)
    conn.close()
    return {
        "connections": connections,
        "seconds": round(elapsed, 2),
        "requests": sum(counts),
        "requests_per_second": round(sum(counts) / elapsed, 1),
        "single_connection_median_ms": round(statistics.median(latencies[1:]) * 1000, 2),
    }


def main() -> int:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 25
    seconds = float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 3.0
    cli = shutil.which("image-skill")
    if cli is None:
        print("bench: the image-skill console script is not installed", file=sys.stderr)
        return 1
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMAGE_SKILL_")}
    results: dict[str, dict[str, float | bool | str]] = {}

    baseline = median_seconds([sys.executable, "-c", "pass"], env, runs)
    for name, (argv, exit_code) in STARTUP.items():
        took = median_seconds([cli, *argv], env, runs, exit_code=exit_code)
        results[name] = {
            "command": " ".join(["image-skill", *argv]),
            "python_c_pass_ms": round(baseline * 1000, 2),
            "image_skill_ms": round(took * 1000, 2),
            "ratio": round(took / baseline, 3),
            "budget": STARTUP_BUDGET,
            "within_budget": took / baseline <= STARTUP_BUDGET,
        }

    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp) / "bench.sqlite3") as base_url:
        env_cli = {
            **env,
            "IMAGE_SKILL_API_BASE_URL": base_url,
            "IMAGE_SKILL_CONFIG_PATH": f"{tmp}/config.json",
        }
        signup = subprocess.run(
            [cli, "signup", "--agent", "--agent-contact", "bench@example.invalid", "--agent-name", "bench",
             "--show-token", "--json"],
            env=env_cli, capture_output=True, text=True, check=True,
        )  # fmt: skip
        token = json.loads(signup.stdout)["data"]["token"]
        env_tok = {**env_cli, "IMAGE_SKILL_TOKEN": token}
        bare = median_seconds([sys.executable, "-c", BARE_WHOAMI], env_tok, runs)
        whoami = median_seconds([cli, "whoami", "--json"], env_tok, runs)
        results["keepalive_models"] = keepalive_throughput(
            base_url, path="/v1/models", connections=16, seconds=seconds
        )
    results["whoami"] = {
        "bare_requests_get_ms": round(bare * 1000, 2),
        "image_skill_whoami_ms": round(whoami * 1000, 2),
        "ratio": round(whoami / bare, 3),
        "budget": 1.2,
        "within_budget": whoami / bare <= 1.2,
    }
    print(json.dumps({"runs": runs, "python": sys.version.split()[0], "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

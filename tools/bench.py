"""Start-up and request budgets of the CLI (``nox -s bench``).

Budgets (issue #2), each a ratio measured on the same machine in the same run:

- ``image-skill --version``           <= 2.0 x ``python -c pass``
- ``image-skill --help``, ``image-skill create --help`` and a usage error (``image-skill create
  --bogus``, exit 2)                    <= 2.0 x ``python -c pass`` (issue #6: the ``--version`` budget)
- ``image-skill whoami`` against mock <= 1.2 x a bare script that imports requests and does the same GET

Each command is run ``--runs`` times after a warm-up; the median wall time is compared.

Upload memory (issue #8): ``image-skill upload`` of a ~20 MB PNG keeps its peak RSS under 2.5 x the
file size (the base64 body is streamed); reported with the upload's MB/s, end to end.

Server throughput (issue #5, reported, no budget): ``GET /v1/models`` requests per second over 16
keep-alive connections (16 threads, one ``http.client`` connection each, ``--seconds`` long,
default 3) against a server started exactly as ``image-skill-mock serve`` starts, and the
median latency of one keep-alive connection (a ~40 ms figure means TCP_NODELAY is off).

Telemetry overhead (issue #9: < 5 %): the median wall time of ``image-skill whoami`` with telemetry on
(the CLI describes the run in request headers; the server records one event after answering) over
the same command with ``IMAGE_SKILL_TELEMETRY=off``, the two interleaved run by run on loopback.

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


#: Runs one command and prints the peak RSS (KiB) of its process tree's largest member.
PEAK_RSS = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
UPLOAD_MB = 20
UPLOAD_BUDGET = 2.5


def upload_memory(cli: str, env: dict[str, str], tmp: str) -> dict[str, float | bool | str]:
    """Peak RSS and throughput of ``image-skill upload`` of a ~20 MB PNG (issue #8: < 2.5 x the file)."""
    from PIL import Image

    side = int((UPLOAD_MB * 1_000_000 / 3) ** 0.5)
    path = Path(tmp) / "upload-bench.png"
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(path, compress_level=0)
    size = path.stat().st_size
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, cli, "upload", str(path), "--json"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    took = time.perf_counter() - began
    code, peak_kib = (int(x) for x in done.stdout.split())
    if code != 0:
        raise RuntimeError(f"bench: image-skill upload exited {code}")
    peak = peak_kib * 1024
    return {
        "file_mb": round(size / 1e6, 2),
        "peak_rss_mb": round(peak / 1e6, 2),
        "ratio_to_file": round(peak / size, 3),
        "budget": UPLOAD_BUDGET,
        "within_budget": peak / size <= UPLOAD_BUDGET,
        "seconds": round(took, 3),
        "mb_per_second": round(size / 1e6 / took, 1),
    }


TELEMETRY_BUDGET = 0.05


def telemetry_overhead(cli: str, env: dict[str, str], runs: int) -> dict[str, float | bool | str]:
    """``image-skill whoami`` with telemetry on vs off (issue #9: < 5 % more wall time).

    Runs come in pairs, on and off back to back (alternating which goes first), so machine load
    drifts out of each pair's difference; the overhead is the median paired difference over the
    median "off" time.
    """
    on_env = {k: v for k, v in env.items() if k not in ("DO_NOT_TRACK", "IMAGE_SKILL_TELEMETRY")}
    off_env = {**on_env, "IMAGE_SKILL_TELEMETRY": "off"}
    argv = [cli, "whoami", "--json"]

    def once(run_env: dict[str, str]) -> float:
        start = time.perf_counter()
        subprocess.run(argv, env=run_env, capture_output=True, check=True)
        return time.perf_counter() - start

    for warm_env in (on_env, off_env):  # warm-up
        once(warm_env)
    on_times, off_times, differences = [], [], []
    for index in range(runs):
        if index % 2:
            off, on = once(off_env), once(on_env)
        else:
            on, off = once(on_env), once(off_env)
        on_times.append(on)
        off_times.append(off)
        differences.append(on - off)
    off_median = statistics.median(off_times)
    overhead = statistics.median(differences) / off_median
    return {
        "command": "image-skill whoami",
        "telemetry_on_ms": round(statistics.median(on_times) * 1000, 2),
        "telemetry_off_ms": round(off_median * 1000, 2),
        "median_paired_difference_ms": round(statistics.median(differences) * 1000, 2),
        "overhead_percent": round(overhead * 100, 2),
        "budget_percent": TELEMETRY_BUDGET * 100,
        "within_budget": overhead < TELEMETRY_BUDGET,
    }


def main() -> int:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 25
    seconds = float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 3.0
    cli = shutil.which("image-skill")
    if cli is None:
        print("bench: the image-skill console script is not installed", file=sys.stderr)
        return 1
    # Without PYTHONDONTWRITEBYTECODE, so the warm-up run leaves the bytecode an installed package has
    # (else every run recompiles any module edited since its .pyc was written).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("IMAGE_SKILL_") and k != "PYTHONDONTWRITEBYTECODE"
    }
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
        results["telemetry_overhead"] = telemetry_overhead(cli, env_tok, runs)
        results["keepalive_models"] = keepalive_throughput(
            base_url, path="/v1/models", connections=16, seconds=seconds
        )
        results["upload_20mb"] = upload_memory(cli, env_tok, tmp)
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

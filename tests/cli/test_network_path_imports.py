"""A network command's own set-up stays small (issue 19 item 4): ``whoami`` answered by a server loads
none of what its path does not need. Not a timing: the modules a run leaves in ``sys.modules``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import TOKEN, Reply, Script, envelope

#: What a whoami that succeeds never imports: dataclasses (and inspect behind it), docopt (its command
#: line is plain), the generated enums and models (failures import the registry where they are
#: built), the downloader, the suggestions, the recovery fixer (a success has no recovery), shlex,
#: and what nothing of it needs (jsonschema, uuid, platform).
NOT_ON_THE_PATH = (
    "dataclasses", "inspect", "docopt", "image_skill_api.registry", "image_skill_api.models",
    "image_skill_api.manifest", "image_skill.transport.download", "image_skill.transport.fetch",
    "image_skill.suggestions", "image_skill.recovery", "shlex", "jsonschema", "uuid", "platform",
    "typing_extensions",
)  # fmt: skip

WHOAMI = {
    "actor": {"actor_type": "agent", "actor_id": "agt_0123456789abcdef0123456789abcdef"},
    "token": {"token_class": "restricted_agent", "status": "active", "created_at": "2026-01-01T00:00:00Z"},
}

PROBE = """
import io, json, sys
from image_skill.main import main
out = io.StringIO()
code = main(sys.argv[1:], env=json.loads(sys.stdin.readline()), stdout=out, stderr=io.StringIO())
print(json.dumps({"code": code, "envelope": json.loads(out.getvalue()), "modules": sorted(sys.modules)}))
"""


ARGVS = [["whoami", "--json"], ["usage", "quota"], ["quota", "--json"]]


@pytest.mark.parametrize("argv", ARGVS, ids=" ".join)
def test_a_network_command_loads_only_its_path(
    http: tuple[str, Script], tmp_path: Path, argv: list[str]
) -> None:
    base, script = http
    script.on("GET", "/v1/whoami", Reply(body=envelope(WHOAMI)))
    script.on("GET", "/v1/quota", Reply(body=envelope({"credits": 0})))
    env = {
        "IMAGE_SKILL_API_BASE_URL": base,
        "IMAGE_SKILL_TOKEN": TOKEN,
        "IMAGE_SKILL_CONFIG_PATH": str(tmp_path / "config.json"),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        input=json.dumps(env) + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)
    assert (run["code"], run["envelope"]["ok"]) == (0, True)  # it did send the request and succeed
    assert [seen.path for seen in script.seen] == ["/v1/whoami" if argv[0] == "whoami" else "/v1/quota"]
    loaded = set(run["modules"])
    assert "requests" in loaded
    assert [module for module in NOT_ON_THE_PATH if module in loaded] == []

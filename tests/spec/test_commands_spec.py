"""The spec's command line (`x-image-skill-cli`, `x-image-skill-commands`): the codegen refuses an
entry the usage texts, the manifest or docopt could not agree on, and the skill files it makes are
valid (SKILL.md under the Agent Skills specification, checked with its reference validator)."""

from __future__ import annotations

import copy
import importlib
import re
from typing import Any

import pytest
import yaml

from .codegen_module import ROOT, SPEC, codegen

# (importable once codegen_module has loaded tools/codegen.py, which puts tools/ on the path)
collect_commands = importlib.import_module("specgen.commands").collect_commands
render_usages = importlib.import_module("specgen.usages").render_usages

SKILL_DIR = ROOT / "skills" / "image-skill"


def _spec_with(change: Any) -> dict[str, Any]:
    spec = copy.deepcopy(SPEC)
    change(spec["x-image-skill-commands"])
    return spec


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda c: c["jobs wait"]["flags"].pop("--timeout-ms"), "its usage names"),
        (lambda c: c["jobs wait"]["flags"]["--timeout-ms"].update(type="boolean"), "`value`"),
        (lambda c: c["edit"].update(about="fine\n- a line docopt reads as an option"), "starts with '-'"),
        (lambda c: c["edit"].update(required=["--nope"]), "not one of its flags"),
        (lambda c: c["jobs wait"]["effects"].pop("spend"), "effects"),
        (lambda c: c["jobs show"].update(operation="noSuchOperation"), "operationId"),
        (lambda c: c.pop("jobs show"), "operations no command"),
        (lambda c: c["create"]["flags"]["--intent"].update(schema="Token"), "enumeration"),
        (lambda c: c["jobs wait"].update(example="image-skill jobs show JOB_ID"), "example"),
        (
            lambda c: c["jobs wait"].update(
                usage="jobs wait <job_id> [--timeout-ms] [--poll-interval-ms=MS]"
            ),
            "value",
        ),
    ],
)
def test_the_codegen_refuses_a_command_entry_that_could_not_agree(change: Any, match: str) -> None:
    with pytest.raises(codegen.SpecError, match=match):
        collect_commands(_spec_with(change))


def test_two_subcommands_may_not_give_one_flag_two_defaults() -> None:
    def change(commands: dict[str, Any]) -> None:
        commands["jobs show"]["usage"] = "jobs show <job_id> [--timeout-ms=MS]"
        commands["jobs show"]["flags"] = {
            "--timeout-ms": {"type": "integer", "value": "MS", "description": "x"}
        }

    with pytest.raises(codegen.SpecError, match="default"):
        render_usages(_spec_with(change))


def test_skill_md_is_valid_under_the_agent_skills_specification() -> None:
    from skills_ref import read_properties, validate

    assert validate(SKILL_DIR) == []
    properties = read_properties(SKILL_DIR)
    assert properties.name == SKILL_DIR.name
    front = yaml.safe_load((SKILL_DIR / "SKILL.md").read_text().split("---")[1])
    assert isinstance(front["metadata"], dict)
    assert all(isinstance(value, str) for value in front["metadata"].values()), "metadata is flat strings"


def test_skill_md_and_llms_txt_teach_every_command_and_exit_code() -> None:
    from image_skill_api.manifest import MANIFEST

    skill = (SKILL_DIR / "SKILL.md").read_text()
    llms = (ROOT / "generated" / "image_skill_api" / "llms.txt").read_text()
    assert MANIFEST["first_step"] in skill
    for row in MANIFEST["exit_codes"]:
        assert re.search(rf"\| {row['code']} \| {row['name']} \|", skill)
    for row in MANIFEST["commands"]:
        assert f"### {row['command']}\n" in llms
        assert row["example"] in llms

"""The command manifest (issue 18 item 1): `help --json` answers it whole, `<command> --help --json`
one command's entry, and help, parsing and manifest agree for every command because all three are
made from the spec's `x-image-skill-commands`."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docopt import parse_docstring_sections, parse_options

from image_skill.command_table import COMMANDS
from image_skill.envelope import Refusal
from image_skill.main import parse
from image_skill_api.manifest import MANIFEST
from image_skill_api.registry import ExitCode
from image_skill_api.usages import FLAGS, USAGES

from .conftest import Run

ROWS: list[dict[str, Any]] = MANIFEST["commands"]
GLOBALS = {flag["name"]: flag for flag in MANIFEST["global_flags"]}
NOWHERE = ("--api-base-url", "http://127.0.0.1:9")  # nothing listens: a request would be exit 7
#: The keys of the 0.1.70 `commands.json` (copied as literals: the suite reads nothing outside the
#: repository; the `contract`-marked test below compares with the file itself).
TOP_KEYS_0_1_70 = {
    "schema", "command_prefix", "product_frame", "skill_url", "docs_url", "llms_url", "commands",
    "modality_aliases", "help_entries",
}  # fmt: skip
ROW_KEYS_0_1_70 = {"id", "docs_anchor", "surface", "mutation", "spend"}
HELP_KEYS_0_1_70 = {"command", "usage", "docs_url"}


def _ids(row: dict[str, Any]) -> str:
    return str(row["id"])


def test_help_json_is_the_manifest_whole(run_cli: Callable[..., Run]) -> None:
    result = run_cli("help", "--json")
    assert result.code == ExitCode.OK
    assert result.data["schema"] == "image-skill.public-command-manifest.v1"
    assert {key: value for key, value in result.data.items() if key != "usage"} == json.loads(
        json.dumps(MANIFEST)
    )
    assert result.data == run_cli("--help").data == run_cli().data


def test_the_manifest_has_the_shape_of_0_1_70_and_more() -> None:
    assert set(MANIFEST) >= TOP_KEYS_0_1_70
    for row in ROWS:
        assert set(row) >= ROW_KEYS_0_1_70 | {"flags", "effects", "required_flags", "optional_flags"}, row[
            "id"
        ]
        assert set(row["effects"]) == {
            "network",
            "auth",
            "spend",
            "mutation",
            "media_write",
            "payment_object",
        }
        assert (row["mutation"], row["spend"]) == (row["effects"]["mutation"], row["effects"]["spend"])
        for flag in row["flags"]:
            assert {"type", "required", "repeatable", "env", "default", "description"} <= set(flag)
    for entry in MANIFEST["help_entries"]:
        assert set(entry) == {"key", "help"}
        assert set(entry["help"]) >= HELP_KEYS_0_1_70, entry["key"]
    words = {row["id"].split()[0] for row in ROWS}
    assert words == set(COMMANDS), "every command word runs a command of the manifest, and back"


@pytest.mark.contract_upstream
def test_the_manifest_is_a_superset_of_0_1_70s_in_image_scope(pytestconfig: Any) -> None:
    """Against the ``commands.json`` published with the 0.1.70 text (beside ``--contract-upstream``)."""
    path = Path(pytestconfig.getoption("--contract-upstream")).parent / "commands.json"
    assert path.is_file(), f"the 0.1.70 text is published with its commands.json beside it: {path}"
    upstream = json.loads(path.read_text())
    assert set(MANIFEST) >= set(upstream)
    for row in upstream["commands"]:
        assert set(ROWS[0]) >= set(row) - {"subcommands"}
    ours = {entry["key"]: entry["help"] for entry in MANIFEST["help_entries"]}
    for entry in upstream["help_entries"]:
        if entry["key"] and entry["key"].split()[0] in COMMANDS and entry["key"] != "credits packs":
            assert entry["key"] in ours, entry["key"]
            assert set(ours[entry["key"]]) >= set(entry["help"]) - {"supported_providers"}, entry["key"]


@pytest.mark.parametrize("row", ROWS, ids=_ids)
def test_every_command_help_json_is_its_manifest_entry(
    run_cli: Callable[..., Run], row: dict[str, Any]
) -> None:
    result = run_cli(*shlex.split(row["id"]), "--help", "--json")
    assert result.code == ExitCode.OK
    if row["id"] == "help":  # `help --help` is help: the manifest
        assert result.data["schema"] == MANIFEST["schema"]
        return
    assert result.data["id"] == row["id"]
    assert result.data["required_flags"] == row["required_flags"]
    assert result.data["optional_flags"] == row["optional_flags"]
    assert result.data["usage"] == USAGES[row["id"].split()[0]].strip()
    assert run_cli("help", *shlex.split(row["id"]), "--json").data["id"] == row["id"]


def _docopt_options(word: str) -> dict[str, tuple[int, Any]]:
    """The options docopt itself reads from ``word``'s usage text: name -> (argcount, default)."""
    sections = parse_docstring_sections(USAGES[word])
    return {option.longer: (option.argcount, option.value) for option in parse_options(sections.after_usage)}


@pytest.mark.parametrize("word", sorted(COMMANDS))
def test_usage_text_flag_table_and_manifest_agree(word: str) -> None:
    rows = [
        row for row in ROWS if row["id"].split()[0] == word or USAGES[row["id"].split()[0]] == USAGES[word]
    ]
    declared = {flag["name"]: flag for row in rows for flag in row["flags"]} | GLOBALS
    read = _docopt_options(word)
    assert set(read) == set(declared) == set(FLAGS[word])
    for name, flag in declared.items():
        argcount, default = read[name]
        assert argcount == int(flag["takes_value"]) == int(FLAGS[word][name]), name
        assert default == (flag["default"] if flag["takes_value"] else False), name
    text = " ".join(USAGES[word].split())
    for row in rows:
        if row["usage"] is not None:
            assert row["usage"] in text, row["id"]


@pytest.mark.parametrize("row", ROWS, ids=_ids)
def test_every_example_parses_as_its_command(row: dict[str, Any]) -> None:
    argv = shlex.split(row["example"])[1:]
    parsed = parse(argv[0], argv)
    assert not isinstance(parsed, Refusal), row["example"]
    for word in row["id"].split(" --")[0].split()[1:]:
        assert parsed[word] is True, (row["id"], word)
    for flag in row["fixed_flags"]:
        assert parsed[flag] is True
    names = {flag["name"] for flag in row["flags"]} | set(row["fixed_flags"]) | set(GLOBALS)
    assert {arg.split("=")[0] for arg in argv if arg.startswith("--")} <= names


REQUIRED = [(row, item) for row in ROWS for item in row["required_flags"]]
#: Well-formed values for the placeholders of the examples, so that only the flag left out is wrong.
FILLED = {"QUOTE_ID": "quote_0123456789abcdef", "KEY": "key-0123", "PACK_ID": "starter-500"}


@pytest.mark.parametrize(("row", "item"), REQUIRED, ids=[f"{r['id']} {i}" for r, i in REQUIRED])
def test_a_required_flag_left_out_is_refused_by_name(
    run_cli: Callable[..., Run], row: dict[str, Any], item: str
) -> None:
    argv = [FILLED.get(arg, arg) for arg in shlex.split(row["example"])[1:]]
    for name in item.split(" or "):
        if name in argv:
            at = argv.index(name)
            del argv[at : at + (2 if FLAGS[argv[0]][name] else 1)]
    result = run_cli(*argv, *NOWHERE, env={"IMAGE_SKILL_TOKEN": "isk_r_" + "a" * 24})
    assert result.code == ExitCode.INVALID_ARGUMENTS, (
        result.stdout
    )  # (INVALID_ARGUMENTS, or a code of its own)
    assert any(name in json.dumps(result.error) for name in item.split(" or ")), result.stdout


def test_a_word_of_several_commands_lists_them(run_cli: Callable[..., Run]) -> None:
    result = run_cli("jobs", "--help")
    assert result.data["subcommands"] == ["show", "wait"]
    assert [row["id"] for row in result.data["commands"]] == ["jobs show", "jobs wait"]
    guide = run_cli("create", "--guide", "--help", "--json").data
    assert guide["id"] == "create --guide"
    assert guide["effects"]["spend"] is False


def test_help_topics_answer_the_environment_and_the_exit_codes(run_cli: Callable[..., Run]) -> None:
    env = run_cli("help", "environment").data["environment"]
    assert "IMAGE_SKILL_TOKEN" in {row["name"] for row in env}
    codes = run_cli("help", "exit-codes").data["exit_codes"]
    assert [row["code"] for row in codes] == [int(code) for code in ExitCode]

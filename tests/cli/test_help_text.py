"""Help for a person (issue 18 item 3): on a terminal without `--json`, `--help`, `help`, `help
COMMAND`, `help environment` and `help exit-codes` print readable text; piped, the envelope; bold
headings unless NO_COLOR."""

from __future__ import annotations

import io
import json

import pytest

from image_skill.main import main
from image_skill_api.manifest import MANIFEST


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(*argv: str, env: dict[str, str] | None = None, tty: bool = True) -> tuple[int, str]:
    out = Terminal() if tty else io.StringIO()
    err = io.StringIO()
    code = main(list(argv), env={"NO_COLOR": "1", **(env or {})}, stdin=io.StringIO(), stdout=out, stderr=err)
    assert err.getvalue() == ""
    return code, out.getvalue()


@pytest.mark.parametrize("argv", [["--help"], ["help"], ["-h"], []])
def test_the_command_list_is_text_on_a_terminal(argv: list[str]) -> None:
    code, text = _run(*argv)
    assert code == 0
    assert text.startswith(MANIFEST["product_frame"])
    for group in MANIFEST["groups"]:
        assert group["title"].upper() in text
    for row in MANIFEST["commands"]:
        assert f"  {row['id']} " in text
    assert MANIFEST["first_step"] in text


@pytest.mark.parametrize("argv", [["jobs", "wait", "--help"], ["help", "jobs", "wait"]])
def test_one_commands_help_is_its_usage_with_example_and_effects(argv: list[str]) -> None:
    code, text = _run(*argv)
    assert code == 0
    assert text.startswith("Usage:\n  image-skill jobs show")
    assert "example:  image-skill jobs wait JOB_ID --timeout-ms 30000 --json" in text
    assert "effects:  network, auth" in text


def test_environment_and_exit_codes_topics() -> None:
    _, text = _run("help", "environment")
    for row in MANIFEST["environment"]:
        assert row["name"] in text
    _, text = _run("help", "exit-codes")
    for row in MANIFEST["exit_codes"]:
        assert f"{row['code']}  {row['name']}: {row['meaning']}" in text


@pytest.mark.parametrize("argv", [["--help", "--json"], ["help", "--json"], ["jobs", "--help", "--json"]])
def test_json_asks_for_the_envelope_even_on_a_terminal(argv: list[str]) -> None:
    _, text = _run(*argv)
    assert json.loads(text)["ok"] is True


def test_piped_help_is_the_envelope_exactly() -> None:
    _, piped = _run("--help", tty=False)
    _, asked = _run("--help", "--json", tty=False)
    assert {k: v for k, v in json.loads(piped).items() if k != "trace_id"} == {
        k: v for k, v in json.loads(asked).items() if k != "trace_id"
    }


def test_headings_are_bold_unless_no_color() -> None:
    out = Terminal()
    main(["--help"], env={"TERM": "xterm"}, stdin=io.StringIO(), stdout=out, stderr=io.StringIO())
    assert "\033[1mUSAGE\033[0m" in out.getvalue()
    _, plain = _run("--help")
    assert "\033[" not in plain

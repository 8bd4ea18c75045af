"""Hypothesis properties of the reference-flag grammar (``image_skill.references``).

Any valid list of ``--reference-image`` / ``--element-frontal`` / ``--element-reference`` flags
round-trips to the ``references[]`` body it describes (checked on the body the CLI really sends to
a recording server); any invalid one is exit 2 (INVALID_ARGUMENTS) with no request sent.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from image_skill.main import main
from image_skill_api.registry import TOKEN_PREFIX

from .conftest import Recorder

TOKEN = TOKEN_PREFIX + "ReferenceFlagsProperty_0123456789abcdef"
INPUT = "image_0123456789abcdef"
TASKS = ("ip", "id", "style")
ROLES = {
    "--reference-image": "reference_image",
    "--element-frontal": "element_frontal",
    "--element-reference": "element_reference",
}

asset_ids = st.from_regex(r"\A(image|asset|mask|file)_[A-Za-z0-9]{6,20}\Z")


@dataclass(frozen=True)
class Flag:
    """One flag as written, and the entry it must become."""

    flag: str
    value: str
    entry: dict[str, Any]


@st.composite
def reference_image(draw: st.DrawFn, asset_id: str, position: int) -> Flag:
    explicit = draw(st.booleans())
    index = draw(st.integers(0, 9)) if explicit else position
    task = draw(st.sampled_from((None, *TASKS))) if explicit else None
    suffix = "" if not explicit else f"@{index}" + (f":{task}" if task else "")
    entry: dict[str, Any] = {"asset_id": asset_id, "role": "reference_image", "index": index}
    if task:
        entry["reference_task"] = task
    return Flag("--reference-image", asset_id + suffix, entry)


@st.composite
def element_frontal(draw: st.DrawFn, asset_id: str, position: int) -> Flag:
    explicit = draw(st.booleans())
    index = draw(st.integers(0, 9)) if explicit else position
    entry = {"asset_id": asset_id, "role": "element_frontal", "index": index}
    return Flag("--element-frontal", asset_id + (f"@{index}" if explicit else ""), entry)


@st.composite
def element_reference(draw: st.DrawFn, asset_id: str, position: int) -> Flag:
    form = draw(st.sampled_from(("bare", "element", "slot")))
    index = draw(st.integers(0, 9)) if form != "bare" else 0
    entry: dict[str, Any] = {"asset_id": asset_id, "role": "element_reference", "index": index}
    suffix = "" if form == "bare" else f"@{index}"
    if form == "slot":
        slot = draw(st.integers(0, 2))
        entry["reference_index"] = slot
        suffix += f":{slot}"
    return Flag("--element-reference", asset_id + suffix, entry)


BUILDERS = {
    "--reference-image": reference_image,
    "--element-frontal": element_frontal,
    "--element-reference": element_reference,
}


@st.composite
def valid_flags(draw: st.DrawFn) -> list[Flag]:
    counts = {flag: draw(st.integers(0, 4)) for flag in BUILDERS}
    flags: list[Flag] = []
    for flag, count in counts.items():  # the body lists the kinds in this order, each in flag order
        for position in range(count):
            flags.append(draw(BUILDERS[flag](draw(asset_ids), position)))
    return flags


BAD_SUFFIXES = {
    "--reference-image": ["", "x", "-1", "10", "99", "1:", "1:IP", "1:face", "1:2", "1:id:x", " 1", "١"],
    "--element-frontal": ["", "x", "-1", "10", "0:0", "0:id", "1 "],
    "--element-reference": ["", "x", "10", "0:3", "0:-1", "0:id", "0:0:0", "0:", "²"],
}


@st.composite
def invalid_flag(draw: st.DrawFn) -> tuple[str, str]:
    flag = draw(st.sampled_from(sorted(BAD_SUFFIXES)))
    image = draw(st.sampled_from(("", draw(asset_ids))))
    suffix = draw(st.sampled_from(BAD_SUFFIXES[flag]))
    if image == "":
        return flag, draw(st.sampled_from(("", "@0", "@1:id")))
    return flag, f"{image}@{suffix}"


def run_cli(argv: list[str], recorder: Recorder) -> tuple[int, dict[str, Any]]:
    stdout = io.StringIO()
    env = {
        "IMAGE_SKILL_API_BASE_URL": recorder.base_url,
        "IMAGE_SKILL_TOKEN": TOKEN,
        "IMAGE_SKILL_TELEMETRY": "off",
    }
    code = main(argv, env=env, stdin=io.StringIO(""), stdout=stdout, stderr=io.StringIO())
    envelope: dict[str, Any] = json.loads(stdout.getvalue())
    return code, envelope


def _argv(flags: list[Flag]) -> list[str]:
    return [arg for flag in flags for arg in (flag.flag, flag.value)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flags=valid_flags(), command=st.sampled_from(("create", "edit")))
def test_valid_flags_round_trip_to_the_body(recorder: Recorder, flags: list[Flag], command: str) -> None:
    before = len(recorder.requests)
    head = ["create", "--prompt", "p"] if command == "create" else ["edit", "--input", INPUT, "--prompt", "p"]
    code, envelope = run_cli([*head, "--dry-run", *_argv(flags)], recorder)
    assert code == 1, envelope  # the recording server answers NOT_FOUND to what was sent
    sent = recorder.requests[before:]
    assert len(sent) == 1, "asset ids are sent as they are: one request, no upload"
    body = json.loads(sent[0].body)
    assert sent[0].path == f"/v1/{command}"
    assert body.get("references", []) == [flag.entry for flag in flags]
    if command == "edit":
        assert body["input_asset_id"] == INPUT


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    valid=valid_flags(),
    bad=invalid_flag(),
    where=st.integers(0, 12),
    command=st.sampled_from(("create", "edit")),
)
def test_invalid_flags_are_exit_2_with_nothing_sent(
    recorder: Recorder, valid: list[Flag], bad: tuple[str, str], where: int, command: str
) -> None:
    argv = _argv(valid)
    at = min(where, len(argv) // 2) * 2
    argv[at:at] = [bad[0], bad[1]]
    head = ["create", "--prompt", "p"] if command == "create" else ["edit", "--input", INPUT, "--prompt", "p"]
    before = len(recorder.requests)
    code, envelope = run_cli([*head, *argv], recorder)
    assert code == 2, envelope
    assert envelope["error"]["code"] == "INVALID_ARGUMENTS"
    assert len(recorder.requests) == before, "a request was sent for an invalid flag"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    key=st.sampled_from(
        ("elements", "frontal_image_url", "reference_image_urls", "face_reference_task", "images")
    ),
    command=st.sampled_from(("create", "edit")),
)
def test_provider_native_keys_name_the_flag_and_send_nothing(
    recorder: Recorder, key: str, command: str
) -> None:
    head = ["create", "--prompt", "p"] if command == "create" else ["edit", "--input", INPUT]
    before = len(recorder.requests)
    code, envelope = run_cli([*head, "--model-parameters-json", json.dumps({key: ["x"]})], recorder)
    assert code == 2
    assert envelope["error"]["code"] == "MODEL_PARAMETERS_INVALID"
    assert envelope["error"]["recovery"]["required_flag"] in {*ROLES, "--input"}
    assert len(recorder.requests) == before

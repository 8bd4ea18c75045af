"""references[] on create and edit: every limit of the contract with its own message and exit code,
ownership, the media policy, and outputs that visibly carry the references' colours."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from image_skill_api.registry import ERRORS, ErrorCode

from .conftest import Api
from .uploading import fetch, solid, upload

KLING = "fal.kling-image-o3-text-to-image"
KLING_EDIT = "fal.kling-image-o3-image-to-image"
DREAMO = "fal.dreamo"
XAI_EDIT = "xai.grok-imagine-image-edit"
RED, GREEN, BLUE = (230, 20, 20), (20, 200, 40), (30, 40, 220)


def frontal(asset_id: str, index: int) -> dict[str, Any]:
    return {"asset_id": asset_id, "role": "element_frontal", "index": index}


def extra(asset_id: str, index: int, slot: int | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {"asset_id": asset_id, "role": "element_reference", "index": index}
    if slot is not None:
        ref["reference_index"] = slot
    return ref


def flat(asset_id: str, index: int, task: str | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {"asset_id": asset_id, "role": "reference_image", "index": index}
    if task is not None:
        ref["reference_task"] = task
    return ref


@pytest.fixture
def ref(api: Api) -> str:
    api.signup()
    return upload(api, solid(RED))


def _create(api: Api, model: str, references: list[dict[str, Any]], **body: Any) -> dict[str, Any]:
    answer: dict[str, Any] = api.create(model=model, references=references, **body)
    return answer


def _refused(answer: dict[str, Any], code: ErrorCode, fragment: str) -> None:
    assert not answer["ok"], answer
    assert answer["error"]["code"] == code, answer["error"]
    assert fragment in answer["error"]["message"], answer["error"]["message"]
    assert ERRORS[code].exit_code in (2, 4, 6, 1)


def test_kling_elements_are_accepted_and_debit_once(api: Api, ref: str) -> None:
    side = upload(api, solid(GREEN))
    refs = [frontal(ref, 0), extra(side, 0, 0), extra(side, 0, 1), extra(side, 0, 2), frontal(side, 1)]
    done = _create(api, KLING, refs)
    assert done["ok"], done
    assert done["data"]["quota"]["consumed_credits"] == 6  # USD 0.03 per image


@pytest.mark.parametrize(
    ("build", "code", "fragment"),
    [
        (lambda a: [frontal(a, 0), frontal(a, 2)], ErrorCode.REFERENCES_INVALID, "contiguous from 0"),
        (lambda a: [frontal(a, 1)], ErrorCode.REFERENCES_INVALID, "contiguous from 0"),
        (lambda a: [frontal(a, 0), frontal(a, 0)], ErrorCode.REFERENCES_INVALID, "more than one frontal"),
        (lambda a: [frontal(a, 0), extra(a, 1)], ErrorCode.REFERENCES_INVALID, "no frontal image"),
        (
            lambda a: [frontal(a, 0), *[extra(a, 0) for _ in range(4)]],
            ErrorCode.CAPABILITY_DENIED,
            "at most 3",
        ),
        (lambda a: [frontal(a, 0), extra(a, 0, 1), extra(a, 0, 1)], ErrorCode.REFERENCES_INVALID, "slot 1"),
        (
            lambda a: [{**frontal(a, 0), "reference_index": 0}],
            ErrorCode.REFERENCES_INVALID,
            "no reference_index",
        ),
        (
            lambda a: [{**frontal(a, 0), "reference_task": "id"}],
            ErrorCode.REFERENCES_INVALID,
            "no reference_task",
        ),
        (lambda a: [flat(a, 0)], ErrorCode.CAPABILITY_DENIED, "does not take reference_image"),
        (lambda a: [frontal(a, 10)], ErrorCode.INVALID_ARGUMENTS, "references"),  # the schema: index <= 9
        (
            lambda a: [frontal(a, i // 4) if i % 4 == 0 else extra(a, i // 4) for i in range(41)],
            ErrorCode.INVALID_ARGUMENTS,
            "references",
        ),  # the schema: at most 40 entries
    ],
)
def test_kling_limits(
    api: Api, ref: str, build: Callable[[str], Any], code: ErrorCode, fragment: str
) -> None:
    _refused(_create(api, KLING, build(ref)), code, fragment)


def test_forty_kling_entries_over_ten_elements_are_accepted(api: Api, ref: str) -> None:
    refs = [frontal(ref, i // 4) if i % 4 == 0 else extra(ref, i // 4, i % 4 - 1) for i in range(40)]
    assert _create(api, KLING, refs, dry_run=True)["ok"]


@pytest.mark.parametrize(
    ("build", "code", "fragment"),
    [
        (
            lambda a: [flat(a, 0), flat(a, 1), flat(a, 2)],
            ErrorCode.CAPABILITY_DENIED,
            "at most 2 reference images",
        ),
        (lambda a: [flat(a, 1)], ErrorCode.REFERENCES_INVALID, "contiguous from 0"),
        (lambda a: [flat(a, 0), flat(a, 0)], ErrorCode.REFERENCES_INVALID, "more than once"),
        (
            lambda a: [{**flat(a, 0), "reference_index": 0}],
            ErrorCode.REFERENCES_INVALID,
            "no reference_index",
        ),
        (lambda a: [frontal(a, 0)], ErrorCode.CAPABILITY_DENIED, "does not take element_frontal"),
    ],
)
def test_dreamo_limits(
    api: Api, ref: str, build: Callable[[str], Any], code: ErrorCode, fragment: str
) -> None:
    _refused(_create(api, DREAMO, build(ref)), code, fragment)


def test_dreamo_takes_two_references_with_tasks(api: Api, ref: str) -> None:
    assert _create(api, DREAMO, [flat(ref, 0, "id"), flat(ref, 1, "style")])["ok"]


def test_xai_edit_takes_two_references_without_a_task(api: Api, ref: str) -> None:
    source = upload(api, solid((120, 120, 120), (640, 480)))
    body = {"input_asset_id": source, "prompt": "x", "model": XAI_EDIT, "accept_unknown_cost": True}
    assert api.request("POST", "/v1/edit", json={**body, "references": [flat(ref, 0), flat(ref, 1)]})["ok"]
    tasked = api.request("POST", "/v1/edit", json={**body, "references": [flat(ref, 0, "ip")]})
    _refused(tasked, ErrorCode.CAPABILITY_DENIED, "does not take a reference_task")
    three = api.request("POST", "/v1/edit", json={**body, "references": [flat(ref, i) for i in range(3)]})
    _refused(three, ErrorCode.CAPABILITY_DENIED, "at most 2")
    gap = api.request("POST", "/v1/edit", json={**body, "references": [flat(ref, 0), flat(ref, 2)]})
    _refused(gap, ErrorCode.REFERENCES_INVALID, "contiguous")


def test_models_without_references_refuse_them(api: Api, ref: str) -> None:
    _refused(
        _create(api, "fal.flux-dev", [flat(ref, 0)]), ErrorCode.CAPABILITY_DENIED, "does not take reference"
    )


@pytest.mark.parametrize(
    ("image", "fmt", "fragment"),
    [
        (solid(RED, (299, 400)), "PNG", "at least 300 px"),
        (solid(RED, (1100, 400)), "PNG", "aspect ratio 2.75"),
        (solid(RED, (300, 760)), "PNG", "aspect ratio 0.39"),
        (solid(RED, (400, 400)), "GIF", "must be PNG, JPEG or WebP"),
        (solid(RED, (400, 400)), "AVIF", "must be PNG, JPEG or WebP"),
    ],
)
def test_reference_media_policy(api: Api, image: Image.Image, fmt: str, fragment: str) -> None:
    api.signup()
    bad = upload(api, image, fmt)
    _refused(_create(api, DREAMO, [flat(bad, 0)]), ErrorCode.INPUT_POLICY_DENIED, fragment)


def test_edge_sizes_and_aspects_are_accepted(api: Api) -> None:
    api.signup()
    for size in ((300, 300), (750, 300), (300, 750)):  # 300 px sides, aspect 2.50 and 0.40
        good = upload(api, solid(GREEN, size))
        assert _create(api, DREAMO, [flat(good, 0)], dry_run=True)["ok"], size


def test_a_reference_over_ten_megabytes_is_refused(api: Api) -> None:
    import os

    api.signup()
    noise = Image.frombytes("RGB", (1900, 1900), os.urandom(1900 * 1900 * 3))  # ~10.8 MB as PNG
    big = upload(api, noise)
    _refused(_create(api, DREAMO, [flat(big, 0)]), ErrorCode.INPUT_POLICY_DENIED, "at most 10485760 bytes")


def test_someone_elses_reference_is_not_found(make_api: Callable[..., Api]) -> None:
    api = make_api()
    api.signup("owner")
    theirs = upload(api, solid(RED))
    api.signup("other")
    refused = _create(api, DREAMO, [flat(theirs, 0)])
    _refused(refused, ErrorCode.NOT_FOUND, "reference asset was not found")


def test_references_visibly_and_deterministically_colour_the_output(api: Api, ref: str) -> None:
    green = upload(api, solid(GREEN))
    first = _create(api, DREAMO, [flat(ref, 0), flat(green, 1)], model_parameters={"seed": 3})["data"]
    again = _create(api, DREAMO, [flat(ref, 0), flat(green, 1)], model_parameters={"seed": 3})["data"]
    plain = api.create(model=DREAMO, model_parameters={"seed": 3})["data"]
    assert first["assets"][0]["sha256"] == again["assets"][0]["sha256"]
    image = fetch(api, first["assets"][0]["url"]).convert("RGB")
    colours = {colour for _, colour in image.getcolors(image.width * image.height) or []}
    assert RED in colours
    assert GREEN in colours
    plain_image = fetch(api, plain["assets"][0]["url"]).convert("RGB")
    assert RED not in {c for _, c in plain_image.getcolors(plain_image.width * plain_image.height) or []}


def test_edit_references_colour_the_edit(api: Api, ref: str) -> None:
    source = upload(api, solid((120, 120, 120), (800, 600)))
    body = {"input_asset_id": source, "prompt": "x", "model": XAI_EDIT, "accept_unknown_cost": True}
    done = api.request("POST", "/v1/edit", json={**body, "references": [flat(ref, 0)]})["data"]
    image = fetch(api, done["assets"][0]["url"]).convert("RGB")
    assert image.getpixel((5, image.height - 2)) == RED


def test_kling_edit_with_elements(api: Api, ref: str) -> None:
    source = upload(api, solid((120, 120, 120), (800, 600)))
    body = {
        "input_asset_id": source,
        "prompt": "x",
        "model": KLING_EDIT,
        "accept_unknown_cost": True,
        "references": [frontal(ref, 0), extra(ref, 0, 0)],
    }
    assert api.request("POST", "/v1/edit", json=body)["ok"]

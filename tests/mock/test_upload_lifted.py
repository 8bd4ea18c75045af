"""Large uploads (issue #19, item 3): the base64 of a body is lifted out before the JSON is parsed and
decoded in place (``http.lifted``), with exactly the answers a body parsed whole gets: stored bytes
served back byte for byte, the same refusals, and a value that is not plain base64 (or not that
property's) parsed as any other body."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import pytest
from PIL import Image

from image_skill_api.registry import ErrorCode
from image_skill_mock.http import lifted
from image_skill_mock.http.validation import schemas_for

from .conftest import Api
from .uploading import encode, upload_body

#: A PNG of noise, stored uncompressed: its base64 is well above ``lifted.LIFT_MIN_BYTES``.
OPERATION = "uploadAsset"
NOISE = encode(Image.frombytes("RGB", (128, 128), os.urandom(128 * 128 * 3)))


def _post(api: Api, text: str) -> Any:
    headers = {"content-type": "application/json"}
    return api.request("POST", "/v1/upload", content=text.encode(), headers=headers)


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every base64 text decoded in place (lifted out of a body)."""
    lengths: list[int] = []
    real = lifted.Base64Text.decode

    def decode(self: lifted.Base64Text) -> tuple[memoryview, str]:
        lengths.append(len(self))
        return real(self)

    monkeypatch.setattr(lifted.Base64Text, "decode", decode)
    return lengths


def test_a_large_upload_is_stored_and_served_back_byte_for_byte(api: Api, decoded: list[int]) -> None:
    assert len(base64.b64encode(NOISE)) > lifted.LIFT_MIN_BYTES
    api.signup()
    answer = api.request("POST", "/v1/upload", json=upload_body(NOISE))
    assert answer["status"] == 201, answer
    assert decoded == [len(base64.b64encode(NOISE))]  # lifted out, decoded in place
    asset = answer["data"]["asset"]
    assert (asset["width"], asset["height"], answer["data"]["upload"]["bytes"]) == (128, 128, len(NOISE))
    served = api.client.get(asset["url"].replace("http://testserver", ""))
    assert served.content == NOISE
    assert served.headers["content-length"] == str(len(NOISE))
    again = api.request("POST", "/v1/upload", json=upload_body(NOISE))
    assert again["data"]["asset"]["asset_id"] == asset["asset_id"]  # content-addressed, as before


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ({"content_length": 999}, "not the declared content_length"),
        ({"sha256": "0" * 64}, "do not match the declared sha256"),
        ({"bytes_base64": base64.b64encode(NOISE).decode()[:-2]}, "not valid padded base64"),
    ],
)
def test_a_large_upload_is_refused_as_a_small_one(api: Api, override: dict[str, Any], fragment: str) -> None:
    api.signup()
    error = api.request("POST", "/v1/upload", json=upload_body(NOISE, **override))["error"]
    assert error["code"] == ErrorCode.UPLOAD_BYTES_MISMATCH
    assert fragment in error["message"]


def test_escaped_base64_is_not_lifted_and_still_decodes(api: Api, decoded: list[int]) -> None:
    api.signup()
    text = json.dumps(upload_body(NOISE)).replace("/", "\\/")  # legal JSON: the same string
    assert "\\/" in text
    assert _post(api, text)["status"] == 201
    assert decoded == []  # parsed whole


def test_only_that_property_s_value_is_lifted(api: Api) -> None:
    api.signup()
    body = upload_body(NOISE)
    # after the real property, a key that ends in the name: found last, it is not that property's
    decoy = json.dumps(body)[:-1] + ', "x\\"bytes_base64": "' + body["bytes_base64"] + '"}'
    assert _post(api, decoy)["error"]["code"] == ErrorCode.INVALID_ARGUMENTS  # an unknown property
    # the name twice: JSON's last value counts, as when the body is parsed whole
    small = upload_body(encode(Image.new("RGB", (8, 8))))
    twice = json.dumps(body)[:-1] + ', "bytes_base64": "' + small["bytes_base64"] + '"}'
    assert _post(api, twice)["error"]["code"] == ErrorCode.UPLOAD_BYTES_MISMATCH  # not the declared bytes
    text = json.dumps({**small, "bytes_base64": body["bytes_base64"]})
    assert _post(api, text[:-1] + ', "bytes_base64": "' + small["bytes_base64"] + '"}')["status"] == 201


def test_a_value_over_its_max_length_is_invalid_arguments(api: Api) -> None:
    lift = schemas_for(OPERATION).lift
    assert lift is not None
    name, max_length = lift
    assert name == "bytes_base64"
    api.signup()
    body = json.dumps({**upload_body(NOISE), name: "A" * (max_length + 4)})
    error = _post(api, body)["error"]
    assert error["code"] == ErrorCode.INVALID_ARGUMENTS
    assert f"maxLength {max_length}" in error["message"]

"""Tag ``creative``: create and edit (the pipeline, ``creative.pipeline``, on a ``CreativeRequest``
built from the body) and upload (``creative.uploads``)."""

from __future__ import annotations

from typing import Any

from image_skill_mock.creative import pipeline, uploads
from image_skill_mock.creative.request import CreativeRequest
from image_skill_mock.http.call import Call


def create_image(call: Call) -> dict[str, Any]:
    return pipeline.run(call, CreativeRequest.create(call.body or {}))


def edit_image(call: Call) -> dict[str, Any]:
    return pipeline.run(call, CreativeRequest.edit(call.body or {}))


def upload_asset(call: Call) -> dict[str, Any]:
    return uploads.upload(call)


HANDLERS = {"createImage": create_image, "editImage": edit_image, "uploadAsset": upload_asset}

"""POST /v1/create and POST /v1/edit: the creative pipeline (``image_skill_mock.pipeline``) run on a
``CreativeRequest`` built from a create body or an edit body.
"""

from __future__ import annotations

from typing import Any

from image_skill_mock import pipeline
from image_skill_mock.state import Call


def create_image(call: Call) -> dict[str, Any]:
    return pipeline.run(call, pipeline.CreativeRequest.create(call.body or {}))


def edit_image(call: Call) -> dict[str, Any]:
    return pipeline.run(call, pipeline.CreativeRequest.edit(call.body or {}))


HANDLERS = {"createImage": create_image, "editImage": edit_image}

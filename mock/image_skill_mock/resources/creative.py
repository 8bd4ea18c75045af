"""POST /v1/create: the creative pipeline (``image_skill_mock.pipeline``) run on a create request.

An edit handler is the same pipeline on ``CreativeRequest`` built from an edit body.
"""

from __future__ import annotations

from typing import Any

from image_skill_mock import pipeline
from image_skill_mock.state import Call


def create_image(call: Call) -> dict[str, Any]:
    return pipeline.run(call, pipeline.CreativeRequest.create(call.body or {}))


HANDLERS = {"createImage": create_image}

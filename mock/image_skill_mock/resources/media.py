"""``GET /media/a/<asset_id>.<ext>``: the bytes behind an owned capability URL (no auth, not a JSON API)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from image_skill_api.registry import MOCK_MEDIA_PATH, ErrorCode
from image_skill_mock.creative import outputs
from image_skill_mock.errors import ApiError
from image_skill_mock.http.envelope import ROOT_COMMAND, failure
from image_skill_mock.store.database import Storage


def route(storage: Storage, trace_id: Callable[[Request], str]) -> Route:
    def media(request: Request) -> Response:
        found = outputs.media(storage, str(request.path_params["name"]))
        if found is None:
            error = ApiError(ErrorCode.NOT_FOUND, "No such media.")
            return failure(ROOT_COMMAND, error, trace_id=trace_id(request))
        mime_type, data = found
        return Response(data, media_type=mime_type, headers={"cache-control": "private, max-age=3600"})

    return Route(MOCK_MEDIA_PATH + "{name}", media, methods=["GET"])

"""``GET /media/a/<asset_id>.<ext>``: the bytes behind an owned capability URL (no auth, not a JSON API),
streamed from SQLite a piece at a time (``Storage.media_chunks``): a download of any size holds one
piece in memory, not the asset."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
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
        headers = {"cache-control": "private, max-age=3600", "content-length": str(found.length)}
        return StreamingResponse(storage.media_chunks(found), media_type=found.mime_type, headers=headers)

    return Route(MOCK_MEDIA_PATH + "{name}", media, methods=["GET"])

"""The composition root: the Starlette app of one server's settings and storage.

One route per served operation (the generated ``OPERATIONS`` that ``resources.HANDLERS`` serves),
each run through ``http.endpoint`` (one ``Pipeline``: the token memory and the admission of heavy
work; ``resources.INLINE`` handlers on the event loop); the media route; the test-mode checkout
page and webhook (``payments.page``); the telemetry middleware. Operations without a handler are
simply not routed (404 envelope); a path with a trailing slash is not redirected (a redirect would
be built from the untrusted Host header). The only importer of ``resources``.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Route

from image_skill_api.operations import OPERATIONS
from image_skill_mock.http import telemetry
from image_skill_mock.http.admission import Admission
from image_skill_mock.http.endpoint import Pipeline, endpoint, not_found, trace_id_of
from image_skill_mock.payments import page
from image_skill_mock.resources import HANDLERS, INLINE, media
from image_skill_mock.settings import Settings
from image_skill_mock.store.database import Storage

__all__ = ["Settings", "create_app"]


def create_app(settings: Settings) -> Starlette:
    storage = Storage(settings.db_path)
    pipeline = Pipeline(settings, storage, Admission())
    routes = [
        Route(
            op.path,
            endpoint(op, HANDLERS[op.operation_id], pipeline, inline=op.operation_id in INLINE),
            methods=[op.method],
        )
        for op in OPERATIONS.values()
        if op.operation_id in HANDLERS
    ]
    routes.append(media.route(storage, trace_id_of))
    routes += page.routes(settings, storage, trace_id_of)  # the test-mode checkout page and webhook
    recorder = Middleware(telemetry.Recorder, storage=storage, settings=settings)  # one event per CLI run
    handlers = {HTTPException: not_found, Exception: not_found}  # every answer an envelope, a crash too
    app = Starlette(routes=routes, exception_handlers=handlers, middleware=[recorder])
    app.router.redirect_slashes = False  # a redirect would be built from the untrusted Host header
    app.state.storage = storage
    app.state.pipeline = pipeline
    return app

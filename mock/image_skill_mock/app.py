"""The composition root: the Starlette app of one server's settings and storage.

One route per served operation (the generated ``OPERATIONS`` that ``resources.HANDLERS`` serves),
each run through ``http.endpoint``; the media route; the test-mode checkout page and webhook
(``payments.page``); the telemetry middleware. Operations without a handler are simply not routed
(404 envelope); a path with a trailing slash is not redirected (a redirect would be built from the
untrusted Host header). The only importer of ``resources``.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Route

from image_skill_api.operations import OPERATIONS
from image_skill_mock.http import telemetry
from image_skill_mock.http.endpoint import endpoint, not_found, trace_id_of
from image_skill_mock.payments import delivery, page
from image_skill_mock.resources import HANDLERS, media
from image_skill_mock.settings import Settings
from image_skill_mock.store.database import Storage

__all__ = ["Settings", "create_app"]


def create_app(settings: Settings) -> Starlette:
    storage = Storage(settings.db_path)
    routes = [
        Route(op.path, endpoint(op, HANDLERS[op.operation_id], settings, storage), methods=[op.method])
        for op in OPERATIONS.values()
        if op.operation_id in HANDLERS
    ]
    routes.append(media.route(storage, trace_id_of))
    outbox = delivery.Outbox(settings, storage)  # webhook deliveries owed, sent until acknowledged
    if settings.webhook_delivery_base_url is not None:
        outbox.start()  # a server that knows its own address delivers over HTTP from a worker thread
    routes += page.routes(settings, storage, trace_id_of, outbox)  # the checkout page and webhook
    recorder = Middleware(telemetry.Recorder, storage=storage, settings=settings)  # one event per CLI run
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found}, middleware=[recorder])
    app.router.redirect_slashes = False  # a redirect would be built from the untrusted Host header
    app.state.storage = storage
    app.state.outbox = outbox
    return app

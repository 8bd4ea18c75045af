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
from image_skill_mock.creative import catalog, deferred
from image_skill_mock.http import telemetry
from image_skill_mock.http.endpoint import endpoint, not_found, trace_id_of
from image_skill_mock.payments import page
from image_skill_mock.resources import HANDLERS, media
from image_skill_mock.settings import Settings
from image_skill_mock.store.database import Storage

__all__ = ["Settings", "create_app"]


def create_app(settings: Settings) -> Starlette:
    if settings.catalog_path is not None:
        catalog.install(settings.catalog_path)  # one catalog per process (serve --catalog)
    storage = Storage(settings.db_path)
    routes = [
        Route(op.path, endpoint(op, HANDLERS[op.operation_id], settings, storage), methods=[op.method])
        for op in OPERATIONS.values()
        if op.operation_id in HANDLERS
    ]
    routes.append(media.route(storage, trace_id_of))
    routes += page.routes(settings, storage, trace_id_of)  # the test-mode checkout page and webhook
    recorder = Middleware(telemetry.Recorder, storage=storage, settings=settings)  # one event per CLI run
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found}, middleware=[recorder])
    app.router.redirect_slashes = False  # a redirect would be built from the untrusted Host header
    app.state.storage = storage
    # Queued jobs (serve --job-latency-ms), and any a crash left on this database, run in the background.
    app.state.jobs = deferred.Runner(storage, settings)
    if settings.job_latency_ms > 0 or app.state.jobs.pending():
        app.state.jobs.start()
    return app

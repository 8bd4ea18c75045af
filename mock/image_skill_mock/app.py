"""The composition root: the Starlette app of one server's settings and storage.

One route per served operation (the generated ``OPERATIONS`` that ``resources.HANDLERS`` serves),
One route per served operation (the generated ``OPERATIONS`` that ``resources.HANDLERS`` serves),
each run through ``http.endpoint`` (one ``Pipeline``: the token memory and the admission of heavy
work; ``resources.INLINE`` handlers on the event loop); the media route; the test-mode checkout
page and webhook (``payments.page``); the served documents (``documents``); the telemetry and
access-log middleware. With ``serve --control`` also the control API's routes (``CONTROL_HANDLERS``,
whose access check runs from the headers before the body: ``control.access``), its fault rules' hook
and the journal middleware (``control``). Operations without a handler are simply not routed (404
envelope); a path with a trailing slash is not redirected (a redirect would be built from the
untrusted Host header). The only importer of ``resources``.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from image_skill_api.operations import OPERATIONS
from image_skill_mock.control import access, fault_rules, journal
from image_skill_mock.creative import catalog, deferred
from image_skill_mock.documents import routes as documents
from image_skill_mock.http import telemetry
from image_skill_mock.http.access_log import AccessLog
from image_skill_mock.http.admission import Admission
from image_skill_mock.http.endpoint import Endpoint, Pipeline, endpoint, not_found, trace_id_of
from image_skill_mock.http.routing import Router
from image_skill_mock.payments import delivery, page
from image_skill_mock.resources import CONTROL_HANDLERS, HANDLERS, INLINE, media
from image_skill_mock.settings import Settings
from image_skill_mock.store.database import Storage

__all__ = ["Settings", "create_app"]


class _ByMethod:
    """One route for a path several operations share (``/_mock/faults``), so its 405 lists them all."""

    def __init__(self, endpoints: dict[str, Endpoint]) -> None:
        self.endpoints = endpoints

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        await self.endpoints["GET" if method == "HEAD" else method](scope, receive, send)


def _by_method(endpoints: dict[str, Endpoint]) -> ASGIApp:
    return next(iter(endpoints.values())) if len(endpoints) == 1 else _ByMethod(endpoints)


def create_app(settings: Settings) -> Starlette:
    if settings.catalog_path is not None:
        catalog.install(settings.catalog_path)  # one catalog per process (serve --catalog)
    storage = Storage(settings.db_path)
    handlers = HANDLERS
    if settings.control:  # the control API (/_mock/) and its fault rules; absent otherwise (404)
        handlers = {**HANDLERS, **CONTROL_HANDLERS}
        settings = replace(settings, fault_rule=partial(fault_rules.draw, storage))
    pipeline = Pipeline(settings, storage, Admission())
    served: dict[str, dict[str, Endpoint]] = {}  # path -> method -> endpoint
    for op in OPERATIONS.values():
        if op.operation_id in handlers:
            served.setdefault(op.path, {})[op.method] = endpoint(
                op,
                handlers[op.operation_id],
                pipeline,
                inline=op.operation_id in INLINE,
                guard=access.check if op.operation_id in CONTROL_HANDLERS else None,
            )
    routes = [Route(path, _by_method(methods), methods=list(methods)) for path, methods in served.items()]
    routes.append(media.route(storage, trace_id_of))
    outbox = delivery.Outbox(settings, storage)  # webhook deliveries owed, sent until acknowledged
    if settings.webhook_delivery_base_url is not None:
        outbox.start()  # a server that knows its own address delivers over HTTP from a worker thread
    routes += page.routes(settings, storage, trace_id_of, outbox)  # the checkout page and webhook
    routes += documents.routes()  # /openapi.json, /llms.txt, /cli.md, /docs
    recorder = Middleware(telemetry.Recorder, storage=storage, settings=settings)  # one event per CLI run
    middleware = [recorder, Middleware(AccessLog, clock=settings.clock)]  # version header, access log
    if settings.control:
        middleware.append(Middleware(journal.Recorder, storage=storage, settings=settings))
    crashes = {HTTPException: not_found, Exception: not_found}  # every answer an envelope, a crash too
    app = Starlette(routes=routes, exception_handlers=crashes, middleware=middleware)
    # A literal path's route by lookup (``http.routing``); no redirect: it would be built from the
    # untrusted Host header.
    app.router = Router(app.router.routes, redirect_slashes=False)
    app.state.storage = storage
    app.state.outbox = outbox
    app.state.pipeline = pipeline
    # Queued jobs (serve --job-latency-ms), and any a crash left on this database, run in the background.
    app.state.jobs = deferred.Runner(storage, settings)
    if settings.job_latency_ms > 0 or app.state.jobs.pending():
        app.state.jobs.start()
    return app

"""The aiohttp application: the bearer-token and error middlewares, the ``Server`` made from its
parts (the class is in ``context``), and the route table. Handlers live in the ``*_routes``
modules, which import ``context``, never this module.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from moviebuild.errors import (
    BudgetExceeded,
    ConfigError,
    GraphError,
    LockHeld,
    MovieBuildError,
)
from moviebuild.server.backend import BuildBackend, BuildListener, InProcessBackend
from moviebuild.server.bodies import MAX_BODY_KEY, problem
from moviebuild.server.context import SERVER_KEY, TENANT_KEY, server_of

# Named here too, where ``make_server`` hands them out.
from moviebuild.server.context import BackendFactory as BackendFactory
from moviebuild.server.context import Server as Server
from moviebuild.server.events import EventLogs
from moviebuild.server.links import LinkSigner
from moviebuild.server.root import MovieRoot
from moviebuild.server.tokens import TokenBook
from moviebuild.server.webhooks import ResolverFactory, WebhookSender

log = logging.getLogger("moviebuild.server")

MAX_BODY_BYTES = 256 * 1024
_PUBLIC = ("/v1/openapi.json", "/v1/assets/", "/studio")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def problems(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure as a JSON ``Problem``; never a traceback."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.content_type != "application/json" and exc.status >= 400:
            kept = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "retry-after")}
            raise problem(exc.status, _kind(exc.status), exc.reason, headers=kept) from None
        raise
    except (ConfigError, GraphError, BudgetExceeded) as exc:
        raise problem(422, "invalid", exc.message, hint=exc.hint) from None
    except LockHeld as exc:
        raise problem(409, "conflict", "the movie is being built", hint=exc.hint) from None
    except MovieBuildError as exc:
        log.warning("%s %s: %s", request.method, request.path, exc.message)
        raise problem(
            503, "unavailable", "the movie's store cannot be used right now", hint=exc.hint
        ) from None
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        raise problem(
            500, "internal", "the server failed on this request; its log has the details"
        ) from None


def _kind(status: int) -> str:
    return {
        400: "bad-request", 401: "unauthorized", 404: "not-found", 405: "method-not-allowed",
        409: "conflict", 413: "too-large", 429: "too-many-builds",
    }.get(status, "error")


@web.middleware
async def bearer_tokens(request: web.Request, handler: Handler) -> web.StreamResponse:
    """``Authorization: Bearer <token>`` on every endpoint but the OpenAPI document and signed
    asset links; the tenant goes into ``request[TENANT_KEY]``."""
    if request.path.startswith(_PUBLIC) or request.method == "OPTIONS":
        return await handler(request)
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    server = server_of(request)
    server.tokens.refresh()
    tenant = server.tokens.tenant_for(token.strip()) if scheme.lower() == "bearer" else None
    if tenant is None:
        raise problem(
            401, "unauthorized", "a valid bearer token is required",
            hint="send `Authorization: Bearer <token>`; `moviebuild token create TENANT` "
            "makes one",
            headers={"WWW-Authenticate": 'Bearer realm="moviebuild"'},
        )
    request[TENANT_KEY] = tenant
    return await handler(request)


def make_server(
    root: MovieRoot,
    *,
    base_url: str = "",
    build_options: dict[str, Any] | None = None,
    max_builds_per_tenant: int = 4,
    max_streams_per_tenant: int = 32,
    backend: BuildBackend | None = None,
    backend_factory: BackendFactory | None = None,
    allow_loopback_webhooks: bool = False,
    webhook_resolver: ResolverFactory | None = None,
) -> Server:
    """The server's shared state. The builds run on ``backend``, or on what ``backend_factory``
    makes from the event logs and the build listeners (webhooks), or in this process. Webhooks
    may reach this machine only with ``allow_loopback_webhooks`` (local development);
    ``webhook_resolver`` replaces their DNS (tests)."""
    logs = EventLogs()
    clock = (build_options or {}).get("clock")
    webhooks = WebhookSender(
        root.tenant_folder, clock.sleep if clock else asyncio.sleep,
        allow_loopback=allow_loopback_webhooks, resolver_factory=webhook_resolver,
    )
    listeners: list[BuildListener] = [webhooks]
    if backend is None and backend_factory is not None:
        backend = backend_factory(logs, listeners)
    server = Server(
        root=root,
        tokens=TokenBook(root),
        signer=LinkSigner(root.signing_key(), base_url),
        logs=logs,
        backend=backend
        or InProcessBackend(logs, build_options=build_options, listeners=listeners),
        max_builds_per_tenant=max_builds_per_tenant,
        max_streams_per_tenant=max_streams_per_tenant,
        webhooks=webhooks,
    )
    return server


def make_app(server: Server, *, max_body_bytes: int = MAX_BODY_BYTES) -> web.Application:
    """The application with every route; ``server.resume_unfinished`` runs at startup."""
    from moviebuild.server import (
        build_routes,
        export_routes,
        file_routes,
        movie_routes,
        stream_routes,
        studio_routes,
        webhook_routes,
        worker_routes,
    )
    from moviebuild.server.openapi import openapi_handler

    app = web.Application(
        middlewares=[problems, bearer_tokens], client_max_size=max_body_bytes
    )
    app[SERVER_KEY] = server
    app[MAX_BODY_KEY] = max_body_bytes
    app.router.add_get("/v1/openapi.json", openapi_handler)
    movie_routes.add_routes(app.router)
    build_routes.add_routes(app.router)
    stream_routes.add_routes(app.router)
    webhook_routes.add_routes(app.router)
    studio_routes.add_routes(app.router)
    worker_routes.add_routes(app.router)
    export_routes.add_routes(app.router)
    file_routes.add_routes(app.router)

    async def on_startup(_app: web.Application) -> None:
        server.logs.home = asyncio.get_running_loop()
        for ref, build_id in server.resume_unfinished():
            log.info("resuming build %s of %s/%s", build_id, ref.tenant, ref.movie_id)

    async def on_shutdown(_app: web.Application) -> None:
        server.accepting = False
        server.logs.wake_all()
        await server.backend.shutdown(server.grace_s)
        server.states.close()

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    return app

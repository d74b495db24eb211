"""Registering webhooks: ``PUT``/``DELETE /v1/webhook`` for every movie of the tenant, and
``PUT``/``DELETE /v1/movies/{id}/webhook`` for one movie."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from moviebuild.server.bodies import answer, problem, read_body
from moviebuild.server.context import server_of, tenant_of
from moviebuild.server.models import Webhook, WebhookRequest
from moviebuild.server.webhooks import save_webhook, webhook_path


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_put("/v1/webhook", put_tenant_webhook)
    router.add_delete("/v1/webhook", delete_tenant_webhook)
    router.add_put("/v1/movies/{movie}/webhook", put_movie_webhook)
    router.add_delete("/v1/movies/{movie}/webhook", delete_movie_webhook)


def _tenant_folder(request: web.Request) -> Path:
    return server_of(request).root.tenant_folder(tenant_of(request))


def _movie_folder(request: web.Request) -> Path:
    server = server_of(request)
    return server.movie(tenant_of(request), request.match_info["movie"]).records


async def _put(request: web.Request, folder: Path) -> web.Response:
    body = await read_body(request, WebhookRequest)
    why = await server_of(request).webhooks.refusal(body.url)
    if why is not None:
        raise problem(422, "invalid", f"$.url: {why}", where="$.url")
    hook = save_webhook(folder, body.url)
    return answer(Webhook(url=hook.url, secret=hook.secret))


def _delete(folder: Path) -> web.Response:
    path = webhook_path(folder)
    if not path.is_file():
        raise problem(404, "not-found", "no webhook is registered here")
    path.unlink()
    return web.Response(status=204)


async def put_tenant_webhook(request: web.Request) -> web.Response:
    return await _put(request, _tenant_folder(request))


async def delete_tenant_webhook(request: web.Request) -> web.Response:
    return _delete(_tenant_folder(request))


async def put_movie_webhook(request: web.Request) -> web.Response:
    return await _put(request, _movie_folder(request))


async def delete_movie_webhook(request: web.Request) -> web.Response:
    return _delete(_movie_folder(request))

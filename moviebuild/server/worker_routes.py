"""``GET /v1/workers``: the workers a server with ``--database`` sees (their heartbeat rows), for
admin tokens only. A server that builds in its own process has none."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from aiohttp import web
from pydantic import BaseModel, Field

from moviebuild.server.bodies import answer, problem
from moviebuild.server.context import server_of

if TYPE_CHECKING:
    from moviebuild.distributed.heartbeat import WorkerRow


class WorkerDocument(BaseModel):
    """One worker: ``state`` is running, draining, stopped or recovered (found dead or stopped;
    ``recovered_by`` took its workflows); ``silent_s`` since its last heartbeat."""

    id: str
    host: str
    pid: int
    version: str
    state: str
    silent_s: float
    jobs_running: int
    jobs_done: int
    recovered_by: str | None = None


class WorkerList(BaseModel):
    backend: str = Field(description="cluster (builds on workers) or in-process")
    workers: list[WorkerDocument]


@runtime_checkable
class HasWorkers(Protocol):
    """A build backend whose builds run on workers it can list."""

    def workers(self) -> list[WorkerRow]: ...


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/v1/workers", get_workers)


async def get_workers(request: web.Request) -> web.Response:
    server = server_of(request)
    _scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if not server.tokens.is_admin(token.strip()):
        raise problem(
            403, "forbidden", "only an admin token may list the workers",
            hint="`moviebuild token create --admin` makes one",
        )
    backend = server.backend
    if not isinstance(backend, HasWorkers):
        return answer(WorkerList(backend="in-process", workers=[]))
    rows = await asyncio.to_thread(backend.workers)
    workers = [WorkerDocument.model_validate(row.to_json()) for row in rows]
    return answer(WorkerList(backend="cluster", workers=workers))

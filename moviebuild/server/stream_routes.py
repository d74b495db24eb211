"""Streams out of the server: a movie's events as Server-Sent Events (replayed after
``Last-Event-ID``, across restarts) and assets by signed link (no token needed; a bad or
expired signature is a 404 like any other missing thing)."""

from __future__ import annotations

import asyncio
import mimetypes

from aiohttp import web

from moviebuild.config.numbers import ascii_number
from moviebuild.server.bodies import not_found, problem
from moviebuild.server.context import server_of, tenant_of
from moviebuild.server.events import EventLog
from moviebuild.server.ranges import ranged_response
from moviebuild.server.root import is_valid_name

KEEPALIVE_S = 15.0


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/v1/movies/{movie}/events", stream_events)
    router.add_get("/v1/assets/{tenant}/{movie}/{digest}", get_asset)


def _last_event_id(request: web.Request) -> int:
    text = request.headers.get("Last-Event-ID") or request.query.get("after") or "0"
    text = text.strip()
    number = ascii_number(text, max_digits=11)
    if number is None:
        raise problem(400, "bad-request", "Last-Event-ID must be an event id (a whole number)")
    return number


async def stream_events(request: web.Request) -> web.StreamResponse:
    """Every event after ``Last-Event-ID`` (or ``?after=``), then new ones as they happen.
    ``?build=ID`` keeps the events of that build only (from its first, unless an id is given);
    ``?until=build-finished`` ends the stream after the next build-finished event (with
    ``build``, that build's: it follows one build to its end)."""
    server = server_of(request)
    ref = server.movie(tenant_of(request), request.match_info["movie"])
    last = _last_event_id(request)
    until = request.query.get("until")
    build = request.query.get("build")
    if build is not None and server.builds(ref).get(build) is None:
        raise not_found(f"this movie has no build {build!r}")
    log = server.logs.for_folder(ref.records)
    tenant = ref.tenant
    if server.open_streams[tenant] >= server.max_streams_per_tenant:
        raise problem(
            429, "too-many-streams",
            f"this tenant already has {server.max_streams_per_tenant} event streams open",
            hint="close a stream you no longer read (one per movie is enough), then retry",
            headers={"Retry-After": str(int(KEEPALIVE_S))},
        )
    server.open_streams[tenant] += 1
    try:
        return await _stream(request, log, last, until, build)
    finally:
        server.open_streams[tenant] -= 1


async def _stream(request: web.Request, log: EventLog, last: int,
                  until: str | None, build: str | None) -> web.StreamResponse:
    server = server_of(request)
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    try:
        while server.accepting:
            events = log.after(last)
            for event in events:
                last = event.id
                if build is not None and event.data.get("build") != build:
                    continue
                await response.write(event.to_sse())
                if until is not None and event.type == until:
                    return response
            if not events:
                await response.write(b": keepalive\n\n")
            await log.wait(KEEPALIVE_S)
    except ConnectionResetError:
        pass  # the client went away; it resumes with Last-Event-ID
    return response


async def get_asset(request: web.Request) -> web.Response:
    server = server_of(request)
    tenant, movie_id = request.match_info["tenant"], request.match_info["movie"]
    digest = request.match_info["digest"]
    expires = request.query.get("expires", "")
    signature = request.query.get("signature", "")
    if not (is_valid_name(tenant) and is_valid_name(movie_id)):
        raise not_found("no such asset")
    if not server.signer.check(tenant, movie_id, digest, expires, signature):
        raise not_found("no such asset")
    if not server.root.movie_exists(tenant, movie_id):
        raise not_found("no such asset")
    ref = server.movie(tenant, movie_id)

    def read() -> tuple[bytes, str] | None:
        from moviebuild.project.movie import Movie

        movie = Movie.open(ref.folder)  # its store: in the folder, or where ``store:`` says
        if not movie.store_exists():
            return None
        with movie.open_store() as store:
            if not store.blobs.has_blob(digest):
                return None
            ext = store.blobs.blob_path(digest).rsplit(".", 1)[-1]
            return store.blobs.get_blob(digest), ext

    found = await asyncio.to_thread(read)
    if found is None:
        raise not_found("no such asset")
    data, ext = found
    content_type = mimetypes.types_map.get(f".{ext}", "application/octet-stream")
    # Ranges let a browser's <audio> and <video> seek (the studio's player moves them).
    return ranged_response(
        request,
        data,
        content_type,
        {"Cache-Control": "private, max-age=3600", "Access-Control-Allow-Origin": "*"},
    )

"""Your own media over HTTP: ``PUT /v1/movies/{movie}/files/{artifact}`` with the file as the
raw body (or as the part named ``file`` of a ``multipart/form-data`` form, as browsers' forms and
``curl -F file=@photo.jpg`` send it) puts it in that media slot (checked and stored as
``moviebuild --set-file`` does, kept under the movie's ``prompts/``), ``DELETE`` hands the slot
back. Both answer the ``MovieState``;
the next build uses the file, and its media come back by signed links like generated ones.

The body is read a chunk at a time against the slot kind's cap, so an oversized upload is
refused before it is held in memory. It does not build (``POST .../builds`` does).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import BodyPartReader, web

from moviebuild.errors import GraphError, MovieBuildError
from moviebuild.graph import parse_node_id
from moviebuild.project.movie import Movie
from moviebuild.project.own_media import (
    OwnMedia,
    media_artifact,
    media_kind,
    place_file,
    read_given_file,
    remove_slot_files,
)
from moviebuild.project.state import MovieState
from moviebuild.server.backend import MovieRef
from moviebuild.server.bodies import answer, config_error, problem
from moviebuild.server.context import server_of
from moviebuild.server.movie_routes import movie_ref

_CHUNK_BYTES = 1 << 16


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_put("/v1/movies/{movie}/files/{artifact}", put_file)
    router.add_delete("/v1/movies/{movie}/files/{artifact}", delete_file)


def _not_while_building(request: web.Request, ref: MovieRef) -> None:
    from moviebuild.server.cluster_backend import ClusterBuildBackend

    backend = server_of(request).backend
    if isinstance(backend, ClusterBuildBackend) and not backend.shared_folders:
        # The file would stay in this host's cache, which the workers' builds never read: the
        # next build would leave it out and the folder, brought to HEAD, would drop it.
        raise problem(
            409, "conflict",
            "files of yours are not taken by builds on workers on several hosts (an S3 root)",
            hint="build the movie with the file from a folder whose Moviefile's store: is the "
            "movie's (moviebuild --set-file), or serve it without --database",
        )
    running = backend.running(ref)
    if running is not None:
        raise problem(
            409, "conflict", f"build {running} of this movie is running; files wait for it",
            hint="send the file again when the build has finished",
        )


async def put_file(request: web.Request) -> web.Response:
    from moviebuild.providers.http import MAX_DOWNLOAD_BYTES

    ref = movie_ref(request)
    _not_while_building(request, ref)
    text_id = request.match_info["artifact"]
    try:
        artifact_id = await asyncio.to_thread(
            lambda: media_artifact(Movie.open(ref.folder).graph, text_id)
        )
    except MovieBuildError as exc:
        raise config_error(exc, "artifact") from None
    kind = media_kind(artifact_id)
    assert kind is not None
    cap = MAX_DOWNLOAD_BYTES[kind]
    too_big = problem(
        413, "too-large", f"{artifact_id} takes {kind} files of at most {cap >> 20} MB",
        hint="make it smaller (lower resolution or bitrate) and send it again",
    )
    data = await _read_upload(request, cap, too_big)
    if not data:
        raise problem(400, "bad-request", "the body is empty; send the file's bytes as the body")

    def run() -> MovieState:
        media = read_given_file(artifact_id, data)
        place_file(ref.folder, OwnMedia(artifact_id, media.source, media.data))
        return _state(request, ref)

    try:
        state = await asyncio.to_thread(run)
    except MovieBuildError as exc:
        raise config_error(exc, "body") from None
    finally:
        server_of(request).states.forget(ref)
    return answer(state)


async def delete_file(request: web.Request) -> web.Response:
    ref = movie_ref(request)
    _not_while_building(request, ref)
    text_id = request.match_info["artifact"]

    def run() -> MovieState | None:
        # Not through the movie's graph: a broken file must be removable even though the
        # movie does not open while it is there.
        artifact_id = parse_node_id(text_id)
        if media_kind(artifact_id) is None:
            raise GraphError(f"{text_id} is not a media slot, so it holds no file of yours")
        if not remove_slot_files(ref.folder, [artifact_id]):
            return None
        return _state(request, ref)

    try:
        state = await asyncio.to_thread(run)
    except MovieBuildError as exc:
        raise config_error(exc, "artifact") from None
    finally:
        server_of(request).states.forget(ref)
    if state is None:
        raise problem(404, "not-found", f"no file of yours in {text_id}"[:200])
    return answer(state)


async def _read_upload(request: web.Request, cap: int, too_big: web.HTTPException) -> bytes:
    """The uploaded file's bytes, read a chunk at a time and refused once past ``cap``."""
    if request.content_type != "multipart/form-data":
        if request.content_length is not None and request.content_length > cap:
            raise too_big
        return await _read_capped(request.content.read, cap, too_big)
    # A form's boundaries and headers add a little to the file; only the file counts.
    if request.content_length is not None and request.content_length > cap + _CHUNK_BYTES:
        raise too_big
    reader = await request.multipart()
    async for part in reader:
        if isinstance(part, BodyPartReader) and part.name == "file":
            return await _read_capped(part.read_chunk, cap, too_big)
    raise problem(400, "bad-request", "the form has no part named file",
                  hint="send the file as the form field named file (curl -F file=@photo.jpg)")


async def _read_capped(
    read: Callable[[int], Awaitable[bytes]], cap: int, too_big: web.HTTPException
) -> bytes:
    chunks, size = [], 0
    while chunk := await read(_CHUNK_BYTES):
        size += len(chunk)
        if size > cap:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def _state(request: web.Request, ref: MovieRef) -> MovieState:
    linker = server_of(request).signer.linker(ref.tenant, ref.movie_id)
    return Movie.open(ref.folder).state(link=linker)

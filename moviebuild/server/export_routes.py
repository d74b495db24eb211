"""``GET /v1/movies/{movie}/export/{format}``: the current revision for an editor, as a zip of the
edit file (OTIO, FCPXML or EDL), its captions and the media it names, by relative path inside
the zip (project/editor_export.py makes the bundle from the store; the movie folder's ``out/`` is
not touched, so this works while the movie builds). The zip is made in a scratch folder and
streamed from there, so a long movie's media never sit in memory at once."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import zipfile
from pathlib import Path

from aiohttp import web

from moviebuild.errors import StoreError
from moviebuild.project.editor_export import FORMATS, export_edit
from moviebuild.project.movie import Movie
from moviebuild.server.bodies import problem
from moviebuild.server.context import server_of, tenant_of

#: Media are compressed already; only the text files are deflated.
_TEXT = {".otio", ".fcpxml", ".edl", ".srt"}
_CHUNK = 1 << 20


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/v1/movies/{movie}/export/{format}", export_movie)


async def export_movie(request: web.Request) -> web.StreamResponse:
    ref = server_of(request).movie(tenant_of(request), request.match_info["movie"])
    name = request.match_info["format"]
    if name not in FORMATS:
        raise problem(
            404, "not-found", f"no export format {name[:40]!r}",
            hint=f"use one of {', '.join(FORMATS)}",
        )
    scratch = Path(tempfile.mkdtemp(prefix="moviebuild-export-"))
    try:
        packed = await asyncio.to_thread(_pack, Movie.open(ref.folder), name, scratch)
        response = web.StreamResponse(headers={
            "Content-Type": "application/zip",
            "Content-Length": str(packed.stat().st_size),
            "Content-Disposition": f'attachment; filename="{ref.movie_id}-{name}.zip"',
        })
        await response.prepare(request)
        with packed.open("rb") as source:
            while chunk := await asyncio.to_thread(source.read, _CHUNK):
                await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        await asyncio.to_thread(shutil.rmtree, scratch, True)


def _pack(movie: Movie, name: str, scratch: Path) -> Path:
    """The bundle of ``movie`` in ``scratch/bundle``, zipped into ``scratch/export.zip``."""
    bundle = scratch / "bundle"
    try:
        export_edit(movie, name, bundle=bundle)
    except StoreError as exc:
        raise problem(409, "conflict", exc.message, hint=exc.hint) from None
    packed = scratch / "export.zip"
    with zipfile.ZipFile(packed, "w") as archive:
        for path in sorted(bundle.rglob("*")):
            if path.is_file():
                method = zipfile.ZIP_DEFLATED if path.suffix in _TEXT else zipfile.ZIP_STORED
                archive.write(path, path.relative_to(bundle).as_posix(), method)
    return packed

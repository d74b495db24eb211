"""``GET /v1/movies/{movie}/export/{format}``: the current revision for an editor, as a zip of the
edit file (OTIO, FCPXML or EDL), its captions and the media it names, by relative path inside
the zip (project/editor_export.py makes the bundle from the store; the movie folder's ``out/`` is
not touched, so this works while the movie builds)."""

from __future__ import annotations

import asyncio
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path

from aiohttp import web

from moviebuild.errors import StoreError
from moviebuild.project.editor_export import FORMATS, export_edit
from moviebuild.project.movie import Movie
from moviebuild.server.app import server_of, tenant_of
from moviebuild.server.bodies import problem

#: Media are compressed already; only the text files are deflated.
_TEXT = {".otio", ".fcpxml", ".edl", ".srt"}


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/v1/movies/{movie}/export/{format}", export_movie)


async def export_movie(request: web.Request) -> web.Response:
    ref = server_of(request).movie(tenant_of(request), request.match_info["movie"])
    name = request.match_info["format"]
    if name not in FORMATS:
        raise problem(
            404, "not-found", f"no export format {name[:40]!r}",
            hint=f"use one of {', '.join(FORMATS)}",
        )

    def make() -> bytes:
        with tempfile.TemporaryDirectory(prefix="moviebuild-export-") as scratch:
            bundle = Path(scratch)
            try:
                export_edit(Movie.open(ref.folder), name, bundle=bundle)
            except StoreError as exc:
                raise problem(409, "conflict", exc.message, hint=exc.hint) from None
            packed = BytesIO()
            with zipfile.ZipFile(packed, "w") as archive:
                for path in sorted(bundle.rglob("*")):
                    if path.is_file():
                        deflate = path.suffix in _TEXT
                        method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
                        archive.write(path, path.relative_to(bundle).as_posix(), method)
            return packed.getvalue()

    data = await asyncio.to_thread(make)
    filename = f"{ref.movie_id}-{name}.zip"
    return web.Response(
        body=data,
        content_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

"""``moviebuild studio``: the HTTP API and the studio page for one local movie folder, on
127.0.0.1. ``FolderRoot`` shows that folder as the only movie of the only tenant; the server's
own records (builds, events) live in a scratch folder for the session, and its one token lives
in memory and reaches the page as a same-site cookie, so the user never handles a token.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from moviebuild.errors import ConfigError

if TYPE_CHECKING:
    from aiohttp import web

    from moviebuild.server.context import Server

TENANT = "local"


def movie_id_for(folder: Path) -> str:
    """A movie id (lower-case letters, digits, dashes) made from the folder's name."""
    words = re.sub(r"[^a-z0-9]+", "-", folder.resolve().name.lower()).strip("-")
    return words[:63].rstrip("-") or "movie"


class FolderRoot:
    """One movie folder as a server root (``MovieRoot``): it cannot create or delete movies."""

    def __init__(self, folder: Path, scratch: Path) -> None:
        self.folder = folder.resolve()
        self.movie_id = movie_id_for(self.folder)
        self.scratch = scratch
        self._tokens: str | None = None
        self._key = secrets.token_bytes(32)

    def describe(self) -> str:
        return str(self.folder)

    def _check(self, tenant: str, movie_id: str) -> None:
        if (tenant, movie_id) != (TENANT, self.movie_id):
            raise KeyError(movie_id)

    def tenant_folder(self, tenant: str) -> Path:
        if tenant != TENANT:
            raise KeyError(tenant)
        return self.scratch / "tenant"

    def movie_folder(self, tenant: str, movie_id: str) -> Path:
        self._check(tenant, movie_id)
        return self.folder

    def records_folder(self, tenant: str, movie_id: str) -> Path:
        self._check(tenant, movie_id)
        return self.scratch / "records"

    def movie_exists(self, tenant: str, movie_id: str) -> bool:
        return (tenant, movie_id) == (TENANT, self.movie_id)

    def create_movie(self, tenant: str, movie_id: str, moviefile_text: str) -> Path:
        raise ConfigError(
            f"this studio serves one movie folder ({self.folder})",
            hint="run `moviebuild init` in a new folder and `moviebuild studio` there",
        )

    def delete_movie(self, tenant: str, movie_id: str) -> None:
        raise ConfigError(
            f"this studio does not delete {self.folder}", hint="delete the folder yourself"
        )

    def list_movies(self, tenant: str) -> list[str]:
        return [self.movie_id] if tenant == TENANT else []

    def listed_moviefile(self, tenant: str, movie_id: str) -> str | None:
        self._check(tenant, movie_id)
        with contextlib.suppress(OSError, UnicodeDecodeError):
            return (self.folder / "Moviefile.yaml").read_text(encoding="utf-8")
        return None

    def follow_head(self, tenant: str, movie_id: str) -> None:
        # A person's folder: only a build brings it to HEAD (and never over their edits).
        self._check(tenant, movie_id)

    def head_revision(self, tenant: str, movie_id: str) -> int | None:
        from moviebuild.server.root import folder_head_revision

        self._check(tenant, movie_id)
        return folder_head_revision(self.folder)

    def all_movies(self) -> Iterator[tuple[str, str]]:
        yield TENANT, self.movie_id

    def read_tokens(self) -> str | None:
        return self._tokens

    def write_tokens(self, text: str) -> None:
        self._tokens = text

    def signing_key(self) -> bytes:
        return self._key


def studio_app(folder: Path, scratch: Path) -> tuple[web.Application, Server, str]:
    """The application serving ``folder`` (its own records under ``scratch``), its server, and
    the page's path (``/studio/#/movies/<id>``)."""
    from moviebuild.server.app import make_app, make_server
    from moviebuild.server.studio_routes import STUDIO_TOKEN

    if not (folder / "Moviefile.yaml").is_file():
        raise ConfigError(
            f"{folder} has no Moviefile.yaml",
            hint="run `moviebuild init` there first, or pass the movie folder with -C",
        )
    root = FolderRoot(folder, scratch)
    server = make_server(root)
    _entry, token = server.tokens.create(TENANT)
    app = make_app(server)
    app[STUDIO_TOKEN] = token
    return app, server, f"/studio/#/movies/{root.movie_id}"


def serve_studio(
    folder: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the studio for ``folder`` until Ctrl-C or SIGTERM; ``on_ready`` gets the page URL."""
    import asyncio

    scratch = Path(tempfile.mkdtemp(prefix="moviebuild-studio-"))
    try:
        app, server, page = studio_app(folder, scratch)
        asyncio.run(_serve(app, server, host, port, page, on_ready))
    except OSError as exc:
        raise ConfigError(
            f"cannot serve the studio on {host}:{port}: {exc}", hint="pass another --port"
        ) from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


async def _serve(
    app: web.Application,
    server: Server,
    host: str,
    port: int,
    page: str,
    on_ready: Callable[[str], None] | None,
) -> None:

    from aiohttp import web

    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_port = runner.addresses[0][1]
    base_url = f"http://{host}:{bound_port}" if ":" not in host else f"http://[{host}]:{bound_port}"
    server.signer.base_url = base_url
    if on_ready is not None:
        on_ready(base_url + page)
    from moviebuild.server.serve import wait_for_stop_signal

    try:
        await wait_for_stop_signal()
    finally:
        server.accepting = False
        await runner.cleanup()

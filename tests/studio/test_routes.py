"""The studio's page on the server (no token needed for the page, only for the API, and a
policy that keeps the page to this server) and ``moviebuild studio``'s one-folder server (its
token reaches the page as a same-site cookie; the folder is the only movie)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from moviebuild.errors import ConfigError
from moviebuild.server.app import Server, make_app, make_server
from moviebuild.server.root import LocalRoot
from moviebuild.studio.local import FolderRoot, movie_id_for, studio_app


async def _get(
    app: web.Application, path: str, **options: Any
) -> tuple[int, dict[str, str], bytes]:
    async with TestClient(TestServer(app)) as client:
        response = await client.get(path, allow_redirects=False, **options)
        return response.status, dict(response.headers), await response.read()


def get(server: Server, path: str, **options: Any) -> tuple[int, dict[str, str], bytes]:
    """One request to a fresh application of ``server``."""
    return asyncio.run(_get(make_app(server), path, **options))


def test_the_studio_page_needs_no_token_and_may_reach_only_this_server(tmp_path: Path) -> None:
    server = make_server(LocalRoot(tmp_path))
    status, headers, body = get(server, "/studio/")
    assert status == 200 and b'<script type="module" src="studio.js">' in body
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    assert "unsafe-eval" not in policy
    assert "Set-Cookie" not in headers
    assert get(server, "/studio/studio.js")[0] == 200
    assert get(server, "/studio")[1]["Location"] == "/studio/"


def test_only_the_built_files_are_served(tmp_path: Path) -> None:
    server = make_server(LocalRoot(tmp_path))
    for path in ("/studio/SOURCES.json", "/studio/..%2f..%2fpyproject.toml", "/studio/x.js"):
        assert get(server, path)[0] == 404, path


def test_the_api_behind_the_page_still_needs_a_token(tmp_path: Path) -> None:
    server = make_server(LocalRoot(tmp_path))
    assert get(server, "/v1/movies")[0] == 401


def write_movie(folder: Path) -> Path:
    folder.mkdir(parents=True)
    data = {"inquiry": "Tell me about bridges", "duration": 20}
    (folder / "Moviefile.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return folder


def test_moviebuild_studio_hands_its_token_to_the_page_as_a_same_site_cookie(
    tmp_path: Path,
) -> None:
    app, _server, page = studio_app(write_movie(tmp_path / "My Bridges!"), tmp_path / "scratch")
    assert page == "/studio/#/movies/my-bridges"

    async def visit() -> tuple[str, int, bytes, int]:
        async with TestClient(TestServer(app)) as client:
            cookie = (await client.get("/studio/")).headers["Set-Cookie"]
            token = cookie.split(";")[0].split("=", 1)[1]
            listed = await client.get("/v1/movies", headers={"Authorization": f"Bearer {token}"})
            without = await client.get("/v1/movies")
            return cookie, listed.status, await listed.read(), without.status

    cookie, status, body, without_token = asyncio.run(visit())
    assert "SameSite=Strict" in cookie and "Path=/studio" in cookie
    assert status == 200 and b'"my-bridges"' in body
    assert without_token == 401


def test_the_one_folder_root_shows_only_its_folder(tmp_path: Path) -> None:
    root = FolderRoot(write_movie(tmp_path / "bridges"), tmp_path / "records")
    assert list(root.all_movies()) == [("local", "bridges")]
    assert not root.movie_exists("local", "other") and not root.movie_exists("acme", "bridges")
    with pytest.raises(KeyError):
        root.movie_folder("local", "..")
    with pytest.raises(ConfigError, match="serves one movie folder"):
        root.create_movie("local", "new", "inquiry: x\n")


def test_a_folder_without_a_moviefile_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no Moviefile\.yaml") as raised:
        studio_app(tmp_path, tmp_path / "scratch")
    assert "moviebuild init" in (raised.value.hint or "")


def test_movie_ids_come_from_folder_names() -> None:
    assert movie_id_for(Path("/x/Civil War (1861)")) == "civil-war-1861"
    assert movie_id_for(Path("/x/___")) == "movie"

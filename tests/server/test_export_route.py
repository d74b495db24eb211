"""`GET /v1/movies/{id}/export/{format}`: a zip of the edit file, its captions and its media,
which OpenTimelineIO reads back with every clip's media inside the zip."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import opentimelineio as otio

from tests.server.harness import moviefile, running_server

ALL_FAKE = {role: {"adapter": "fake"} for role in ("text", "speech", "music", "image", "video")}


def test_an_export_is_a_zip_that_reads_back_with_its_media(tmp_path: Path) -> None:
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        created = http.post("/v1/movies", {"moviefile": moviefile(
            duration=20, providers=ALL_FAKE)})
        movie_id = created.json()["id"]
        http.wait_for_build(movie_id)

        answer = http.call("GET", f"/v1/movies/{movie_id}/export/otio")
        assert answer.status == 200
        assert answer.headers["Content-Type"] == "application/zip"
        assert f'filename="{movie_id}-otio.zip"' in answer.headers["Content-Disposition"]
        unpacked = tmp_path / "unpacked"
        with zipfile.ZipFile(io.BytesIO(answer.body)) as archive:
            names = set(archive.namelist())
            archive.extractall(unpacked)
        assert {"movie.otio", "movie.srt", "music.mp3", "segment-01/narration.mp3"} <= names
        edit = otio.adapters.read_from_file(str(unpacked / "movie.otio"))
        urls = [
            item.media_reference.target_url
            for track in edit.tracks for item in track if isinstance(item, otio.schema.Clip)
        ]
        assert urls and all(url in names for url in urls)

        fcpxml = http.call("GET", f"/v1/movies/{movie_id}/export/fcpxml")
        with zipfile.ZipFile(io.BytesIO(fcpxml.body)) as archive:
            assert "movie.fcpxml" in archive.namelist()

        unknown = http.call("GET", f"/v1/movies/{movie_id}/export/aaf")
        assert unknown.status == 404
        assert "use one of otio, fcpxml, edl" in unknown.json()["hint"]
        assert http.call("GET", "/v1/movies/no-such-movie/export/otio").status == 404


def test_a_movie_without_a_revision_cannot_be_exported(tmp_path: Path) -> None:
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        planned = http.post("/v1/movies", {"moviefile": moviefile(), "dry_run": True})
        assert planned.status == 201, planned.body
        answer = http.call("GET", f"/v1/movies/{planned.json()['id']}/export/edl")
        assert answer.status == 409
        assert "has not been built yet" in answer.json()["message"]


def test_the_cli_and_the_python_client_export_a_server_movie_into_a_bundle(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from moviebuild.cli.main import _register, cli
    from moviebuild.client import connect

    _register()
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        movie_id = http.post("/v1/movies", {"moviefile": moviefile(
            duration=20, providers=ALL_FAKE)}).json()["id"]
        http.wait_for_build(movie_id)
        env = {
            "MOVIEBUILD_SERVER": running.base_url,
            "MOVIEBUILD_TOKEN": http.token or "",
            "MOVIEBUILD_MOVIE": movie_id,
        }
        bundle = tmp_path / "cut"
        done = CliRunner().invoke(
            cli, ["export", "edl", "--bundle", str(bundle), "--json"], env=env
        )
        assert done.exit_code == 0, done.output
        assert (bundle / "movie.edl").is_file() and (bundle / "movie-narration.edl").is_file()
        refused = CliRunner().invoke(cli, ["export", "otio"], env=env)
        assert refused.exit_code == 2 and "--bundle DIR" in refused.output

        files = connect(running.base_url, http.token).movie(movie_id).export_edit(
            "fcpxml", bundle=tmp_path / "fcp")
        assert tmp_path / "fcp" / "movie.fcpxml" in files
        assert all(path.is_file() for path in files)

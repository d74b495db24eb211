"""``moviebuild export`` on a movie built with the fake adapter: text and JSON reports, the
files they name, and what it says before a build."""

from __future__ import annotations

import json

from click.testing import CliRunner

from moviebuild.cli.main import _register, cli
from tests.conftest import MovieFactory, run_build


def test_export_writes_beside_out_and_reports_every_file(movie_folder: MovieFactory) -> None:
    folder = movie_folder(duration=20)
    assert run_build(folder).complete
    _register()
    text = CliRunner().invoke(cli, ["-C", str(folder), "export", "fcpxml"])
    assert text.exit_code == 0, text.output
    assert f"wrote {folder.resolve() / 'out' / 'movie.fcpxml'} (r1: " in text.output
    assert "movie.srt" in text.output
    answer = CliRunner().invoke(cli, ["-C", str(folder), "export", "edl", "--json"])
    data = json.loads(answer.output)
    assert data["revision"] == 1 and data["format"] == "edl"
    assert [p.rsplit("/", 1)[1] for p in data["files"]] == [
        "movie.edl", "movie-narration.edl", "movie-music.edl", "movie.srt",
    ]
    assert data["clips"]["Narration"] == 2


def test_export_before_any_build_says_to_build(movie_folder: MovieFactory) -> None:
    _register()
    done = CliRunner().invoke(cli, ["-C", str(movie_folder(duration=20)), "export", "otio"])
    assert done.exit_code == 3
    assert "has not been built yet" in done.output and "run `moviebuild` first" in done.output

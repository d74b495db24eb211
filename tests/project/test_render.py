"""`moviebuild render` on a real offline movie: duration matches the timeline, and after editing
one segment's narration the re-render re-encodes exactly one segment clip."""

from __future__ import annotations

from pathlib import Path

from moviebuild.media.ffmpeg import media_duration_s
from moviebuild.project.movie import Movie
from moviebuild.project.render import render_movie
from moviebuild.timeline import load_timeline
from tests.conftest import write_moviefile


def build(folder: Path) -> None:
    result = Movie.open(folder).build()
    assert result.complete


def test_render_then_edit_one_narration_rerenders_one_segment(tmp_path: Path) -> None:
    folder = tmp_path / "movie"
    write_moviefile(
        folder,
        inquiry="Tell me about tides",
        duration=20,
        images_per_segment=1,
        size="480p",
        providers={},
    )
    build(folder)
    first = render_movie(Movie.open(folder))  # at the timeline's size: the Moviefile's 480p
    timeline = load_timeline((folder / "out" / "timeline.json").read_bytes())
    assert (timeline.width, timeline.height) == (854, 480)
    assert (first.width, first.height) == (854, 480)
    assert abs(media_duration_s(first.out_path) - timeline.duration_s) <= 0.1
    assert first.rendered == (1, 2)

    script = folder / "prompts" / "script.md"
    text = script.read_text()
    start = text.index("# Segment 2\n\n") + len("# Segment 2\n\n")
    end = text.index("\n", start)
    script.write_text(
        text[:start] + "The moon pulls the oceans, and twice a day the water "
        "climbs the beach and slides away again." + text[end:]
    )
    build(folder)
    second = render_movie(Movie.open(folder))
    assert second.rendered == (2,)
    assert second.reused == (1,)

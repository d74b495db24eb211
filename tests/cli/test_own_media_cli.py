"""Your own media through the command line: --set-file, status, --dry-run, reset, and a
narration you bring setting its segment's length."""

from __future__ import annotations

import io
import json
import wave
from pathlib import Path

from click.testing import CliRunner, Result
from PIL import Image

from moviebuild.cli.main import _register, cli
from moviebuild.project.movie import Movie
from moviebuild.providers.media_format import is_expected_format
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter
from moviebuild.timeline import load_timeline
from tests.conftest import MovieFactory, run_build


def invoke(*args: str) -> Result:
    _register()
    return CliRunner().invoke(cli, list(args))


def jpeg(path: Path) -> Path:
    Image.new("RGB", (48, 27), (30, 160, 90)).save(path, "JPEG")
    return path


def wav(seconds: float) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(8000)
        handle.writeframes(b"\x00\x01" * int(8000 * seconds))
    return out.getvalue()


def test_dry_run_shows_the_reason_and_status_shows_yours(
    movie_folder: MovieFactory, tmp_path: Path
) -> None:
    folder = movie_folder()
    run_build(folder)
    photo = jpeg(tmp_path / "photo.jpg")
    result = invoke("-C", str(folder), "--dry-run", "--json", "--set-file",
                    f"SegmentImage[2][1]={photo}")
    assert result.exit_code == 0, result.output
    jobs = {job["id"]: job for job in json.loads(result.output)["jobs"]}
    assert "TextToImageProducer[2][1]" not in jobs
    assert (jobs["TimelineAssembler"]["reason"], jobs["TimelineAssembler"]["subject"]) == (
        "override", "SegmentImage[2][1]"
    )
    assert not (folder / "prompts/segment-02/image-1.jpg").exists()  # a dry run keeps nothing

    result = invoke("-C", str(folder), "build", "--set-file", f"SegmentImage[2][1]={photo}")
    assert result.exit_code == 0, result.output
    assert (folder / "prompts/segment-02/image-1.jpg").read_bytes() == photo.read_bytes()
    status = invoke("-C", str(folder), "status")
    assert "1 yours" in status.output
    mine = "yours   SegmentImage[2][1] is your image prompts/segment-02/image-1.jpg"
    assert mine in status.output
    data = json.loads(invoke("-C", str(folder), "status", "--json").output)
    assert data["own_media"] == [{"id": "SegmentImage[2][1]", "label": "Segment 2, image 1",
                                  "kind": "image", "file": "prompts/segment-02/image-1.jpg",
                                  "source": "yours"}]

    explained = invoke("-C", str(folder), "explain", "TextToImageProducer[2][1]")
    assert "TextToImageProducer[2][1] does not run: every output is pinned" in explained.output
    # Your media file is explained by the generator it keeps from running (only an edited text
    # is explained by the job that reads it).
    explained = invoke("-C", str(folder), "explain", "SegmentImage[2][1]")
    assert "TextToImageProducer[2][1] does not run: every output is pinned" in explained.output

    reset = invoke("-C", str(folder), "reset", "prompts/segment-02/image-1.jpg")
    assert reset.exit_code == 0 and "reset SegmentImage[2][1]" in reset.output
    assert "yours" not in invoke("-C", str(folder), "status").output


def test_a_broken_file_is_an_error_naming_it(movie_folder: MovieFactory, tmp_path: Path) -> None:
    folder = movie_folder(segments={2: {"use_video": True}})
    fake_png = tmp_path / "notes.png"
    fake_png.write_text("meeting notes, not a picture\n")
    result = invoke("-C", str(folder), "--dry-run", "--set-file", f"SegmentImage[1][1]={fake_png}")
    assert result.exit_code == 2
    assert f"{fake_png}: not a usable image for SegmentImage[1][1]" in result.output
    assert "it holds text" in result.output and "Traceback" not in result.output
    (folder / "prompts/segment-02").mkdir(parents=True)
    (folder / "prompts/segment-02/video.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\0" * 64)
    result = invoke("-C", str(folder), "--dry-run")
    assert result.exit_code == 2
    assert "prompts/segment-02/video.mp4: not a usable video for SegmentVideo[2]" in result.output
    assert "Traceback" not in result.output
    reset = invoke("-C", str(folder), "reset", "prompts/segment-02/video.mp4")
    assert reset.exit_code == 0 and "reset SegmentVideo[2]" in reset.output
    assert invoke("-C", str(folder), "--dry-run").exit_code == 0
    (folder / "prompts/segment-02/image-1.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    result = invoke("-C", str(folder), "--dry-run")
    assert result.exit_code == 2
    assert "image-1.png: this movie has no SegmentImage[2][1], so the file is unused" in (
        result.output
    )


def test_a_wrong_kind_given_on_the_command_line_is_refused(
    movie_folder: MovieFactory, tmp_path: Path
) -> None:
    song = tmp_path / "song.wav"
    song.write_bytes(wav(1.0))
    result = invoke("-C", str(movie_folder()), "--dry-run", "--set-file",
                    f"SegmentImage[1][1]={song}")
    assert result.exit_code == 2
    assert "SegmentImage[1][1] takes an image, and .wav is not one" in result.output


def test_your_narration_sets_the_segment_length_under_fit_narration(
    movie_folder: MovieFactory,
) -> None:
    folder = movie_folder(assembly="fit-narration")
    (folder / "prompts/segment-01").mkdir(parents=True)
    (folder / "prompts/segment-01/narration.wav").write_bytes(wav(17.0))
    adapter = FakeAdapter(clock=ManualClock())
    assert run_build(folder, adapter).complete
    assert adapter.calls["AudioProducer[1]"] == 0
    with Movie.open(folder).open_store() as store:
        from moviebuild.project.results import StoreResults

        manifest = StoreResults(store).manifest
        assert manifest is not None and manifest.timeline
        timeline = load_timeline(store.blobs.get_blob(manifest.timeline))
    assert timeline.segment(1).duration_s >= 17.0
    assert timeline.segment(2).duration_s < 17.0
    assert is_expected_format((folder / "out/segment-01/narration.mp3").read_bytes(), "audio")

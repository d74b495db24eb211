"""Your own media in a slot: a file under prompts/ (or given to a build) pins the artifact."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from moviebuild.errors import ConfigError
from moviebuild.graph import NodeId
from moviebuild.project.changes import Changes
from moviebuild.project.movie import Movie
from moviebuild.project.prompts import reset_slots
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter
from tests.conftest import MovieFactory, run_build

SLOT = "prompts/segment-03/image-2.png"


def png(color: tuple[int, int, int] = (200, 30, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 36), color).save(out, "PNG")
    return out.getvalue()


def fake() -> FakeAdapter:
    return FakeAdapter(clock=ManualClock())


def test_a_dropped_image_runs_no_image_call_and_reset_brings_the_generator_back(
    movie_folder: MovieFactory,
) -> None:
    folder = movie_folder(images_per_segment=2)
    run_build(folder)
    mine = png()
    (folder / SLOT).write_bytes(mine)
    adapter = fake()
    report = run_build(folder, adapter)
    assert report.complete
    assert adapter.calls["TextToImageProducer[3][2]"] == 0
    assert "TextToImageProducer" not in adapter.calls_by_producer()
    assert (folder / "out/segment-03/image-2.png").read_bytes() == mine
    state = Movie.open(folder).state()
    assert [(m.id, m.file, m.source) for m in state.own_media] == [
        ("SegmentImage[3][2]", SLOT, "yours")
    ]
    assert {j.id: j.status for j in state.jobs}["TextToImageProducer[3][2]"] == "skipped"
    # The same file again calls nothing.
    adapter = fake()
    run_build(folder, adapter)
    assert sum(adapter.calls.values()) == 0

    # Handed back, the slot gets the image generated before (stored): nothing is called.
    assert reset_slots(folder, Movie.open(folder).graph, SLOT) == ["SegmentImage[3][2]"]
    assert not (folder / SLOT).exists()
    adapter = fake()
    run_build(folder, adapter)
    assert sum(adapter.calls.values()) == 0
    assert (folder / "out/segment-03/image-2.png").read_bytes() != mine
    assert Movie.open(folder).state().own_media == []


def test_an_image_dropped_before_the_first_build_is_never_generated_until_reset(
    movie_folder: MovieFactory,
) -> None:
    folder = movie_folder(images_per_segment=2)
    (folder / "prompts/segment-03").mkdir(parents=True)
    (folder / SLOT).write_bytes(png())
    adapter = fake()
    assert run_build(folder, adapter).complete
    assert adapter.calls_by_producer()["TextToImageProducer"] == 11
    assert adapter.calls["TextToImageProducer[3][2]"] == 0
    assert (folder / "out/segment-03/image-2.png").read_bytes() == png()
    graph = Movie.open(folder).graph
    assert reset_slots(folder, graph, "SegmentImage[3][2]") == ["SegmentImage[3][2]"]
    adapter = fake()
    run_build(folder, adapter)
    assert dict(adapter.calls) == {"TextToImageProducer[3][2]": 1}


def test_a_file_given_to_the_api_is_kept_in_its_slot_as_given(
    movie_folder: MovieFactory, tmp_path: Path
) -> None:
    folder = movie_folder()
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (64, 36), (10, 120, 200)).save(photo, "JPEG")
    adapter = fake()
    report = Movie.open(folder).build(
        Changes(files={"SegmentImage[2][1]": photo}), adapters={"fake": adapter},
        clock=adapter.clock,
    )
    assert report.complete
    assert adapter.calls["TextToImageProducer[2][1]"] == 0
    assert (folder / "prompts/segment-02/image-1.jpg").read_bytes() == photo.read_bytes()
    with Movie.open(folder).open_store() as store:
        from moviebuild.project.results import StoreResults

        manifest = StoreResults(store).manifest
        assert manifest is not None
        assert manifest.overrides[NodeId("SegmentImage", (2, 1))].file == (
            "prompts/segment-02/image-1.jpg"
        )
    with Image.open(folder / "out/segment-02/image-1.png") as stored:
        assert stored.format == "PNG" and stored.size == (64, 36)
    adapter = fake()
    run_build(folder, adapter)
    assert sum(adapter.calls.values()) == 0
    adapter = fake()
    Movie.open(folder).build(
        Changes(files={"SegmentImage[2][1]": None}), adapters={"fake": adapter},
        clock=adapter.clock,
    )
    assert dict(adapter.calls) == {"TextToImageProducer[2][1]": 1}
    assert (folder / "out/segment-02/image-1.png").read_bytes() != photo.read_bytes()
    assert not (folder / "prompts/segment-02/image-1.jpg").exists()


def test_a_text_file_named_png_is_refused_naming_the_file(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    (folder / "prompts/segment-01").mkdir(parents=True)
    (folder / "prompts/segment-01/image-1.png").write_text("not a picture\n")
    with pytest.raises(ConfigError) as caught:
        Movie.open(folder)
    message = str(caught.value)
    assert "prompts/segment-01/image-1.png" in message
    assert "not a usable image for SegmentImage[1][1]" in message
    assert caught.value.hint and "delete it" in caught.value.hint


def test_a_file_of_the_wrong_kind_for_its_slot_is_refused(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    (folder / "prompts/segment-01").mkdir(parents=True)
    (folder / "prompts/segment-01/image-1.mp3").write_bytes(b"ID3")
    with pytest.raises(ConfigError, match=r"image-1\.mp3: SegmentImage\[1\]\[1\] takes an image"):
        Movie.open(folder)


def test_a_slot_given_twice_and_an_unknown_slot_are_refused(
    movie_folder: MovieFactory, tmp_path: Path
) -> None:
    folder = movie_folder()
    (folder / "prompts/segment-01").mkdir(parents=True)
    (folder / "prompts/segment-01/image-1.png").write_bytes(png())
    (folder / "prompts/segment-01/image-1.webp").write_bytes(png())
    with pytest.raises(ConfigError, match="has 2 files"):
        Movie.open(folder)
    (folder / "prompts/segment-01/image-1.webp").unlink()
    movie = Movie.open(folder)
    with pytest.raises(Exception, match="not a media slot of this movie"):
        movie.plan(Changes(files={"SegmentNarration[1]": tmp_path / "x.png"}))


def test_checkout_puts_your_file_back_and_diff_names_it(movie_folder: MovieFactory) -> None:
    folder = movie_folder(images_per_segment=2)
    run_build(folder)
    (folder / SLOT).write_bytes(png())
    assert run_build(folder).revision == 2
    reset_slots(folder, Movie.open(folder).graph, SLOT)
    assert run_build(folder).revision == 3
    assert not (folder / SLOT).exists()
    movie = Movie.open(folder)
    from moviebuild.project.history import diff_revisions

    assert diff_revisions(movie, 2, 3)["overrides"] == {
        "SegmentImage[3][2]": {"old": SLOT, "new": None}
    }
    movie.checkout(2)
    assert (folder / SLOT).read_bytes() == png()
    assert (folder / "out/segment-03/image-2.png").read_bytes() == png()
    adapter = fake()
    run_build(folder, adapter)
    assert sum(adapter.calls.values()) == 0


def test_a_verified_file_is_kept_so_later_commands_skip_decoding(
    movie_folder: MovieFactory,
) -> None:
    from moviebuild.project import own_media

    folder = movie_folder()
    (folder / "prompts/segment-01").mkdir(parents=True)
    photo = folder / "prompts/segment-01/image-1.jpg"
    Image.new("RGB", (32, 18), (1, 2, 3)).save(photo, "JPEG")
    first = Movie.open(folder).overrides()[NodeId("SegmentImage", (1, 1))]
    kept = list((folder / own_media.CACHE_DIR).iterdir())
    assert [p.read_bytes() for p in kept] == [first]
    own_media._VERIFIED.clear()
    kept[0].write_bytes(png())  # what is kept is what is used: the memo on disk is read back
    assert Movie.open(folder).overrides()[NodeId("SegmentImage", (1, 1))] == png()


def test_a_linked_media_file_is_refused_not_followed(
    movie_folder: MovieFactory, tmp_path: Path
) -> None:
    folder = movie_folder()
    outside = tmp_path / "outside.png"
    outside.write_bytes(png())
    (folder / "prompts/segment-01").mkdir(parents=True)
    (folder / "prompts/segment-01/image-1.png").symlink_to(outside)
    with pytest.raises(ConfigError, match=r"image-1\.png is a symbolic link"):
        Movie.open(folder)


def test_set_file_pins_a_slot_for_the_movie_object_and_none_hands_it_back(
    movie_folder: MovieFactory,
) -> None:
    folder = movie_folder()
    movie = Movie.open(folder)
    movie.set_file("MusicTrack", _wav_bytes())
    assert "MusicProducer" not in {j.producer for j in movie.plan().jobs}
    movie.set_file("MusicTrack", None)
    assert "MusicProducer" in {j.producer for j in movie.plan().jobs}


def _wav_bytes() -> bytes:
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(8000)
        handle.writeframes(b"\x00\x01" * 8000)
    return out.getvalue()

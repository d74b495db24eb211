"""The minimal-calls guarantee, end to end with the offline providers on a 6 x 3 movie: each edit
calls exactly the providers it must, and the dry run before each build lists exactly those jobs.
Each row starts from its own copy of one built baseline, so rows run alone or in any order."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from moviebuild.project.changes import Changes
from moviebuild.project.movie import Movie
from moviebuild.project.reports import BuildReport
from moviebuild.providers.offline.adapter import OfflineAdapter
from moviebuild.testing.counting import CountingAdapter

BASE: dict[str, Any] = {
    "inquiry": "Tell me about the history of lighthouses",
    "duration": 60,
    "images_per_segment": 3,
    "size": "480p",
    "voice": "alice",
}


class Session:
    """One movie folder edited step by step, with an offline adapter that counts calls."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.fields = dict(BASE)
        self.adapter = CountingAdapter(OfflineAdapter())
        self.write()

    def write(self) -> None:
        text = yaml.safe_dump(self.fields, sort_keys=False)
        (self.folder / "Moviefile.yaml").write_text(text, encoding="utf-8")

    def set(self, **fields: Any) -> None:
        self.fields.update(fields)
        self.write()

    def build(self, redo: Iterable[str] = ()) -> tuple[dict[str, int], BuildReport]:
        """Dry run, then build (which refreshes prompts/ and out/); asserts the dry run listed
        exactly the calls the build made."""
        movie = Movie.open(self.folder)
        changes = Changes(redo=list(redo))
        plan = movie.make_plan(changes)
        predicted = {str(p.job.id) for p in plan.to_run() if p.adapter != "internal"}
        self.adapter.reset()
        result = movie.build(changes, adapters={"offline": self.adapter})
        assert predicted == set(self.adapter.calls), "the dry run predicts the build"
        assert set(self.adapter.calls.values()) <= {1}
        return self.adapter.by_producer(), result

    def prompt(self, relative: str) -> Path:
        return self.folder / "prompts" / relative


def prompts_of(session: Session, segment: int) -> dict[str, str]:
    folder = session.prompt(f"segment-{segment:02d}")
    return {p.name: p.read_text() for p in sorted(folder.glob("image-*.txt"))}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("table")
    built = Session(folder)
    calls, result = built.build()
    assert result.complete
    assert calls == {
        "ScriptProducer": 1,
        "TextToMusicPromptProducer": 1,
        "MusicProducer": 1,
        "AudioProducer": 6,
        "TextToImagePromptProducer": 6,
        "TextToImageProducer": 18,
    }
    return folder


@pytest.fixture
def session(baseline: Path, tmp_path: Path) -> Session:
    """A copy of the built baseline, to edit."""
    folder = tmp_path / "movie"
    shutil.copytree(baseline, folder, symlinks=True)
    return Session(folder)


def test_nothing_calls_nothing(session: Session) -> None:
    assert session.build()[0] == {}


def test_voice_reruns_six_speech(session: Session) -> None:
    session.set(voice="bob")
    assert session.build()[0] == {"AudioProducer": 6}


def test_emotion_reruns_six_speech(session: Session) -> None:
    session.set(emotion="calm")
    assert session.build()[0] == {"AudioProducer": 6}


def test_narration_of_segment_two(session: Session) -> None:
    before = prompts_of(session, 2)
    script = session.prompt("script.md")
    text = script.read_text()
    marker = "# Segment 2\n\n"
    start = text.index(marker) + len(marker)
    end = text.index("\n", start)
    script.write_text(
        text[:start] + "Keepers climbed the tower every night to trim the wick "
        "and polish the great lens until dawn broke over the rocks." + text[end:]
    )
    calls, _ = session.build()
    after = prompts_of(session, 2)
    changed = sum(before[name] != after[name] for name in before)
    assert changed >= 1
    expected = {"AudioProducer": 1, "TextToImagePromptProducer": 1, "TextToImageProducer": changed}
    assert calls == expected


def test_image_prompt_of_segment_three_image_two(session: Session) -> None:
    path = session.prompt("segment-03/image-2.txt")
    path.write_text("a red lighthouse on a black cliff under a full moon\n")
    assert session.build()[0] == {"TextToImageProducer": 1}


def test_that_edit_reverted_calls_nothing(session: Session) -> None:
    path = session.prompt("segment-03/image-2.txt")
    original = path.read_text()
    path.write_text("a red lighthouse on a black cliff under a full moon\n")
    assert session.build()[0] == {"TextToImageProducer": 1}
    path.write_text(original)
    assert session.build()[0] == {}


def test_image_style(session: Session) -> None:
    session.set(image_style="anime")
    assert session.build()[0] == {"TextToImagePromptProducer": 6, "TextToImageProducer": 18}


def test_assembly_calls_no_provider(session: Session) -> None:
    session.set(assembly="fixed")
    calls, result = session.build()
    assert calls == {}
    assert result.ran == {"TimelineAssembler": 1}


def test_music_prompt_edit(session: Session) -> None:
    session.prompt("music.txt").write_text("slow cello and sea sounds, melancholic\n")
    assert session.build()[0] == {"MusicProducer": 1}


def test_images_per_segment_three_to_four(session: Session) -> None:
    session.set(images_per_segment=4)
    calls, result = session.build()
    assert calls == {"TextToImagePromptProducer": 6, "TextToImageProducer": 6}
    assert {
        job.id for job in result.jobs if job.producer == "TextToImageProducer"
    } == {f"TextToImageProducer[{i}][4]" for i in range(1, 7)}


def test_size(session: Session) -> None:
    session.set(size="720p")
    assert session.build()[0] == {"TextToImageProducer": 18}


def test_segment_four_switched_to_video(session: Session) -> None:
    session.set(segments={4: {"use_video": True}})
    assert session.build()[0] == {"TextToVideoPromptProducer": 1, "TextToVideoProducer": 1}


def test_duration_sixty_to_seventy(session: Session) -> None:
    session.set(duration=70)
    assert session.build()[0] == {
        "ScriptProducer": 1,
        "AudioProducer": 1,
        "TextToImagePromptProducer": 1,
        "TextToImageProducer": 3,
        "MusicProducer": 1,
    }


def test_redo_one_image(session: Session) -> None:
    assert session.build(redo=["SegmentImage[5][1]"])[0] == {"TextToImageProducer": 1}


def test_failed_image_then_fault_removed(session: Session) -> None:
    session.adapter.fail["TextToImageProducer[2][3]"] = 400
    _, result = session.build(redo=["TextToImageProducer[2][3]"])
    assert [job.id for job in result.failed()] == ["TextToImageProducer[2][3]"]
    session.adapter.fail.clear()
    assert session.build()[0] == {"TextToImageProducer": 1}

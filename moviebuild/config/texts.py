"""The stated limits on the text a user gives moviebuild (the inquiry, an edited prompt or
narration, ``--set``), and the one check that enforces them. Where the text came from (a file,
a command-line option) is the caller's to say.
"""

from __future__ import annotations

from moviebuild.errors import ConfigError, SourceLocation

#: The inquiry: what the movie is about, a sentence or a paragraph.
MAX_INQUIRY_CHARS = 2_000
#: Any one overridable text: a narration, a prompt, a title, a summary, the music prompt.
MAX_TEXT_CHARS = 5_000
#: Short names: the voice, a model, the store.
MAX_NAME_CHARS = 200


def check_text(
    text: str,
    what: str,
    *,
    limit: int = MAX_TEXT_CHARS,
    location: SourceLocation | None = None,
) -> str:
    """``text`` unchanged, or a ConfigError when it is not valid UTF-8 or longer than ``limit``.

    ``what`` names the text in the message (``SegmentNarration[2]``, ``the text``).
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(
            f"{what} is not valid UTF-8",
            location=location,
            hint="give the text in UTF-8 (check the terminal's or the file's encoding)",
        ) from None
    if len(text) > limit:
        raise ConfigError(
            f"{what} is {len(text):,} characters long; the limit is {limit:,}",
            location=location,
            hint="shorten it (a 10-second narration needs about 30 words)",
        )
    return text

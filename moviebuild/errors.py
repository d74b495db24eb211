"""The one exception tree of moviebuild; every error a user can see is one of these.

    MovieBuildError                 root: message, hint, exit_code
    ├── ConfigError                 Moviefile or blueprint problems (file:line:column)   exit 2
    │   └── MoviefileNotFound       no Moviefile.yaml in the folder                      exit 2
    ├── GraphError                  unknown or malformed node ids ("did you mean")      exit 2
    ├── StoreError                  the store cannot be read or written                  exit 3
    │   ├── StoreFormatError        an on-disk format this version cannot read           exit 3
    │   │   └── NewerFormatError    ... because a newer moviebuild wrote it (upgrade)     exit 3
    │   └── LockHeld                another build holds the movie's lock                 exit 3
    ├── ProviderError               a provider call failed (retryable, retry_after_s)    exit 1
    ├── MediaError                  ffmpeg missing or a media file could not be made     exit 1
    ├── BuildIncomplete             some jobs failed or were blocked                     exit 1
    ├── BudgetExceeded              the estimated cost is over --budget                  exit 2
    ├── Interrupted                 Ctrl-C; finished work is kept                        exit 130
    └── InternalError               a bug in moviebuild                                  exit 70

Third-party exceptions are translated into this tree in their library's one home, with
``raise ... from``. Messages say where, what, then (in ``hint``) what to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path


class MovieBuildError(Exception):
    """Root of every error moviebuild raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class SourceLocation:
    """A place in a text file, 1-based line and column."""

    path: Path | str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = str(self.path)
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


class ConfigError(MovieBuildError):
    """A Moviefile or blueprint is invalid; carries where, when known."""

    exit_code = 2

    def __init__(
        self, message: str, *, location: SourceLocation | None = None, hint: str | None = None
    ) -> None:
        super().__init__(f"{location}: {message}" if location else message, hint=hint)
        self.location = location
        self.detail = message


class MoviefileNotFound(ConfigError):
    """The folder has no Moviefile.yaml."""


class GraphError(MovieBuildError):
    """A node id does not parse or names nothing in this movie."""

    exit_code = 2


class StoreError(MovieBuildError):
    """The store could not be read or written."""

    exit_code = 3


class StoreFormatError(StoreError):
    """An on-disk file has a format version this moviebuild cannot read."""


class NewerFormatError(StoreFormatError):
    """An on-disk file was written by a newer moviebuild: not damaged, only unreadable here."""


class LockHeld(StoreError):
    """Another live process is building this movie."""

    def __init__(self, message: str, *, holder_pid: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.holder_pid = holder_pid


class ProviderError(MovieBuildError):
    """A provider call failed. ``retryable`` is decided once, at the adapter boundary."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        retry_after_s: float | None = None,
        provider: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.retryable = retryable
        self.retry_after_s = retry_after_s
        self.provider = provider


class MediaError(MovieBuildError):
    """ffmpeg is missing, or a media file could not be made or read."""

    exit_code = 1


class BuildIncomplete(MovieBuildError):
    """The build finished but some jobs failed or were blocked by a failure."""

    exit_code = 1

    def __init__(self, failed: Iterable[str], blocked: Iterable[str],
                 budget: str | None = None) -> None:
        self.failed = list(failed)
        self.blocked = list(blocked)
        if budget is not None:
            super().__init__(
                f"build incomplete: {budget}",
                hint="run moviebuild again with a higher --budget: finished calls are kept "
                "and not paid again",
            )
            return
        super().__init__(
            f"build incomplete: {len(self.failed)} failed, {len(self.blocked)} blocked",
            hint="fix what `moviebuild status` lists as needs-attention, then run moviebuild again",
        )


class BudgetExceeded(MovieBuildError):
    """The estimated cost of the stale work is above the user's budget."""

    exit_code = 2


class Interrupted(MovieBuildError):
    """The user pressed Ctrl-C; finished work was recorded."""

    exit_code = 130


class InternalError(MovieBuildError):
    """A bug in moviebuild itself."""

    exit_code = 70


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest choice to ``word``, or None when nothing is close."""
    matches = get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None

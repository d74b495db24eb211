"""What ``make test`` needs from the machine beyond pip: one line naming what is missing and the
one command that installs it, printed before the tests run (nothing when all is there).

The tests that need a missing part fail naming it (PostgreSQL, Chromium, espeak-ng); those that
need a missing font skip with the reason, unless ``MOVIEBUILD_REQUIRE_FONTS=1`` (CI, after
``.ci/speech-setup``). Run as ``python tests/preflight.py``; it never fails.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import NamedTuple

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))


class Part(NamedTuple):
    what: str
    package: str  # Debian's
    needed_by: str


def _font(name: str) -> bool:
    return any(d.is_dir() and next(d.rglob(name), None) is not None for d in FONT_DIRS)


def _postgres() -> bool:
    found = shutil.which("initdb") is not None
    return found or any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


CHECKS = (
    (Part("ffmpeg", "ffmpeg", "every render"), lambda: shutil.which("ffmpeg") is not None),
    (Part("PostgreSQL", "postgresql", "the distributed tests"), _postgres),
    (Part("Chromium", "chromium", "the studio and Remotion tests"),
     lambda: Path("/usr/bin/chromium").is_file()),
    (Part("espeak-ng", "espeak-ng", "offline speech in other languages"),
     lambda: shutil.which("espeak-ng") is not None),
    (Part("DejaVu Sans", "fonts-dejavu-core", "caption tests (skipped)"),
     lambda: _font("DejaVuSans-Bold.ttf")),
    (Part("a CJK font", "fonts-noto-cjk", "caption tests (skipped)"),
     lambda: _font("NotoSansCJK-Bold.ttc") or _font("NotoSansCJK-Regular.ttc")),
)


def missing() -> list[Part]:
    return [part for part, present in CHECKS if not present()]


def line(parts: list[Part]) -> str | None:
    """The one line for ``parts``, or None when nothing is missing."""
    if not parts:
        return None
    what = ", ".join(f"{p.what} ({p.needed_by})" for p in parts)
    packages = " ".join(p.package for p in parts)
    return (
        f"make test: missing {what}; install with: "
        f"sudo apt-get install --no-install-recommends {packages}"
    )


if __name__ == "__main__":
    found = line(missing())
    if found:
        print(found, flush=True)

"""Which root a ``--root`` location names: a local folder (``root.LocalRoot``) or an S3 prefix
(``s3root.S3Root``). Above both, so neither imports the other; opens nothing else."""

from __future__ import annotations

from pathlib import Path

from moviebuild.errors import ConfigError
from moviebuild.server.root import LocalRoot, MovieRoot


def open_root(location: str | Path, cache: Path | None = None) -> MovieRoot:
    """The root at ``location``: a local folder, or ``s3://bucket/prefix`` whose movie folders
    are cached under ``cache`` (default: a folder in the user's cache directory)."""
    text = str(location)
    if text.startswith("s3://"):
        from moviebuild.server.s3root import open_s3_root

        return open_s3_root(text, cache)
    if "://" in text and not text.startswith("file://"):
        raise ConfigError(
            f"--root {text}: unknown kind of root", hint="use a folder or s3://bucket/prefix"
        )
    return LocalRoot(Path(text.removeprefix("file://")).absolute())
